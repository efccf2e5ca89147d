import Crypto
import _CryptoExtras
import Foundation

/// The signing algorithms Tern offers: rsa-sha256 (RFC 6376 §3.3.1) and
/// ed25519-sha256 (RFC 8463 §3).
public enum DKIMAlgorithm: String, Sendable, CaseIterable {
    case rsa
    case ed25519

    /// The a= tag value of a DKIM-Signature.
    public var signatureTag: String {
        switch self {
        case .rsa: return "rsa-sha256"
        case .ed25519: return "ed25519-sha256"
        }
    }

    /// The k= tag value of the DNS key record (RFC 6376 §3.6.1, RFC 8463 §4.2).
    public var keyTag: String { rawValue }
}

public enum DKIMError: Error, Equatable, CustomStringConvertible {
    /// The message has no From field, which a signature must cover (RFC 6376 §5.4).
    case missingFromHeader
    case invalidDomain(String)
    case invalidSelector(String)
    case invalidKey(String)
    case keyNotFound(domain: String, selector: String?)
    case keyExists(path: String)
    case storageFailure(String)

    public var description: String {
        switch self {
        case .missingFromHeader: return "the message has no From header field"
        case .invalidDomain(let name): return "invalid domain name \"\(name)\""
        case .invalidSelector(let name): return "invalid selector \"\(name)\""
        case .invalidKey(let reason): return "invalid DKIM key: \(reason)"
        case .keyNotFound(let domain, let selector?): return "no DKIM key for \(domain) with selector \(selector)"
        case .keyNotFound(let domain, nil): return "no DKIM key for \(domain)"
        case .keyExists(let path): return "a DKIM key already exists at \(path)"
        case .storageFailure(let reason): return "DKIM key storage failure: \(reason)"
        }
    }
}

/// A private signing key: RSA (2048 bits, PKCS#1 v1.5 signatures) or Ed25519.
/// (Ed25519 keys are held as their raw bytes: swift-crypto's Curve25519 key
/// types are not Sendable on Linux.)
public struct DKIMPrivateKey: Sendable {
    private enum Storage: Sendable {
        case rsa(_RSA.Signing.PrivateKey)
        case ed25519(Data)
    }
    private let storage: Storage

    public init(_ key: _RSA.Signing.PrivateKey) {
        storage = .rsa(key)
    }

    public init(_ key: Curve25519.Signing.PrivateKey) {
        storage = .ed25519(key.rawRepresentation)
    }

    /// A new random key.
    public static func generate(_ algorithm: DKIMAlgorithm) throws -> DKIMPrivateKey {
        switch algorithm {
        case .rsa: return DKIMPrivateKey(try _RSA.Signing.PrivateKey(keySize: .bits2048))
        case .ed25519: return DKIMPrivateKey(Curve25519.Signing.PrivateKey())
        }
    }

    public var algorithm: DKIMAlgorithm {
        switch storage {
        case .rsa: return .rsa
        case .ed25519: return .ed25519
        }
    }

    public var publicKey: DKIMPublicKey {
        switch storage {
        case .rsa(let key): return DKIMPublicKey(key.publicKey)
        case .ed25519: return DKIMPublicKey(ed25519Key.publicKey)
        }
    }

    /// The Ed25519 key (only for an Ed25519 key; the raw bytes were valid).
    private var ed25519Key: Curve25519.Signing.PrivateKey {
        guard case .ed25519(let raw) = storage,
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw) else {
            preconditionFailure("not an Ed25519 key")
        }
        return key
    }

    /// The b= signature over the canonicalised header data (RFC 6376 §3.7):
    /// RSASSA-PKCS1-v1_5 over its SHA-256 hash, or for Ed25519 the PureEdDSA
    /// signature of its SHA-256 hash (RFC 8463 §3).
    public func signature(forHeaderData data: [UInt8]) throws -> [UInt8] {
        let digest = SHA256.hash(data: data)
        switch storage {
        case .rsa(let key):
            return Array(try key.signature(for: digest, padding: .insecurePKCS1v1_5).rawRepresentation)
        case .ed25519:
            return Array(try ed25519Key.signature(for: Array(digest)))
        }
    }

    /// PEM text: PKCS#1 "RSA PRIVATE KEY" for RSA, PKCS#8 "PRIVATE KEY"
    /// (RFC 8410 §7) for Ed25519, as OpenSSL writes them.
    public var pemRepresentation: String {
        switch storage {
        case .rsa(let key): return key.pemRepresentation
        case .ed25519(let raw):
            return DKIMPEM.encode(label: "PRIVATE KEY", der: DKIMPEM.ed25519PrivateKeyPrefix + Array(raw))
        }
    }

    /// Reads a PEM private key (RSA PKCS#1 or PKCS#8, Ed25519 PKCS#8).
    public init(pemRepresentation pem: String) throws {
        if let document = DKIMPEM.decode(pem), document.label == "PRIVATE KEY",
           document.der.count == DKIMPEM.ed25519PrivateKeyPrefix.count + 32,
           Array(document.der.prefix(DKIMPEM.ed25519PrivateKeyPrefix.count)) == DKIMPEM.ed25519PrivateKeyPrefix {
            do {
                self.init(try Curve25519.Signing.PrivateKey(rawRepresentation: document.der.suffix(32)))
            } catch {
                throw DKIMError.invalidKey("bad Ed25519 private key")
            }
            return
        }
        // Only a well-formed PEM block reaches the RSA parser, as DER: text
        // that is not PEM is refused here, never handed to BoringSSL's PEM reader.
        guard let document = DKIMPEM.decode(pem), !document.der.isEmpty,
              ["PRIVATE KEY", "RSA PRIVATE KEY"].contains(document.label),
              let key = try? _RSA.Signing.PrivateKey(derRepresentation: document.der) else {
            throw DKIMError.invalidKey("not an Ed25519 or RSA (2048 bits or more) private key in PEM form")
        }
        self.init(key)
    }
}

