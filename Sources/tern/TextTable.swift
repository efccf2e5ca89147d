import Foundation

/// Rows printed as aligned columns, two spaces apart: text left-aligned,
/// numbers right-aligned, the last column never padded.
struct TextTable {
    enum Alignment {
        case left, right
    }

    let columns: [(title: String, alignment: Alignment)]
    private(set) var rows: [[String]] = []

    init(_ columns: [(String, Alignment)]) {
        self.columns = columns.map { (title: $0.0, alignment: $0.1) }
    }

    mutating func append(_ row: [String]) {
        rows.append(row)
    }

    /// The header line and one line per row.
    var lines: [String] {
        let all = [columns.map(\.title)] + rows
        let widths = columns.indices.map { column in all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        return all.map { row in
            columns.indices.map { column -> String in
                let text = row.indices.contains(column) ? row[column] : ""
                let padding = String(repeating: " ", count: max(widths[column] - text.count, 0))
                switch columns[column].alignment {
                case .right: return padding + text
                case .left: return column == columns.count - 1 ? text : text + padding
                }
            }.joined(separator: "  ")
        }
    }
}

/// 1234567 → "1.2 MB" (powers of 1000 above 1 kB, octets below).
func formatSize(_ octets: Int) -> String {
    if octets < 1000 { return "\(octets) B" }
    let units = ["kB", "MB", "GB", "TB"]
    var value = Double(octets) / 1000
    var unit = 0
    while value >= 1000, unit < units.count - 1 {
        value /= 1000
        unit += 1
    }
    return String(format: "%.1f %@", value, units[unit])
}
