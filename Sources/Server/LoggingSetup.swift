import Foundation
import Logging

/// Configures swift-log once per process from the `[logging]` settings:
/// text lines or JSON lines, on standard error.
public enum LoggingSetup {
    private static let done = LockedBox(false)

    /// Calls `LoggingSystem.bootstrap` the first time; later calls do nothing
    /// (swift-log allows one bootstrap per process).
    public static func bootstrap(settings: LoggingSettings) {
        let first = done.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        guard first else { return }
        let level = Logger.Level(rawValue: settings.level.lowercased()) ?? .info
        let format = settings.format
        LoggingSystem.bootstrap { label in
            var handler = FormattingLogHandler(label: label, format: format, output: StandardErrorOutput.shared)
            handler.logLevel = level
            return handler
        }
    }
}

/// Where log lines go; one `write` per line so lines never interleave.
protocol LogOutput: Sendable {
    func write(line: String)
}

final class StandardErrorOutput: LogOutput {
    static let shared = StandardErrorOutput()
    private let lock = NSLock()
    func write(line: String) {
        lock.lock()
        defer { lock.unlock() }
        FileHandle.standardError.write(Data((line + "\n").utf8))
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
