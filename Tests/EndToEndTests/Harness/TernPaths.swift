import Foundation

/// Where the `tern` binary and the Python scripts are.
enum TernPaths {
    /// The package root, from this file's path (Tests/EndToEndTests/Harness/…).
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `tern` beside the test bundle (`.build/<triple>/debug/TernPackageTests.xctest`),
    /// else `<package root>/.build/debug/tern`.
    static func ternExecutable() throws -> URL {
        var candidates: [URL] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append(URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("tern"))
        }
        candidates.append(Bundle.main.bundleURL.appendingPathComponent("tern"))
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("tern"))
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("tern"))
        }
        candidates.append(packageRoot.appendingPathComponent(".build/debug/tern"))
        for url in candidates where FileManager.default.isExecutableFile(atPath: url.path) {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                return url
            }
        }
        throw HarnessError.notFound("tern executable (tried \(candidates.map(\.path).joined(separator: ", ")))")
    }

    /// `Scripts/` from the test bundle's resources, else from the source tree.
    static func scriptsDirectory() throws -> URL {
        let fm = FileManager.default
        if let url = Bundle.module.url(forResource: "Scripts", withExtension: nil),
           fm.fileExists(atPath: url.appendingPathComponent("pop3e2e.py").path) {
            return url
        }
        let source = packageRoot.appendingPathComponent("Tests/EndToEndTests/Scripts")
        if fm.fileExists(atPath: source.appendingPathComponent("pop3e2e.py").path) { return source }
        throw HarnessError.notFound("Scripts/ (neither in the test bundle nor at \(source.path))")
    }
}
