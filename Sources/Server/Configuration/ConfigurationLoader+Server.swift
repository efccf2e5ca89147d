import MailStore
import TOMLKit

/// The `[server]` table (see `ServerSettings` and `tern.example.toml`).
extension ConfigurationReader {
    func readServer(_ table: TOMLTable) throws -> ServerSettings {
        try checkKeys(table, allowed: ["user", "group"], path: "server")
        var server = ServerSettings()
        for (key, keyPath) in [("user", \ServerSettings.user), ("group", \ServerSettings.group)] {
            guard let name = try string(table, key, path: "server") else { continue }
            guard Self.isAccountName(name) else {
                throw error("bad value for \"server.\(key)\": \"\(name)\" is not a \(key) name", "server.\(key)")
            }
            server[keyPath: keyPath] = name
        }
        if server.group != nil, server.user == nil {
            throw error("\"server.group\" is set without \"server.user\"", "server.group")
        }
        return server
    }

    /// The `[store]` table (`StoreSettings`): `backend = "sqlite"` (the
    /// default) or `"postgresql"`, which parses but is refused by
    /// `tern config check` and at open until it is built.
    func readStore(_ table: TOMLTable) throws -> StoreSettings {
        try checkKeys(table, allowed: ["backend"], path: "store")
        var store = StoreSettings()
        if let name = try string(table, "backend", path: "store") {
            guard let backend = StoreBackend(rawValue: name) else {
                throw error("bad value for \"store.backend\": \"\(name)\" (expected "
                    + StoreBackend.allCases.map(\.rawValue).joined(separator: " or ") + ")", "store.backend")
            }
            store.backend = backend
        }
        return store
    }

    /// A user or group name as useradd(8) accepts it: letters, digits, `_`,
    /// `-` and `.`, not starting with `-`, at most 32 characters.
    static func isAccountName(_ name: String) -> Bool {
        guard let first = name.first, first != "-", name.count <= 32 else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ".") }
    }
}
