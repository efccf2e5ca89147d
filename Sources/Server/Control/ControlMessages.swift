import Accounts
import Foundation

// The admin control protocol between `tern who|kick|throttle` and the
// running `tern serve`, over the Unix domain socket `control.sock` in the
// data directory: the client sends one request as one line of JSON, the
// server answers with one line of JSON and closes.
//
//   {"request":"who","protocol":"imap"}            {"connections":[{...}, ...]}
//   {"request":"kick","account":"a@example.org"}   {"kicked":2}
//   {"request":"throttle-list"}                    {"throttle":[{...}, ...]}
//   {"request":"throttle-clear","target":"…"}      {"cleared":3}
//   anything the server cannot do                  {"error":"…"}

/// One request of the control protocol.
public enum ControlRequest: Sendable, Equatable {
    /// The open connections, of one protocol ("imap", "pop3", "smtp", "submission") or all.
    case who(protocolName: String?)
    /// Close every connection logged in as the account.
    case kick(account: String)
    /// The login throttle's entries.
    case throttleList
    /// Forget the throttle's failures and locks of an IP address or an account name.
    case throttleClear(target: String)
}

/// The answer to one `ControlRequest`.
public enum ControlResponse: Sendable, Equatable {
    case connections([ConnectionSnapshot])
    /// How many connections were told to close.
    case kicked(Int)
    case throttle([LoginThrottleEntry])
    /// How many throttle entries were removed.
    case cleared(Int)
    case error(String)
}

/// One open connection, as `tern who` shows it.
public struct ConnectionSnapshot: Sendable, Equatable, Codable {
    /// The connection id of the server's log lines (`conn=`).
    public var id: String
    /// The listener's protocol: imap, pop3, smtp or submission.
    public var protocolName: String
    public var remoteAddress: String
    public var localPort: Int
    /// The account logged in; nil before login (and for MX).
    public var account: String?
    /// True once TLS is established.
    public var isTLS: Bool
    public var connectedSince: Date

    public init(id: String, protocolName: String, remoteAddress: String, localPort: Int, account: String?,
                isTLS: Bool, connectedSince: Date) {
        self.id = id
        self.protocolName = protocolName
        self.remoteAddress = remoteAddress
        self.localPort = localPort
        self.account = account
        self.isTLS = isTLS
        self.connectedSince = connectedSince
    }

    enum CodingKeys: String, CodingKey {
        case id
        case protocolName = "protocol"
        case remoteAddress = "address"
        case localPort = "port"
        case account
        case isTLS = "tls"
        case connectedSince = "since"
    }
}

extension ControlRequest: Codable {
    private enum Kind: String, Codable {
        case who
        case kick
        case throttleList = "throttle-list"
        case throttleClear = "throttle-clear"
    }

    private enum CodingKeys: String, CodingKey {
        case request
        case protocolName = "protocol"
        case account
        case target
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(Kind.self, forKey: .request) {
        case .who: self = .who(protocolName: try container.decodeIfPresent(String.self, forKey: .protocolName))
        case .kick: self = .kick(account: try container.decode(String.self, forKey: .account))
        case .throttleList: self = .throttleList
        case .throttleClear: self = .throttleClear(target: try container.decode(String.self, forKey: .target))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .who(let protocolName):
            try container.encode(Kind.who, forKey: .request)
            try container.encodeIfPresent(protocolName, forKey: .protocolName)
        case .kick(let account):
            try container.encode(Kind.kick, forKey: .request)
            try container.encode(account, forKey: .account)
        case .throttleList:
            try container.encode(Kind.throttleList, forKey: .request)
        case .throttleClear(let target):
            try container.encode(Kind.throttleClear, forKey: .request)
            try container.encode(target, forKey: .target)
        }
    }
}

extension ControlResponse: Codable {
    private enum CodingKeys: String, CodingKey {
        case connections, kicked, throttle, cleared, error
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let connections = try container.decodeIfPresent([ConnectionSnapshot].self, forKey: .connections) {
            self = .connections(connections)
        } else if let kicked = try container.decodeIfPresent(Int.self, forKey: .kicked) {
            self = .kicked(kicked)
        } else if let entries = try container.decodeIfPresent([LoginThrottleEntry].self, forKey: .throttle) {
            self = .throttle(entries)
        } else if let cleared = try container.decodeIfPresent(Int.self, forKey: .cleared) {
            self = .cleared(cleared)
        } else if let message = try container.decodeIfPresent(String.self, forKey: .error) {
            self = .error(message)
        } else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "no known answer key"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .connections(let connections): try container.encode(connections, forKey: .connections)
        case .kicked(let count): try container.encode(count, forKey: .kicked)
        case .throttle(let entries): try container.encode(entries, forKey: .throttle)
        case .cleared(let count): try container.encode(count, forKey: .cleared)
        case .error(let message): try container.encode(message, forKey: .error)
        }
    }
}

/// The line format of the control protocol: compact JSON (which never
/// contains a raw newline), ISO 8601 dates, one message per line.
public enum ControlCoding {
    /// Longest line either side reads (a `who` of many thousand connections fits).
    public static let maxLineLength = 64 * 1024 * 1024

    public static func line<Message: Encodable>(_ message: Message) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(message)) + [0x0A]
    }

    public static func decode<Message: Decodable>(_ type: Message.Type, from line: [UInt8]) throws -> Message {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(type, from: Data(line))
    }

    /// The socket's path for a data directory.
    public static func socketPath(dataDirectory: String) -> String {
        URL(fileURLWithPath: dataDirectory, isDirectory: true).appendingPathComponent("control.sock").path
    }
}
