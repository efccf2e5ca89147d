import Foundation

/// Reading what `tern import` prints.
enum ImportOutput {
    /// `imported N messages, skipped M duplicates` from stdout.
    static func summary(_ text: String) -> (imported: Int, skipped: Int)? {
        guard let regex = try? NSRegularExpression(pattern: #"imported (\d+) messages?, skipped (\d+) duplicates?"#),
              let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
              let first = Range(match.range(at: 1), in: text), let second = Range(match.range(at: 2), in: text),
              let imported = Int(text[first]), let skipped = Int(text[second])
        else { return nil }
        return (imported, skipped)
    }

    /// The largest N of the `committed N` progress lines (stderr), 0 when none.
    static func lastCommitted(_ text: String) -> Int {
        guard let regex = try? NSRegularExpression(pattern: #"committed (\d+)"#) else { return 0 }
        var best = 0
        for match in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
            if let range = Range(match.range(at: 1), in: text), let n = Int(text[range]) { best = max(best, n) }
        }
        return best
    }
}
