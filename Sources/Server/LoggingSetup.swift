import Foundation
import Logging

/// Configures swift-log once per process from the `[logging]` settings and
/// changes them later (configuration reload): text or JSON lines, on
/// standard error, to the journal (`<N>` priority prefixes) when standard
/// error is the journal, or appended to `[logging] file`.
public enum LoggingSetup {
    private static let done = LockedBox(false)
    /// The settings every handler of the process reads at each event.
    static let sink = LogSink(LogSink.Settings(level: .info, format: .text, style: .timestamped,
                                               output: StandardErrorOutput.shared))

    /// Calls `LoggingSystem.bootstrap` the first time (swift-log allows one
    /// bootstrap per process) and applies `settings`. A log file is opened
    /// now, so that a file that cannot be written stops the start; when the
    /// process runs as root and will become `fileOwner`, a file root owns is
    /// given to that user, who must be able to write it after the drop.
    public static func bootstrap(settings: LoggingSettings, fileOwner: SystemUser? = nil) throws {
        let first = done.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        try apply(settings, fileOwner: fileOwner)
        guard first else { return }
        LoggingSystem.bootstrap { label in FormattingLogHandler(label: label, sink: sink) }
    }

    /// Applies new settings (level, format, file): a file that cannot be
    /// opened throws and leaves the settings as they were.
    public static func apply(_ settings: LoggingSettings, fileOwner: SystemUser? = nil) throws {
        let current = sink.settings
        var next = current
        next.level = Logger.Level(rawValue: settings.level.lowercased()) ?? .info
        next.format = settings.format
        if let path = settings.file {
            if let file = current.output as? LogFileOutput, file.path == path {
                next.output = file
            } else {
                next.output = try LogFileOutput(path: path, owner: fileOwner)
            }
            next.style = .timestamped
        } else {
            next.output = StandardErrorOutput.shared
            next.style = JournalStream.isStandardError() ? .journal : .timestamped
        }
        sink.settings = next
        if let old = current.output as? LogFileOutput, old !== next.output as? LogFileOutput { old.close() }
    }

    /// Opens the log file again under its name (SIGUSR1, SIGHUP: logrotate
    /// moved it away); nothing without a log file. On failure the old file
    /// stays in use and the error is thrown.
    public static func reopen() throws {
        try (sink.settings.output as? LogFileOutput)?.reopen()
    }

    /// The log file in use, if any.
    public static var filePath: String? { (sink.settings.output as? LogFileOutput)?.path }
}

/// The settings in force, shared by the handlers and changed as a whole.
final class LogSink: Sendable {
    /// How a line starts: with a timestamp and the level (`2026-…Z info`),
    /// or with an sd-daemon(3) priority prefix (`<6>`) for the journal,
    /// which adds its own timestamp.
    enum Style: Sendable, Equatable { case timestamped, journal }

    struct Settings: Sendable {
        var level: Logger.Level
        var format: LoggingSettings.Format
        var style: Style
        var output: any LogOutput
    }

    private let box: LockedBox<Settings>

    init(_ settings: Settings) { box = LockedBox(settings) }

    var settings: Settings {
        get { box.withLock { $0 } }
        set { box.withLock { $0 = newValue } }
    }
}

/// Timestamps as RFC 3339 UTC with milliseconds.
enum LogTimestamp {
    static func now() -> String {
        Date().formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true)
            .timeSeparator(.colon).timeZone(separator: .omitted))
    }
}

/// Metadata as flat key/value pairs: nested dictionaries become `a.b` keys.
enum LogMetadataFlattener {
    static func flatten(_ metadata: Logger.Metadata) -> [(String, String)] {
        var result: [(String, String)] = []
        for (key, value) in metadata { append(key, value, to: &result) }
        return result.sorted { $0.0 < $1.0 }
    }

    private static func append(_ key: String, _ value: Logger.MetadataValue, to result: inout [(String, String)]) {
        switch value {
        case .string(let string): result.append((key, string))
        case .stringConvertible(let convertible): result.append((key, convertible.description))
        case .array(let values): result.append((key, "[" + values.map { "\($0)" }.joined(separator: ", ") + "]"))
        case .dictionary(let dictionary):
            for (inner, value) in dictionary { append(key + "." + inner, value, to: &result) }
        }
    }
}
