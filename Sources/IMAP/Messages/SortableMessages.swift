import Foundation
import MailCore
import MailStore

/// What SORT and THREAD read of the matching messages (RFC 5256): size and
/// internal date from the store's layouts, and the header fields they sort
/// and thread by from the header fields kept beside each message
/// (`CachedHeaderFields`: Date, Subject, From, To, Cc, Message-ID,
/// References, In-Reply-To) — only messages stored before those were kept
/// have their header read from the message file. Read in chunks, so a
/// 100,000-message SORT holds one chunk's store rows at a time.
enum SortableMessages {
    static let chunkSize = 2_000

    /// The messages in `matches` order (ascending), numbered by UID or by
    /// sequence number; a message expunged meanwhile is left out. Only the
    /// header fields in `fields` are read; none (SORT by ARRIVAL and SIZE
    /// alone) reads no header at all.
    static func read(_ matches: [SearchMatch], uid: Bool, fields: SortableMessage.Fields, mailboxID: MailboxID,
                     store: any MailStore) async throws -> [SortableMessage] {
        let needsHeader = !fields.isEmpty
        var messages: [SortableMessage] = []
        messages.reserveCapacity(matches.count)
        var start = 0
        while start < matches.count {
            try Task.checkCancellation()
            let chunk = matches[start..<min(start + chunkSize, matches.count)]
            start += chunkSize
            let layouts = try await store.messageLayouts(mailboxID: mailboxID, uids: chunk.map(\.uid),
                                                         cachedHeaderFields: needsHeader)
            let byUID = Dictionary(layouts.map { ($0.uid, $0) }, uniquingKeysWith: { first, _ in first })
            let headers = needsHeader ? try await uncachedHeaders(layouts, mailboxID: mailboxID, store: store) : [:]
            for match in chunk {
                guard let layout = byUID[match.uid] else { continue }
                let id = uid ? match.uid : match.sequenceNumber
                let date = MailDate(secondsSinceEpoch: Int64(layout.internalDate.timeIntervalSince1970.rounded(.down)))
                if let header = needsHeader ? (layout.cachedHeaderFields ?? headers[match.uid]) : nil {
                    messages.append(SortableMessage(id: id, internalDate: date, size: layout.size, header: header,
                                                    fields: fields))
                } else {
                    messages.append(SortableMessage(id: id, internalDate: date, size: layout.size))
                }
            }
        }
        return messages
    }

    /// The messages in `matches` order with their SORT keys as the store
    /// kept them (`messageSortKeys`); a message stored before the keys
    /// were kept has them computed from its header here.
    static func keyed(_ matches: [SearchMatch], uid: Bool, keys: Set<SortKey>, mailboxID: MailboxID,
                      store: any MailStore) async throws -> [KeyedSortMessage] {
        var messages: [KeyedSortMessage] = []
        messages.reserveCapacity(matches.count)
        var start = 0
        while start < matches.count {
            try Task.checkCancellation()
            let chunk = matches[start..<min(start + chunkSize * 4, matches.count)]
            start += chunkSize * 4
            let rows = try await store.messageSortKeys(mailboxID: mailboxID, uids: chunk.map(\.uid), keys: keys)
            let byUID = Dictionary(rows.map { ($0.uid, $0) }, uniquingKeysWith: { first, _ in first })
            let missing = chunk.filter { byUID[$0.uid].map { $0.keys == nil } ?? false }
            var computed: [UInt32: MessageSortKeys] = [:]
            if !missing.isEmpty {
                for message in try await read(Array(missing), uid: uid, fields: .all, mailboxID: mailboxID, store: store) {
                    computed[message.id] = MessageSortKeys(message)
                }
            }
            for match in chunk {
                guard let row = byUID[match.uid] else { continue }
                let id = uid ? match.uid : match.sequenceNumber
                guard let keys = row.keys ?? computed[id] else { continue }
                messages.append(KeyedSortMessage(id: id, internalDate: Int64(row.internalDate.timeIntervalSince1970.rounded(.down)),
                                                 size: row.size, keys: keys))
            }
        }
        return messages
    }

    /// The header sections of the layouts that came without cached fields,
    /// by UID: one ranged read for those whose header range is known, the
    /// whole message for the rare one whose structure cannot be read.
    private static func uncachedHeaders(_ layouts: [MessageLayout], mailboxID: MailboxID,
                                        store: any MailStore) async throws -> [MessageUID: [UInt8]] {
        var headers: [MessageUID: [UInt8]] = [:]
        let uncached = layouts.filter { $0.cachedHeaderFields == nil }
        let ranged = uncached.compactMap { layout in
            layout.header.map { BodyRange(uid: layout.uid, offset: $0.lowerBound, length: $0.count) }
        }
        if !ranged.isEmpty {
            let bodies = try await store.messageBodies(mailboxID: mailboxID, ranges: ranged)
            for (range, body) in zip(ranged, bodies) { headers[range.uid] = body }
        }
        for layout in uncached where layout.header == nil {
            headers[layout.uid] = try? await store.messageBody(mailboxID: mailboxID, uid: layout.uid)
        }
        return headers
    }
}
