// Parses one SMTP command line (without its CRLF) into an `SMTPCommand`:
// RFC 5321 §4.1.1 command syntax, §4.1.2 paths and parameters. Keywords are
// case-insensitive; runs of spaces are tolerated between arguments and after
// `FROM:` / `TO:` (many clients send `MAIL FROM: <a@b>`).

public enum SMTPCommandParser {
    /// RFC 5321 §4.5.3.1.4: a command line is at most 512 octets with its CRLF.
    public static let maxLineLength = 510
    /// RFC 4954 §4: an AUTH command line (and a SASL response) may be 12288 octets with CRLF.
    public static let maxAuthLineLength = 12286
    /// The most digits accepted in SIZE and BDAT sizes.
    static let maxDigits = 15

    public static func parse(_ line: [UInt8]) -> Result<SMTPCommand, SMTPCommandError> {
        guard line.count <= maxAuthLineLength else { return .failure(.syntax(command: "", reason: "line too long")) }
        // Controls (NUL, bare CR, TAB...) have no place in a command.
        guard !line.contains(where: { $0 < 0x20 || $0 == 0x7F }),
              String(validating: line, as: UTF8.self) != nil else { return .failure(.invalidCharacters) }
        let bytes = line[...]
        guard bytes.contains(where: { $0 != 0x20 }) else { return .failure(.emptyLine) }
        let keywordEnd = bytes.firstIndex(of: 0x20) ?? bytes.endIndex
        let keyword = String(decoding: bytes[..<keywordEnd], as: UTF8.self).uppercased()
        let rest = bytes[keywordEnd...].drop { $0 == 0x20 }
        guard keyword == "AUTH" || line.count <= maxLineLength else {
            return .failure(.syntax(command: keyword, reason: "line too long"))
        }
        let arguments = rest.split(separator: 0x20).map { String(decoding: $0, as: UTF8.self) }

        switch keyword {
        case "EHLO", "HELO":
            guard arguments.count == 1 else { return .failure(.syntax(command: keyword, reason: "expected one domain")) }
            return .success(keyword == "EHLO" ? .ehlo(arguments[0]) : .helo(arguments[0]))
        case "MAIL":
            return parseMail(rest)
        case "RCPT":
            return parseRecipient(rest)
        case "DATA": return noArguments(.data, arguments)
        case "RSET": return noArguments(.rset, arguments)
        case "QUIT": return noArguments(.quit, arguments)
        case "STARTTLS": return noArguments(.startTLS, arguments)
        case "NOOP": return .success(.noop)
        case "HELP":
            return .success(.help(rest.isEmpty ? nil : String(decoding: rest, as: UTF8.self)))
        case "VRFY":
            guard !rest.isEmpty else { return .failure(.syntax(command: "VRFY", reason: "expected a string")) }
            return .success(.vrfy(String(decoding: rest, as: UTF8.self)))
        case "BDAT":
            // RFC 3030 §2: bdat-cmd = "BDAT" SP chunk-size [ SP end-marker ]
            guard (1...2).contains(arguments.count), let size = decimal(arguments[0]) else {
                return .failure(.syntax(command: "BDAT", reason: "expected a chunk size and optional LAST"))
            }
            if arguments.count == 2 {
                guard arguments[1].uppercased() == "LAST" else {
                    return .failure(.syntax(command: "BDAT", reason: "expected LAST"))
                }
                return .success(.bdat(size: size, last: true))
            }
            return .success(.bdat(size: size, last: false))
        case "AUTH":
            // RFC 4954 §4: AUTH mechanism [initial-response]
            guard (1...2).contains(arguments.count) else {
                return .failure(.syntax(command: "AUTH", reason: "expected a mechanism and an optional initial response"))
            }
            return .success(.auth(mechanism: arguments[0].uppercased(),
                                  initialResponse: arguments.count == 2 ? arguments[1] : nil))
        default:
            return .failure(.unknownCommand(keyword))
        }
    }

    // MARK: MAIL and RCPT

