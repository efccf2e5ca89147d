import ArgumentParser
import MailStore

/// `tern store check [--repair]`.
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Check and repair the mail store.",
        subcommands: [Check.self]
    )

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Look for damage in the store; with --repair, mend it.",
            discussion: """
            Looks for: database integrity errors, rows whose parent row is gone, messages and \
            queued messages whose body file is missing, mailboxes whose UIDNEXT or HIGHESTMODSEQ \
            is behind their rows, and body files nobody references (older than a minute). One \
            line per finding. --repair rebuilds indexes, deletes dangling rows, expunges messages \
            without a body (clients see them vanish), drops queued messages without a body, \
            raises UIDNEXT/HIGHESTMODSEQ and removes unreferenced files. Safe while the server \
            runs. Exits with status 1 when anything was found (with --repair: when anything is \
            left unrepaired).
            """
        )
        @OptionGroup var options: StoreOptions
        @Flag(name: .long, help: "Mend what is found.") var repair = false

        func run() async throws {
            let report = try await options.withStore { store, _ in try await store.check(repair: repair) }
            for finding in report.findings {
                print("\(finding.kind.rawValue): \(finding.detail)\(finding.repaired ? " (repaired)" : "")")
            }
            if report.isClean {
                print("the store is sound")
                return
            }
            let repaired = report.findings.count - report.unrepaired.count
            print("\(report.findings.count) problem(s) found" + (repair ? ", \(repaired) repaired" : ""))
            if !repair || !report.unrepaired.isEmpty { throw ExitCode(1) }
        }
    }
}
