// Parses one POP3 command line (without its CRLF) into a `POP3Command`.
// RFC 1939 §3: a keyword of 3-4 characters, case-insensitive, arguments
// separated by single spaces (Tern also accepts runs of spaces); RFC 2449 §4:
// a command line is at most 255 octets including CRLF.
import Foundation

public enum POP3CommandParser {
    /// The longest command line accepted, without its CRLF (RFC 2449 §4: 255 with CRLF).
    public static let maxLineLength = 253
    /// The most digits accepted in a message number or line count.
    static let maxDigits = 9

    public static func parse(_ line: [UInt8]) -> Result<POP3Command, POP3CommandError> {
        guard line.count <= maxLineLength else { return .failure(.lineTooLong) }
        // Control characters (NUL, bare CR or LF, DEL...) have no place in a command.
        // TAB is refused too: RFC 1939 separates by SP only.
        guard !line.contains(where: { $0 < 0x20 || $0 == 0x7F }) else { return .failure(.invalidCharacters) }
        guard let text = String(bytes: line, encoding: .utf8) else { return .failure(.invalidCharacters) }
        guard !text.allSatisfy({ $0 == " " }) else { return .failure(.emptyLine) }

        let keyword: Substring
        let rest: Substring
        if let space = text.firstIndex(of: " ") {
            keyword = text[..<space]
            rest = text[text.index(after: space)...]
        } else {
            keyword = text[...]
            rest = ""
        }
        let arguments = rest.split(separator: " ", omittingEmptySubsequences: true).map(String.init)

        switch keyword.uppercased() {
        case "USER":
            guard arguments.count == 1 else { return bad("USER", "expected one user name") }
            return .success(.user(arguments[0]))
        case "PASS":
            // RFC 1939 §7: the password is everything after "PASS ", spaces included.
            guard !rest.isEmpty else { return bad("PASS", "expected a password") }
            return .success(.pass(String(rest)))
        case "STAT": return noArguments(.stat, arguments)
        case "NOOP": return noArguments(.noop, arguments)
        case "RSET": return noArguments(.rset, arguments)
        case "QUIT": return noArguments(.quit, arguments)
        case "CAPA": return noArguments(.capa, arguments)
        case "STLS": return noArguments(.stls, arguments)
        case "LIST": return optionalMessage("LIST", arguments).map(POP3Command.list)
        case "UIDL": return optionalMessage("UIDL", arguments).map(POP3Command.uidl)
        case "RETR": return requiredMessage("RETR", arguments).map(POP3Command.retr)
        case "DELE": return requiredMessage("DELE", arguments).map(POP3Command.dele)
        case "TOP":
            guard arguments.count == 2 else { return bad("TOP", "expected a message number and a line count") }
            guard let message = messageNumber(arguments[0]) else { return bad("TOP", "invalid message number") }
            guard let lines = decimal(arguments[1]) else { return bad("TOP", "invalid line count") }
            return .success(.top(message: message, lines: lines))
        case "AUTH":
            // RFC 5034 §4: AUTH mechanism [initial-response].
            switch arguments.count {
            case 0: return .success(.auth(mechanism: nil, initialResponse: nil))
            case 1: return .success(.auth(mechanism: arguments[0].uppercased(), initialResponse: nil))
            case 2: return .success(.auth(mechanism: arguments[0].uppercased(), initialResponse: arguments[1]))
            default: return bad("AUTH", "expected a mechanism and an optional initial response")
            }
        default:
            return .failure(.unknownCommand)
        }
    }

    /// A message number: a positive decimal number (RFC 1939 §3 "msg").
    static func messageNumber(_ text: String) -> Int? {
        guard let value = decimal(text), value > 0 else { return nil }
        return value
    }

    /// A non-negative decimal number of ASCII digits only (no sign, bounded length).
    static func decimal(_ text: String) -> Int? {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= maxDigits, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            return nil
        }
        return bytes.reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }

    private static func bad(_ command: String, _ reason: String) -> Result<POP3Command, POP3CommandError> {
        .failure(.badArguments(command: command, reason: reason))
    }

    private static func noArguments(_ command: POP3Command, _ arguments: [String])
        -> Result<POP3Command, POP3CommandError> {
        arguments.isEmpty ? .success(command) : bad(command.name, "takes no arguments")
    }

    private static func optionalMessage(_ name: String, _ arguments: [String]) -> Result<Int?, POP3CommandError> {
        switch arguments.count {
        case 0: return .success(nil)
        case 1:
            guard let number = messageNumber(arguments[0]) else {
                return .failure(.badArguments(command: name, reason: "invalid message number"))
            }
            return .success(number)
        default: return .failure(.badArguments(command: name, reason: "expected at most one message number"))
        }
    }

    private static func requiredMessage(_ name: String, _ arguments: [String]) -> Result<Int, POP3CommandError> {
        guard arguments.count == 1 else {
            return .failure(.badArguments(command: name, reason: "expected one message number"))
        }
        guard let number = messageNumber(arguments[0]) else {
            return .failure(.badArguments(command: name, reason: "invalid message number"))
        }
        return .success(number)
    }
}
