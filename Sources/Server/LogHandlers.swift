import Foundation
import Logging

/// The one log handler Tern installs: it merges the logger's, the provider's
/// and the event's metadata and writes one line per event, as text or JSON.
struct FormattingLogHandler: LogHandler {
    let label: String
    let format: LoggingSettings.Format
    let output: any LogOutput
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(label: String, format: LoggingSettings.Format, output: any LogOutput) {
        self.label = label
        self.format = format
        self.output = output
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
        switch format {
        case .text:
            output.write(line: TextLogLine.render(level: event.level, label: label, message: "\(event.message)",
                                                  fields: fields))
        case .json:
            output.write(line: JSONLogLine.render(level: event.level, label: label, message: "\(event.message)",
                                                  fields: fields))
        }
    }
}

/// `2026-11-22T01:37:37.123Z info tern.server: message conn=c1 remote=127.0.0.1`
enum TextLogLine {
    static func render(level: Logger.Level, label: String, message: String, fields: [(String, String)]) -> String {
        var line = "\(LogTimestamp.now()) \(level) \(label): \(message)"
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
    static func render(level: Logger.Level, label: String, message: String, fields: [(String, String)]) -> String {
        var all: [(String, String)] = [
            ("time", LogTimestamp.now()), ("level", "\(level)"), ("label", label), ("message", message),
        ]
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