    /// `MAIL FROM:<reverse-path> [SP Mail-parameters]` (RFC 5321 §4.1.1.2).
    static func parseMail(_ rest: ArraySlice<UInt8>) -> Result<SMTPCommand, SMTPCommandError> {
        guard let afterPrefix = dropPrefix("FROM:", rest) else {
            return .failure(.syntax(command: "MAIL", reason: "expected FROM:<address>"))
        }
        let split: SMTPPathParser.Split
        switch SMTPPathParser.split(afterPrefix) {
        case .failure(let error): return .failure(.badSenderAddress(error.reason))
        case .success(let value): split = value
        }
        let path: ReversePath
        if split.inner.isEmpty {
            path = .null
        } else {
            switch SMTPPathParser.parsePath(split.inner) {
            case .failure(let error): return .failure(.badSenderAddress(error.reason))
            case .success(let value): path = .path(value)
            }
        }
        return parseMailParameters(split.rest).map { .mail(from: path, parameters: $0) }
    }

    /// `RCPT TO:<forward-path> [SP Rcpt-parameters]` (RFC 5321 §4.1.1.3).
    static func parseRecipient(_ rest: ArraySlice<UInt8>) -> Result<SMTPCommand, SMTPCommandError> {
        guard let afterPrefix = dropPrefix("TO:", rest) else {
            return .failure(.syntax(command: "RCPT", reason: "expected TO:<address>"))
        }
        let split: SMTPPathParser.Split
        switch SMTPPathParser.split(afterPrefix) {
        case .failure(let error): return .failure(.badRecipientAddress(error.reason))
        case .success(let value): split = value
        }
        let path: ForwardPath
        if String(decoding: split.inner, as: UTF8.self).lowercased() == "postmaster" {
            path = .postmaster
        } else {
            guard !split.inner.isEmpty else { return .failure(.badRecipientAddress("empty address")) }
            switch SMTPPathParser.parsePath(split.inner) {
            case .failure(let error): return .failure(.badRecipientAddress(error.reason))
            case .success(let value): path = .path(value)
            }
        }
        return parseRecipientParameters(split.rest).map { .rcpt(to: path, parameters: $0) }
    }

    /// Splits ESMTP parameters (RFC 5321 §4.1.2 `esmtp-param`) into
    /// upper-cased keywords and their values; a keyword given twice is an error.
    static func keywordValuePairs(_ bytes: ArraySlice<UInt8>) -> Result<[(String, Substring?)], SMTPCommandError> {
        var pairs: [(String, Substring?)] = []
        var seen: Set<String> = []
        for item in bytes.split(separator: 0x20) {
            switch keywordAndValue(item) {
            case .failure(let error): return .failure(error)
            case .success(let pair):
                guard seen.insert(pair.0).inserted else { return .failure(.invalidParameter("\(pair.0) given twice")) }
                pairs.append(pair)
            }
        }
        return .success(pairs)
    }

    /// Mail-parameters (RFC 5321 §4.1.2): SIZE, BODY, SMTPUTF8, RET, ENVID, AUTH.
    static func parseMailParameters(_ bytes: ArraySlice<UInt8>) -> Result<MailParameters, SMTPCommandError> {
        var parameters = MailParameters()
        let pairs: [(String, Substring?)]
        switch keywordValuePairs(bytes) {
        case .failure(let error): return .failure(error)
        case .success(let list): pairs = list
        }
        for (name, value) in pairs {
            switch (name, value) {
            case ("SIZE", let value?):
                guard let size = decimal(String(value)) else { return .failure(.invalidParameter("SIZE")) }
                parameters.size = size
            case ("BODY", let value?):
                guard let body = MessageBodyType(rawValue: value.uppercased()) else {
                    return .failure(.invalidParameter("BODY"))
                }
                parameters.body = body
            case ("SMTPUTF8", nil):
                parameters.smtpUTF8 = true
            case ("RET", let value?):
                guard let ret = DSNReturn(rawValue: value.uppercased()) else { return .failure(.invalidParameter("RET")) }
                parameters.ret = ret
            case ("ENVID", let value?):
                // RFC 3461 §4.4: at most 100 characters.
                guard value.utf8.count <= 100, let id = XText.decode(value) else {
                    return .failure(.invalidParameter("ENVID"))
                }
                parameters.envelopeID = id
            case ("AUTH", let value?):
                if value == "<>" {
                    parameters.auth = .unknown
                } else {
                    guard let identity = XText.decode(value) else { return .failure(.invalidParameter("AUTH")) }
                    parameters.auth = .identity(identity)
                }
            case ("SIZE", nil), ("BODY", nil), ("RET", nil), ("ENVID", nil), ("AUTH", nil), ("SMTPUTF8", _?):
                return .failure(.invalidParameter(name))
            default:
                return .failure(.unknownParameter(name))
            }
        }
        return .success(parameters)
    }

