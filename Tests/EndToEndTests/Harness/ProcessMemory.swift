import Foundation

/// A process's resident memory as Linux reports it in /proc, for the
/// end-to-end tests that check memory stays bounded (no timed assertions).
enum ProcessMemory {
    /// VmRSS and VmHWM (peak) of a process, in KiB.
    static func of(_ pid: Int32) -> (rss: Int, peak: Int)? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        func field(_ name: String) -> Int? {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return nil }
            return Int(line.split(separator: " ").dropFirst().first { Int($0) != nil } ?? "")
        }
        guard let rss = field("VmRSS"), let peak = field("VmHWM") else { return nil }
        return (rss, peak)
    }

    /// Resets VmHWM to the current RSS (/proc/PID/clear_refs "5"), so the
    /// next peak is that of what follows; false when not allowed.
    @discardableResult
    static func resetPeak(of pid: Int32) -> Bool {
        (try? Data("5".utf8).write(to: URL(fileURLWithPath: "/proc/\(pid)/clear_refs"))) != nil
    }
}

extension TernEndToEndTestCase {
    /// The spool files in the data directory now.
    func spoolFiles() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: dataDir.path + "/spool")) ?? []
    }
}
