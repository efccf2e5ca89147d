import ArgumentParser
import Foundation
import Server

// `tern who`, `tern kick`, `tern throttle`: questions to the running
// `tern serve`, over the control socket in its data directory.

extension StoreOptions {
    /// Sends `request` to the server using this data directory.
    func ask(_ request: ControlRequest) async throws -> ControlResponse {
        let directory = try dataDirectory ?? configuration().dataDirectory
        let response: ControlResponse
        do {
            response = try await ControlClient.send(request, socketPath: ControlCoding.socketPath(dataDirectory: directory))
        } catch let failure as ControlClient.Failure {
            throw CommandError(failure.description)
        }
        if case .error(let message) = response { throw CommandError(message) }
        return response
    }
}

/// Prints the rows under the header, columns padded to their widest cell
/// two spaces apart; `empty` when there is no row.
func printTable(_ header: [String], _ rows: [[String]], empty: String) {
    guard !rows.isEmpty else {
        print(empty)
        return
    }
    let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
    for row in [header] + rows {
        print(row.enumerated().map { column, cell in
            column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
        }.joined(separator: "  "))
    }
}

/// A time as `tern who` and `tern throttle list` print it (UTC, ISO 8601).
func controlDate(_ date: Date) -> String {
    date.formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!))
}

struct WhoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "who",
        abstract: "List the connections of the running server.",
        discussion: "Columns: connection id (conn= in the log), protocol, client address, local port, account "
            + "logged in (- before login), TLS, connected since (UTC)."
    )
    @OptionGroup var options: StoreOptions
    @Option(name: .customLong("protocol"), help: ArgumentHelp("Only this protocol: imap, pop3, smtp or submission.",
                                                               valueName: "protocol"))
    var protocolName: String?

    func run() async throws {
        guard case .connections(let connections) = try await options.ask(.who(protocolName: protocolName)) else {
            throw CommandError("unexpected answer from tern serve")
        }
        let rows = connections.map { connection in
            [connection.id, connection.protocolName, connection.remoteAddress, String(connection.localPort),
             connection.account.map { QueueListing.terminalSafe($0) } ?? "-", connection.isTLS ? "yes" : "no",
             controlDate(connection.connectedSince)]
        }
        printTable(["ID", "PROTOCOL", "ADDRESS", "PORT", "ACCOUNT", "TLS", "SINCE"], rows, empty: "no connections")
    }
}

struct KickCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kick",
        abstract: "Disconnect every session logged in as an account.",
        discussion: "Each session gets its protocol's goodbye (IMAP * BYE, POP3 -ERR, SMTP 421) and is closed; "
            + "a client may log in again at once (disable the account or change its password to keep it out)."
    )
    @OptionGroup var options: StoreOptions
    @Argument(help: "The account's address.") var account: String

    func run() async throws {
        guard case .kicked(let count) = try await options.ask(.kick(account: account)) else {
            throw CommandError("unexpected answer from tern serve")
        }
        print("kicked \(count) connection\(count == 1 ? "" : "s") of \(account)")
    }
}

struct ThrottleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "throttle",
        abstract: "Inspect and clear the login throttle of the running server.",
        subcommands: [List.self, Clear.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List addresses and accounts with recent failed logins or a lock.",
            discussion: "Columns: kind (address+account, address, account), address, account, failures within "
                + "the window, locked until (UTC; - when not locked)."
        )
        @OptionGroup var options: StoreOptions

        func run() async throws {
            guard case .throttle(let entries) = try await options.ask(.throttleList) else {
                throw CommandError("unexpected answer from tern serve")
            }
            let rows = entries.map { entry in
                [entry.kind.rawValue, entry.address ?? "-", entry.account.map { QueueListing.terminalSafe($0) } ?? "-",
                 String(entry.failures), entry.lockedUntil.map(controlDate) ?? "-"]
            }
            printTable(["KIND", "ADDRESS", "ACCOUNT", "FAILURES", "LOCKED UNTIL"], rows, empty: "no failed logins")
        }
    }

    struct Clear: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Forget the failed logins and locks of an IP address or an account.",
            discussion: "An IP address clears that address and its address+account entries; anything else is "
                + "an account name and clears that account and its address+account entries."
        )
        @OptionGroup var options: StoreOptions
        @Argument(help: "An IP address or an account name.") var target: String

        func run() async throws {
            guard case .cleared(let count) = try await options.ask(.throttleClear(target: target)) else {
                throw CommandError("unexpected answer from tern serve")
            }
            print("cleared \(count) throttle entr\(count == 1 ? "y" : "ies") for \(target)")
        }
    }
}
