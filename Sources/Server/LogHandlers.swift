import Foundation
import Logging

/// The one log handler Tern installs: it merges the logger's, the provider's
/// and the event's metadata and writes one line per event, as text or JSON,
/// with the settings in force (`LogSink`: a reload changes them for every
/// logger at once). A level set on one logger overrides the sink's for it.
struct FormattingLogHandler: LogHandler {
    let label: String
    let sink: LogSink
    private var levelOverride: Logger.Level?
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(label: String, sink: LogSink) {
        self.label = label
        self.sink = sink
    }

    /// A handler with fixed settings of its own (tests).
    init(label: String, format: LoggingSettings.Format, output: any LogOutput, style: LogSink.Style = .timestamped) {
        self.init(label: label, sink: LogSink(.init(level: .info, format: format, style: style, output: output)))
    }

    var logLevel: Logger.Level {
        get { levelOverride ?? sink.settings.level }
        set { levelOverride = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let fields = LogMetadataFlattener.flatten(merged)
        let settings = sink.settings
        let message = "\(event.message)"
        let line: String
        switch (settings.format, settings.style) {
        case (.text, .timestamped):
            line = TextLogLine.render(level: event.level, label: label, message: message, fields: fields)
        case (.json, .timestamped):
            line = JSONLogLine.render(level: event.level, label: label, message: message, fields: fields)
        case (.text, .journal):
            line = JournalLogLine.prefix(event.level)
                + TextLogLine.render(label: label, message: message, fields: fields)
        case (.json, .journal):
            line = JournalLogLine.prefix(event.level)
                + JSONLogLine.render(level: event.level, label: label, message: message, fields: fields,
                                     time: nil)
        }
        settings.output.write(line: line)
    }
}

/// sd-daemon(3): a line for the journal starts with its syslog priority
/// (RFC 5424 §6.2.1 severities); the journal adds the time itself.
enum JournalLogLine {
    static func prefix(_ level: Logger.Level) -> String { "<\(priority(level))>" }

    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }
}

/// `2026-11-22T01:37:37.123Z info tern.server: message conn=c1 remote=127.0.0.1`
enum TextLogLine {
    static func render(level: Logger.Level, label: String, message: String, fields: [(String, String)]) -> String {
        "\(LogTimestamp.now()) \(level) " + render(label: label, message: message, fields: fields)
    }

    /// `label: message key=value …` without time and level.
    static func render(label: String, message: String, fields: [(String, String)]) -> String {
        var line = "\(label): \(message)"
        for (key, value) in fields {
            line += " \(key)=\(quoteIfNeeded(value))"
        }
        return line
    }

    static func quoteIfNeeded(_ value: String) -> String {
        guard value.isEmpty || value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline }) else {
            return value
        }
        return "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\r") + "\""
    }
}

/// One JSON object per line: time, level, label, message, then the metadata keys.
enum JSONLogLine {
    /// `time: nil` leaves the time out (the journal records it).
    static func render(level: Logger.Level, label: String, message: String, fields: [(String, String)],
                       time: String? = LogTimestamp.now()) -> String {
        var all: [(String, String)] = time.map { [("time", $0)] } ?? []
        all += [("level", "\(level)"), ("label", label), ("message", message)]
        let reserved: Set = ["time", "level", "label", "message"]
        for (key, value) in fields where !reserved.contains(key) {
            all.append((key, value))
        }
        return "{" + all.map { "\(quote($0.0)):\(quote($0.1))" }.joined(separator: ",") + "}"
    }

    /// A JSON string literal (RFC 8259 §7).
    static func quote(_ string: String) -> String {
        var result = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                result += String(format: "\\u%04x", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