/// A public key, as published in DNS.
public struct DKIMPublicKey: Sendable {
    private enum Storage: Sendable {
        case rsa(_RSA.Signing.PublicKey)
        case ed25519(Data)
    }
    private let storage: Storage

    public init(_ key: _RSA.Signing.PublicKey) {
        storage = .rsa(key)
    }

    public init(_ key: Curve25519.Signing.PublicKey) {
        storage = .ed25519(key.rawRepresentation)
    }

    /// The key from the p= data of a DNS key record (see `dnsKeyData`).
    public init(algorithm: DKIMAlgorithm, dnsKeyData: [UInt8]) throws {
        do {
            switch algorithm {
            case .rsa: self.init(try _RSA.Signing.PublicKey(derRepresentation: dnsKeyData))
            case .ed25519: self.init(try Curve25519.Signing.PublicKey(rawRepresentation: dnsKeyData))
            }
        } catch {
            throw DKIMError.invalidKey("bad \(algorithm.rawValue) public key data")
        }
    }

    /// Checks a b= signature over canonicalised header data (the reverse of
    /// `DKIMPrivateKey.signature(forHeaderData:)`).
    public func isValidSignature(_ signature: [UInt8], forHeaderData data: [UInt8]) -> Bool {
        let digest = SHA256.hash(data: data)
        switch storage {
        case .rsa(let key):
            return key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: digest,
                                        padding: .insecurePKCS1v1_5)
        case .ed25519(let raw):
            guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else { return false }
            return key.isValidSignature(signature, for: Array(digest))
        }
    }

    public var algorithm: DKIMAlgorithm {
        switch storage {
        case .rsa: return .rsa
        case .ed25519: return .ed25519
        }
    }

    /// The p= tag data: the DER SubjectPublicKeyInfo for RSA (RFC 6376
    /// §3.6.1), the raw 32-byte key for Ed25519 (RFC 8463 §4.2).
    public var dnsKeyData: [UInt8] {
        switch storage {
        case .rsa(let key): return Array(key.derRepresentation)
        case .ed25519(let raw): return Array(raw)
        }
    }

    /// The "SubjectPublicKeyInfo" PEM text ("PUBLIC KEY").
    public var pemRepresentation: String {
        switch storage {
        case .rsa(let key): return key.pemRepresentation
        case .ed25519(let raw):
            return DKIMPEM.encode(label: "PUBLIC KEY", der: DKIMPEM.ed25519PublicKeyPrefix + Array(raw))
        }
    }

    public init(pemRepresentation pem: String) throws {
        if let document = DKIMPEM.decode(pem), document.label == "PUBLIC KEY",
           document.der.count == DKIMPEM.ed25519PublicKeyPrefix.count + 32,
           Array(document.der.prefix(DKIMPEM.ed25519PublicKeyPrefix.count)) == DKIMPEM.ed25519PublicKeyPrefix {
            do {
                self.init(try Curve25519.Signing.PublicKey(rawRepresentation: document.der.suffix(32)))
            } catch {
                throw DKIMError.invalidKey("bad Ed25519 public key")
            }
            return
        }
        guard let document = DKIMPEM.decode(pem), !document.der.isEmpty,
              ["PUBLIC KEY", "RSA PUBLIC KEY"].contains(document.label),
              let key = try? _RSA.Signing.PublicKey(derRepresentation: document.der) else {
            throw DKIMError.invalidKey("not an Ed25519 or RSA (2048 bits or more) public key in PEM form")
        }
        self.init(key)
    }

    /// The DNS TXT record to publish for this key under `selector`.
    public func dnsRecord(domain: String, selector: String) -> DKIMDNSRecord {
        DKIMDNSRecord(domain: domain, selector: selector, key: self)
    }
}
