import MailCore
import MailStore

/// SORT and UID SORT (RFC 5256 §3, SORT=DISPLAY RFC 5957, ESORT RFC 5267
/// §3) and THREAD and UID THREAD (RFC 5256 §4: ORDEREDSUBJECT and
/// REFERENCES): the search program picks the messages (as SEARCH does),
/// `SortableMessages` reads what they are ordered by, MailCore's
/// `MessageSorter` and `MessageThreader` order them.
public enum SortCommandHandler {
    /// The capabilities these commands implement.
    static let capabilities = ["SORT", "SORT=DISPLAY", "ESORT", "THREAD=ORDEREDSUBJECT", "THREAD=REFERENCES"]

    public static func sort(_ command: SortCommand, uid: Bool, tag: String, selected: SelectedMailbox,
                            context: CommandContext) async -> CommandResult {
        if let refused = SearchCommandHandler.refusedCharset(command.charset) { return refused }
        let matches: [SearchMatch]
        let messages: [KeyedSortMessage]
        do {
            matches = try await SearchCommandHandler.matches(command.key, selected: selected, context: context)
            messages = try await SortableMessages.keyed(matches, uid: uid, keys: Set(command.criteria.map(\.key)),
                                                        mailboxID: selected.mailbox.id, store: context.store)
        } catch {
            return SelectedMailboxCommands.storeFailure(error, command: uid ? "UID SORT" : "SORT", context: context)
        }
        let order = MessageSorter.sort(keyed: messages, by: command.criteria)
        // RFC 7162 §3.1.5 (SORT too): the highest mod-sequence of the matches.
        let modSeq = command.key.usesModSeq ? matches.map { UInt64(max($0.modSeq, 0)) }.max() : nil
        guard let requested = command.returnOptions else {
            return .ok("SORT completed", untagged: [.sort(order, modSeq: modSeq)])
        }
        let options: Set<SearchReturnOption> = requested.isEmpty ? [.all] : Set(requested)
        if options.contains(.save) {
            // RFC 5182 §2.4 as for SEARCH: MIN/MAX alone save only those messages.
            let saved = ESortResult.saved(order, options: options)
            let byID = Dictionary(matches.map { (uid ? $0.uid : $0.sequenceNumber, $0.uid) },
                                  uniquingKeysWith: { first, _ in first })
            selected.savedSearchResult = saved.compactMap { byID[$0] }.sorted()
        }
        guard options != [.save] else { return .ok("SORT completed") }
        return .ok("SORT completed", untagged: [.esearch(ESortResult.response(order, options: options, tag: tag, uid: uid,
                                                                              modSeq: modSeq))])
    }

    public static func thread(_ command: ThreadCommand, uid: Bool, selected: SelectedMailbox,
                              context: CommandContext) async -> CommandResult {
        if let refused = SearchCommandHandler.refusedCharset(command.charset) { return refused }
        let messages: [SortableMessage]
        do {
            let matches = try await SearchCommandHandler.matches(command.key, selected: selected, context: context)
            messages = try await SortableMessages.read(matches, uid: uid, fields: .threading,
                                                       mailboxID: selected.mailbox.id, store: context.store)
        } catch {
            return SelectedMailboxCommands.storeFailure(error, command: uid ? "UID THREAD" : "THREAD", context: context)
        }
        let threads = switch command.algorithm {
        case .orderedSubject: MessageThreader.orderedSubject(messages)
        case .references: MessageThreader.references(messages)
        }
        return .ok("THREAD completed", untagged: [.thread(threads)])
    }
}

/// ESORT's ESEARCH response (RFC 5267 §3.2): MIN and MAX are the first and
/// last message in sort order, ALL lists them in sort order.
enum ESortResult {
    static func response(_ order: [UInt32], options: Set<SearchReturnOption>, tag: String, uid: Bool,
                         modSeq: UInt64?) -> ESearchResponse {
        var result = ESearchResponse(tag: tag, uid: uid)
        if options.contains(.min), let first = order.first { result.min = first }
        if options.contains(.max), let last = order.last { result.max = last }
        if options.contains(.count) { result.count = order.count }
        if options.contains(.all), !order.isEmpty { result.all = SequenceSet(orderedNumbers: order) }
        if !order.isEmpty { result.modSeq = modSeq }
        return result
    }

    /// What SAVE keeps: the MIN and MAX messages when only those were
    /// asked for with it, else every match.
    static func saved(_ order: [UInt32], options: Set<SearchReturnOption>) -> [UInt32] {
        guard !options.isDisjoint(with: [.min, .max]), options.isDisjoint(with: [.all, .count]) else { return order }
        var chosen: [UInt32] = []
        if options.contains(.min), let first = order.first { chosen.append(first) }
        if options.contains(.max), let last = order.last, chosen.last != last { chosen.append(last) }
        return chosen
    }
}
