// Why `tern sendmail` refused a message, with the exit status sendmail(8)
// gives for it (sysexits.h), so that cron, mailx and scripts see the
// failure they expect.

public enum SendmailError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Bad options, or no recipient at all: EX_USAGE (64).
    case usage(String)
    /// The message cannot be taken: too large, NUL bytes, overlong lines: EX_DATAERR (65).
    case data(String)
    /// A local recipient that does not exist: EX_NOUSER (67).
    case noUser(String)
    /// The store failed; try again later: EX_TEMPFAIL (75).
    case temporary(String)
    /// The configuration cannot be read: EX_CONFIG (78).
    case configuration(String)

    public var exitStatus: Int32 {
        switch self {
        case .usage: 64
        case .data: 65
        case .noUser: 67
        case .temporary: 75
        case .configuration: 78
        }
    }

    public var description: String {
        switch self {
        case .usage(let text), .data(let text), .noUser(let text), .temporary(let text), .configuration(let text):
            text
        }
    }
}
