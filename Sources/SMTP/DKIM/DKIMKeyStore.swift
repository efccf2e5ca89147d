import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The DKIM keys on disk: `<data_directory>/dkim/<domain>.<selector>.key`
/// (PEM private key, mode 0600) and `.pub` (PEM public key).
public struct DKIMKeyStore: Sendable {
    /// The `dkim` directory.
    public let directory: String

    public init(dataDirectory: String) {
        directory = (dataDirectory as NSString).appendingPathComponent("dkim")
    }

    public init(directory: String) {
        self.directory = directory
    }

    public func privateKeyPath(domain: String, selector: String) throws -> String {
        try path(domain: domain, selector: selector, suffix: "key")
    }

    public func publicKeyPath(domain: String, selector: String) throws -> String {
        try path(domain: domain, selector: selector, suffix: "pub")
    }

    /// Writes a new key pair. An existing key is never overwritten (a
    /// published selector must keep its key), unless `replace` is set.
    public func save(_ key: DKIMPrivateKey, domain: String, selector: String, replace: Bool = false) throws {
        let keyPath = try privateKeyPath(domain: domain, selector: selector)
        let publicPath = try publicKeyPath(domain: domain, selector: selector)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw DKIMError.storageFailure("cannot create \(directory): \(error.localizedDescription)")
        }
        if replace {
            unlink(keyPath)
            unlink(publicPath)
        }
        for path in [keyPath, publicPath] where FileManager.default.fileExists(atPath: path) {
            throw DKIMError.keyExists(path: path)
        }
        try createFile(key.pemRepresentation, at: keyPath, mode: 0o600)
        try createFile(key.publicKey.pemRepresentation, at: publicPath, mode: 0o644)
    }

    public func privateKey(domain: String, selector: String) throws -> DKIMPrivateKey {
        let path = try privateKeyPath(domain: domain, selector: selector)
        return try DKIMPrivateKey(pemRepresentation: try read(path, domain: domain, selector: selector))
    }

    public func publicKey(domain: String, selector: String) throws -> DKIMPublicKey {
        let path = try publicKeyPath(domain: domain, selector: selector)
        return try DKIMPublicKey(pemRepresentation: try read(path, domain: domain, selector: selector))
    }

    /// The selectors that have a private key for `domain`, newest first.
    public func selectors(domain: String) throws -> [String] {
        let domain = try DKIMKeyStore.normalizedName(domain, isSelector: false)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        var found: [(selector: String, modified: Date)] = []
        for name in names where name.hasPrefix(domain + ".") && name.hasSuffix(".key") {
            let selector = String(name.dropFirst(domain.count + 1).dropLast(4))
            guard (try? DKIMKeyStore.normalizedName(selector, isSelector: true)) == selector else { continue }
            let attributes = try? FileManager.default.attributesOfItem(
                atPath: (directory as NSString).appendingPathComponent(name))
            found.append((selector, attributes?[.modificationDate] as? Date ?? .distantPast))
        }
        return found.sorted { ($0.modified, $1.selector) > ($1.modified, $0.selector) }.map(\.selector)
    }

    /// The key the queue runner signs mail from `domain` with: the newest
    /// one, or nil when the domain has none.
    public func signingKey(domain: String) throws -> (selector: String, key: DKIMPrivateKey)? {
        guard let selector = try selectors(domain: domain).first else { return nil }
        return (selector, try privateKey(domain: domain, selector: selector))
    }

    /// A domain or selector in lower case, checked to be dot-separated
    /// letter-digit-hyphen labels (RFC 6376 §3.1 and §3.5), so it is safe as
    /// part of a file name. A selector is one label here (RFC 6376 allows
    /// dots): `<domain>.<selector>.key` then names one domain and selector.
    public static func normalizedName(_ name: String, isSelector: Bool) throws -> String {
        var text = name.lowercased()
        if !isSelector && text.hasSuffix(".") { text.removeLast() }
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        let valid = !text.isEmpty && text.utf8.count <= 253 && (!isSelector || labels.count == 1)
            && labels.allSatisfy { label in
                !label.isEmpty && label.utf8.count <= 63 && label.first != "-" && label.last != "-"
                    && label.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }
            }
        guard valid else { throw isSelector ? DKIMError.invalidSelector(name) : DKIMError.invalidDomain(name) }
        return text
    }

    private func path(domain: String, selector: String, suffix: String) throws -> String {
        let domain = try DKIMKeyStore.normalizedName(domain, isSelector: false)
        let selector = try DKIMKeyStore.normalizedName(selector, isSelector: true)
        return (directory as NSString).appendingPathComponent("\(domain).\(selector).\(suffix)")
    }

    private func read(_ path: String, domain: String, selector: String) throws -> String {
        guard FileManager.default.fileExists(atPath: path) else {
            throw DKIMError.keyNotFound(domain: domain, selector: selector)
        }
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw DKIMError.storageFailure("cannot read \(path): \(error)")
        }
    }

    /// Creates the file with `mode` from the start (O_EXCL: no overwrite,
    /// no window where a private key is readable by others).
    private func createFile(_ text: String, at path: String, mode: mode_t) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, mode)
        guard descriptor >= 0 else {
            if errno == EEXIST { throw DKIMError.keyExists(path: path) }
            throw DKIMError.storageFailure("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if result < 0 {
                if errno == EINTR { continue }
                throw DKIMError.storageFailure("cannot write \(path): \(String(cString: strerror(errno)))")
            }
            written += result
        }
        fchmod(descriptor, mode)  // the umask may have narrowed the public key's mode
    }
}
