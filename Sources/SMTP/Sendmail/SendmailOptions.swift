// The sendmail(8) command line as cron, mailx, git send-email and PHP use
// it (Postfix's sendmail(1) is the model): options may be clustered
// (`-ti`), a value may be attached (`-fuser`, `-B8BITMIME`) or follow, and
// options may come before or after the recipients until `--`. Options
// that only tune classic sendmail's own machinery are accepted and
// ignored; anything else is a usage error (EX_USAGE).

public struct SendmailOptions: Sendable, Equatable {
    /// `-f` / `-r`: the envelope sender (`<>` or empty: the null sender).
    public var sender: String?
    /// `-F`: the full name for a From: field that has to be added.
    public var fullName: String?
    /// `-t`: recipients also from the To:, Cc: and Bcc: fields.
    public var recipientsFromHeaders = false
    /// `-i` / `-oi`: a line with a single `.` does not end the message.
    public var ignoreDots = false
    /// `-v`: print the delivery log lines on standard error.
    public var verbose = false
    /// `-N`: RFC 3461 NOTIFY for every recipient (`never` or
    /// `success,delay,failure`).
    public var notify: DSNNotify?
    /// `-R full|hdrs`: RFC 3461 RET.
    public var ret: DSNReturn?
    /// `-V`: RFC 3461 ENVID.
    public var envelopeID: String?
    /// `--config FILE` and `--data-dir DIR`, as for every admin command.
    public var configPath: String?
    public var dataDirectory: String?
    /// `--help`.
    public var help = false
    /// The recipients as given (each may be a list: "a@x, Name <b@y>").
    public var recipients: [String] = []

    public init() {}

    /// Flags that take no value and change nothing here: `-m` (me too),
    /// `-n` (no aliasing), `-U` (initial submission), `-G` (gateway).
    static let ignoredFlags: Set<Character> = ["m", "n", "U", "G"]
    /// Options whose value is read and ignored: `-B` body type (Tern looks
    /// at the bytes), `-L` syslog label, `-h` hop count, `-O option=value`,
    /// `-X` traffic log, `-A` submission mode, `-p` protocol.
    static let ignoredWithValue: Set<Character> = ["B", "L", "h", "O", "X", "A", "p"]

    public static let usage = """
        usage: tern sendmail [-t] [-i|-oi] [-f sender] [-F "full name"] [-N dsn] [-R full|hdrs] [-V envid] [-v]
                             [--config FILE | --data-dir DIR] [--] [recipient ...]
        Reads a message on standard input and delivers it: local recipients into their INBOX, others
        through the outbound queue. Ignored for compatibility: -oXXX (except -oi), -B, -L, -h, -O, -X, -A,
        -p, -m, -n, -U, -G, -bm.
        """

    /// Parses the arguments after `sendmail`.
    public static func parse(_ arguments: [String]) throws(SendmailError) -> SendmailOptions {
        var options = SendmailOptions()
        var index = 0
        /// The value of an option: the rest of the argument, or the next one.
        func value(_ attached: Substring, _ option: String) throws(SendmailError) -> String {
            if !attached.isEmpty { return String(attached) }
            index += 1
            guard index < arguments.count else { throw .usage("option \(option) needs a value") }
            return arguments[index]
        }
        while index < arguments.count {
            let argument = arguments[index]
            defer { index += 1 }
            if argument == "--" {
                options.recipients += arguments[(index + 1)...]
                break
            }
            if argument.hasPrefix("--") {
                let (name, attached) = splitLongOption(argument)
                switch name {
                case "--config": options.configPath = try value(attached, name)
                case "--data-dir": options.dataDirectory = try value(attached, name)
                case "--help": options.help = true
                default: throw .usage("unknown option \(name)")
                }
                continue
            }
            guard argument.hasPrefix("-"), argument.count > 1 else {
                options.recipients.append(argument)
                continue
            }
            var rest = argument.dropFirst()
            cluster: while let letter = rest.first {
                rest = rest.dropFirst()
                let option = "-\(letter)"
                switch letter {
                case "t": options.recipientsFromHeaders = true
                case "i": options.ignoreDots = true
                case "v": options.verbose = true
                case _ where ignoredFlags.contains(letter): break
                case "f", "r":
                    let sender = try value(rest, option)
                    options.sender = sender
                    break cluster
                case "F":
                    options.fullName = try value(rest, option)
                    break cluster
                case "N":
                    let text = try value(rest, option)
                    let list = text.replacingOccurrences(of: " ", with: "")
                    guard let notify = SMTPCommandParser.parseNotify(Substring(list))
                    else { throw .usage("bad value for -N: \"\(text)\" (never, or a list of success, delay, failure)") }
                    options.notify = notify
                    break cluster
                case "R":
                    let text = try value(rest, option)
                    switch text.lowercased() {
                    case "full": options.ret = .full
                    case "hdrs": options.ret = .headers
                    default: throw .usage("bad value for -R: \"\(text)\" (full or hdrs)")
                    }
                    break cluster
                case "V":
                    let text = try value(rest, option)
                    // RFC 3461 §4.4: ENVID is at most 100 characters of printable ASCII.
                    guard !text.isEmpty, text.count <= 100,
                          text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F })
                    else { throw .usage("bad value for -V: at most 100 printable ASCII characters") }
                    options.envelopeID = text
                    break cluster
                case "o":
                    // -oi is the dot option; -oem, -odi, -oee... tune classic sendmail only.
                    guard !rest.isEmpty else { throw .usage("option -o needs a letter (like -oi)") }
                    if rest == "i" { options.ignoreDots = true }
                    break cluster
                case "b":
                    // -bm (deliver mail) is what this command does; other modes are not sendmail's mail.
                    guard rest == "m" else {
                        throw .usage("-b\(rest) is not supported (only -bm; the queue is `tern mailq`)")
                    }
                    break cluster
                case _ where ignoredWithValue.contains(letter):
                    _ = try value(rest, option)
                    break cluster
                case "C":
                    throw .usage("-C is not supported; give the Tern configuration with --config FILE")
                case "q":
                    throw .usage("-q is not supported: `tern serve` delivers the queue "
                        + "(`tern queue flush` makes it due now)")
                default:
                    throw .usage("unknown option \(option)")
                }
            }
        }
        return options
    }

    /// `--name=value` → ("--name", "value"); `--name` → ("--name", "").
    private static func splitLongOption(_ argument: String) -> (String, Substring) {
        guard let equals = argument.firstIndex(of: "=") else { return (argument, "") }
        return (String(argument[..<equals]), argument[argument.index(after: equals)...])
    }
}
