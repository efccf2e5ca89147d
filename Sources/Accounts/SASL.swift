// The server side of SASL (RFC 4422), shared by POP3 (RFC 5034), IMAP
// (RFC 9051 §6.2.2) and SMTP (RFC 4954). Only the two password mechanisms
// are offered: PLAIN (RFC 4616) and LOGIN (draft-murchison-sasl-login).
//
// The protocol session does the framing: it parses `AUTH <mech> [initial]`,
// calls `start`, sends each `.challenge` as its continuation line
// (`+ <base64>`, `334 <base64>`), feeds each client line to `receive`, and
// stops at `.credentials`, `.cancelled` or `.malformed`.

/// SASL mechanisms offered by every protocol (RFC 4616 PLAIN, draft LOGIN).
public enum SASLMechanism: String, Sendable, CaseIterable {
    case plain = "PLAIN"
    case login = "LOGIN"

    /// The mechanism named `name` (SASL mechanism names are case-insensitive,
    /// RFC 4422 §3.1), or nil when it isn't offered.
    public init?(name: some StringProtocol) {
        self.init(rawValue: name.uppercased())
    }
}

/// What a SASL exchange asks the protocol session to do next.
public enum SASLStep: Sendable, Equatable {
    /// Send this challenge (already base64-encoded; may be empty) and wait for a line.
    case challenge(String)
    /// The exchange produced credentials; verify them with `Authenticator`.
    /// A session must refuse a non-nil `authorizationID` that differs from
    /// `username` (Tern has no proxy authorization).
    case credentials(authorizationID: String?, username: String, password: String)
    /// The client cancelled with `*` (RFC 4954 §4, RFC 5034 §4, RFC 9051 §6.2.2).
    case cancelled
    /// Bad base64 or a malformed message.
    case malformed(String)
}

/// The server side of one SASL exchange, shared by POP3, IMAP and SMTP.
public struct SASLServerExchange: Sendable {
    /// Longest client response accepted, in base64 characters. PLAIN needs
    /// three fields of 255 octets at most (RFC 4616 §2), far below this.
    public static let maximumResponseLength = 8192

    /// LOGIN's fixed challenges: base64 of "Username:" and "Password:".
    static let usernameChallenge = "VXNlcm5hbWU6"
    static let passwordChallenge = "UGFzc3dvcmQ6"

    private enum State: Sendable {
        case notStarted
        /// PLAIN without an initial response: waiting for the whole message.
        case awaitingPlainMessage
        case awaitingUsername
        case awaitingPassword(username: String)
        case finished
    }

    public let mechanism: SASLMechanism
    private var state: State = .notStarted

    public init(mechanism: SASLMechanism) { self.mechanism = mechanism }

    /// Starts the exchange, with the client's initial response if it sent one
    /// (`=` stands for an empty initial response: RFC 4954 §4, RFC 5034 §4,
    /// RFC 4959 §3).
    public mutating func start(initialResponse: String?) -> SASLStep {
        guard case .notStarted = state else { return finish(.malformed("exchange already started")) }
        switch (mechanism, initialResponse) {
        case (.plain, nil):
            // RFC 4422 §5: an empty challenge asks for the initial response.
            state = .awaitingPlainMessage
            return .challenge("")
        case (.login, nil):
            state = .awaitingUsername
            return .challenge(Self.usernameChallenge)
        case (.plain, let response?):
            state = .awaitingPlainMessage
            return consume(response, allowEqualsSign: true)
        case (.login, let response?):
            // Clients such as Outlook send the user name as LOGIN's initial response.
            state = .awaitingUsername
            return consume(response, allowEqualsSign: true)
        }
    }

    /// Feeds one client line (base64, or `*` to cancel).
    public mutating func receive(_ line: String) -> SASLStep {
        consume(line, allowEqualsSign: false)
    }

    private mutating func consume(_ line: String, allowEqualsSign: Bool) -> SASLStep {
        let text = trimmingLineEnd(line)
        if case .finished = state { return .malformed("exchange already finished") }
        if case .notStarted = state { return finish(.malformed("exchange not started")) }
        if text == "*" { return finish(.cancelled) }
        guard text.utf8.count <= Self.maximumResponseLength else {
            return finish(.malformed("response too long"))
        }
        let bytes: [UInt8]
        if allowEqualsSign && text == "=" {
            bytes = []
        } else {
            guard let decoded = StrictBase64.decode(text) else { return finish(.malformed("invalid base64")) }
            bytes = decoded
        }
        switch state {
        case .awaitingPlainMessage:
            return finish(Self.parsePlain(bytes))
        case .awaitingUsername:
            guard let username = Self.utf8String(bytes), !username.isEmpty,
                  !username.utf8.contains(0) else {
                return finish(.malformed("invalid user name"))
            }
            state = .awaitingPassword(username: username)
            return .challenge(Self.passwordChallenge)
        case .awaitingPassword(let username):
            guard let password = Self.utf8String(bytes), !password.isEmpty,
                  !password.utf8.contains(0) else {
                return finish(.malformed("invalid password"))
            }
            return finish(.credentials(authorizationID: nil, username: username, password: password))
        case .notStarted, .finished:
            return finish(.malformed("unexpected response"))
        }
    }

    /// RFC 4616 §2: `message = [authzid] UTF8NUL authcid UTF8NUL passwd`,
    /// each part UTF-8 without NUL; authcid and passwd are not empty.
    static func parsePlain(_ bytes: [UInt8]) -> SASLStep {
        let parts = bytes.split(separator: 0, omittingEmptySubsequences: false)
        guard parts.count == 3 else { return .malformed("PLAIN message needs exactly two NUL separators") }
        guard let authzid = utf8String(parts[0]),
              let authcid = utf8String(parts[1]),
              let password = utf8String(parts[2]) else {
            return .malformed("PLAIN message is not UTF-8")
        }
        guard !authcid.isEmpty else { return .malformed("empty authentication identity") }
        guard !password.isEmpty else { return .malformed("empty password") }
        return .credentials(authorizationID: authzid.isEmpty ? nil : authzid, username: authcid, password: password)
    }

    /// The bytes as a String, or nil when they aren't valid UTF-8.
    static func utf8String(_ bytes: some Collection<UInt8>) -> String? {
        let string = String(decoding: bytes, as: UTF8.self)
        return string.utf8.elementsEqual(bytes) ? string : nil
    }

    private mutating func finish(_ step: SASLStep) -> SASLStep {
        state = .finished
        return step
    }

    private func trimmingLineEnd(_ line: String) -> Substring {
        var text = Substring(line)
        while let last = text.last, last == "\r\n" || last == "\n" || last == "\r" {
            text = text.dropLast()
        }
        return text
    }
}
