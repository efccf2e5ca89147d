import Logging
import MailStore

/// After start, the messages stored before the full-text index existed are
/// indexed in small batches in the background (`MailStore.
/// indexForFullTextSearch`); SEARCH stays exact meanwhile, only slower on
/// them. Stops when none is left, at shutdown, or at the first error (the
/// next start goes on).
enum FullTextBackfill {
    static let batchSize = 200

    static func run(store: any MailStore, logger: Logger) async {
        var position: Int64 = 0
        var batches = 0
        do {
            while !Task.isCancelled,
                  let next = try await store.indexForFullTextSearch(after: position, limit: batchSize) {
                if batches == 0 { logger.notice("indexing stored messages for full-text search") }
                position = next
                batches += 1
                // Room for the connections' own store work between batches.
                try await Task.sleep(for: .milliseconds(5))
            }
            if batches > 0, !Task.isCancelled { logger.notice("full-text index complete") }
        } catch is CancellationError {
        } catch {
            logger.warning("full-text indexing stopped: \(error)")
        }
    }
}