    /// Rcpt-parameters: RFC 3461 NOTIFY and ORCPT.
    static func parseRecipientParameters(_ bytes: ArraySlice<UInt8>) -> Result<RecipientParameters, SMTPCommandError> {
        var parameters = RecipientParameters()
        let pairs: [(String, Substring?)]
        switch keywordValuePairs(bytes) {
        case .failure(let error): return .failure(error)
        case .success(let list): pairs = list
        }
        for (name, value) in pairs {
            switch (name, value) {
            case ("NOTIFY", let value?):
                guard let notify = parseNotify(value) else { return .failure(.invalidParameter("NOTIFY")) }
                parameters.notify = notify
            case ("ORCPT", let value?):
                // RFC 3461 §4.2: orcpt-parameter = "ORCPT=" addr-type ";" xtext
                guard let semicolon = value.firstIndex(of: ";"), semicolon > value.startIndex,
                      let address = XText.decode(value[value.index(after: semicolon)...]), !address.isEmpty,
                      value.utf8.count <= 500 else {
                    return .failure(.invalidParameter("ORCPT"))
                }
                parameters.originalRecipient = OriginalRecipient(addressType: String(value[..<semicolon]),
                                                                 address: address)
            case ("NOTIFY", nil), ("ORCPT", nil):
                return .failure(.invalidParameter(name))
            default:
                return .failure(.unknownParameter(name))
            }
        }
        return .success(parameters)
    }

    /// RFC 3461 §4.1: "NEVER" alone, or a comma list of SUCCESS, FAILURE, DELAY.
    static func parseNotify(_ value: Substring) -> DSNNotify? {
        let items = value.uppercased().split(separator: ",", omittingEmptySubsequences: false)
        if items == ["NEVER"] { return .never }
        var success = false, failure = false, delay = false
        for item in items {
            switch item {
            case "SUCCESS" where !success: success = true
            case "FAILURE" where !failure: failure = true
            case "DELAY" where !delay: delay = true
            default: return nil
            }
        }
        return .on(success: success, failure: failure, delay: delay)
    }

    /// esmtp-param = esmtp-keyword ["=" esmtp-value]; keyword upper-cased.
    static func keywordAndValue(_ item: ArraySlice<UInt8>) -> Result<(String, Substring?), SMTPCommandError> {
        let equals = item.firstIndex(of: UInt8(ascii: "="))
        let keywordBytes = item[..<(equals ?? item.endIndex)]
        // esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
        guard let first = keywordBytes.first, SMTPPathParser.isLetterOrDigit(first),
              keywordBytes.allSatisfy({ SMTPPathParser.isLetterOrDigit($0) || $0 == UInt8(ascii: "-") }) else {
            return .failure(.invalidParameter("bad parameter syntax"))
        }
        let name = String(decoding: keywordBytes, as: UTF8.self).uppercased()
        guard let equals else { return .success((name, nil)) }
        // esmtp-value = 1*(%d33-60 / %d62-126), plus UTF-8 (RFC 6531 §3.3).
        let valueBytes = item[(equals + 1)...]
        guard !valueBytes.isEmpty, valueBytes.allSatisfy({ $0 > 0x20 && $0 != UInt8(ascii: "=") && $0 != 0x7F }) else {
            return .failure(.invalidParameter("bad value for \(name)"))
        }
        return .success((name, Substring(String(decoding: valueBytes, as: UTF8.self))))
    }

    // MARK: Helpers

    /// `rest` after a case-insensitive prefix such as `FROM:`, or nil.
    static func dropPrefix(_ prefix: String, _ rest: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        let expected = Array(prefix.utf8)
        guard rest.count >= expected.count else { return nil }
        for (byte, wanted) in zip(rest, expected) where asciiUppercased(byte) != wanted { return nil }
        return rest.dropFirst(expected.count)
    }

    static func asciiUppercased(_ byte: UInt8) -> UInt8 {
        byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte
    }

    /// A non-negative decimal of ASCII digits only, bounded in length.
    static func decimal(_ text: String) -> Int? {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= maxDigits, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            return nil
        }
        return bytes.reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }

    private static func noArguments(_ command: SMTPCommand, _ arguments: [String])
        -> Result<SMTPCommand, SMTPCommandError> {
        arguments.isEmpty ? .success(command) : .failure(.syntax(command: command.name, reason: "takes no arguments"))
    }
}
