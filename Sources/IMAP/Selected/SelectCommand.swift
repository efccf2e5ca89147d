import MailCore
import MailStore

extension SelectedMailboxCommands {
    /// SELECT (`readOnly` false) or EXAMINE: FLAGS, EXISTS, OK [UIDVALIDITY],
    /// [UIDNEXT], [PERMANENTFLAGS], [HIGHESTMODSEQ] untagged data and
    /// `OK [READ-WRITE]`/`[READ-ONLY]`; `(CONDSTORE)` and `(QRESYNC (...))`
    /// parameters with VANISHED (EARLIER) and FETCH of changes since.
    public static func select(_ name: MailboxName, parameters: [CommandParameter], readOnly: Bool,
                              context: CommandContext) async -> Selection {
        let command = readOnly ? "EXAMINE" : "SELECT"
        let options: SelectOptions
        switch SelectOptions.parse(parameters, enabled: context.enabled) {
        case .success(let parsed): options = parsed
        case .failure(let error): return Selection(result: .bad(error.reason), selected: nil)
        }

        let mailbox: Mailbox
        switch await lookUp(name, context: context) {
        case .success(let found): mailbox = found
        case .failure(let failure): return Selection(result: failure.result, selected: nil)
        }
        let view: SelectedMailbox
        let tombstones: [MailboxChange]
        do {
            view = try await openView(mailbox, readOnly: readOnly, context: context)
            if !context.enabled.contains(.imap4rev2) { await view.startTrackingRecent(store: context.store) }
            if let qresync = options.qresync, qresync.uidValidity == mailbox.uidValidity {
                tombstones = try await context.store.changes(mailboxID: mailbox.id, after: ModSeq(clamping: qresync.modSeq))
                    .filter { $0.kind == .expunged }
            } else {
                tombstones = []
            }
        } catch {
            return Selection(result: storeFailure(error, command: command, context: context), selected: nil)
        }
        var enabled: EnabledExtensions = []
        if options.condStore || options.qresync != nil { enabled.insert(.condstore) }

        var untagged = openingResponses(view, context: context)
        if let qresync = options.qresync, qresync.uidValidity == mailbox.uidValidity {
            untagged += resynchronization(qresync, view: view, tombstones: tombstones)
        }
        let code: ResponseCode = readOnly ? .readOnly : .readWrite
        return Selection(result: .ok("\(command) completed", code: code, untagged: untagged),
                         selected: view, enabled: enabled)
    }

    /// The session's view of `mailbox`: from the server's shared snapshot
    /// of it and the change log after that snapshot when one is kept
    /// (`MailboxViewCache`), else from every message's summary (UID,
    /// flags, keywords, MODSEQ; no structure). A view newer than the
    /// snapshot replaces it.
    static func openView(_ mailbox: Mailbox, readOnly: Bool, context: CommandContext) async throws -> SelectedMailbox {
        let view: SelectedMailbox
        if let cache = context.viewCache, let snapshot = cache.snapshot(of: mailbox) {
            view = SelectedMailbox(snapshot: snapshot, current: mailbox, isReadOnly: readOnly)
            // Nothing is announced yet: expunges are applied at once, the responses dropped.
            _ = try await view.synchronize(store: context.store, allowExpunge: true, enabled: [])
            if view.highestModSeq > snapshot.mailbox.highestModSeq, let newer = view.snapshot { cache.keep(newer) }
        } else {
            // The mailbox first, then its messages: see `SelectedMailbox.init`.
            let summaries = try await context.store.messageSummaries(mailboxID: mailbox.id)
            view = SelectedMailbox(mailbox: mailbox, messages: summaries, isReadOnly: readOnly)
            if let cache = context.viewCache, let snapshot = view.snapshot { cache.keep(snapshot) }
        }
        return view
    }

    /// The untagged data every SELECT/EXAMINE sends (RFC 9051 §6.3.2; rev1
    /// RECENT and UNSEEN, RFC 3501 §6.3.1; HIGHESTMODSEQ, RFC 7162 §3.1.2.1).
    static func openingResponses(_ view: SelectedMailbox, context: CommandContext) -> [UntaggedResponse] {
        // Everything here comes from the view (built from summaries) and
        // the mailbox row: no message record is read.
        let mailbox = view.mailbox
        let keywords = view.keywordsInUse
        let rev2 = context.enabled.contains(.imap4rev2)
        view.noteAnnounced(keywords)
        let flagLines = SelectedMailbox.flagResponses(keywords: keywords, isReadOnly: view.isReadOnly)
        var untagged: [UntaggedResponse] = [flagLines[0], .exists(UInt32(view.count))]
        if !rev2 { untagged.append(.recent(UInt32(view.recentCount))) }
        untagged.append(.condition(.ok, ResponseText(code: .uidValidity(mailbox.uidValidity), "UIDs valid")))
        untagged.append(.condition(.ok, ResponseText(code: .uidNext(mailbox.uidNext), "Predicted next UID")))
        // PERMANENTFLAGS (RFC 9051 §7.1), after UIDNEXT as before.
        untagged.append(flagLines[1])
        untagged.append(.condition(.ok, ResponseText(code: .highestModSeq(UInt64(max(mailbox.highestModSeq, 0))),
                                                     "Highest")))
        // RFC 8474 §4.1.
        untagged.append(.condition(.ok, ResponseText(code: .mailboxID(ObjectID.mailbox(mailbox)), "Mailbox ID")))
        if !rev2, let firstUnseen = view.firstUnseen {
            untagged.append(.condition(.ok, ResponseText(code: .unseen(firstUnseen),
                                                         "First unseen")))
        }
        if rev2 {
            // RFC 9051 §6.3.2: a rev2 server sends the mailbox's LIST response.
            let attributes = mailbox.specialUse.map { [$0.rawValue] } ?? []
            untagged.append(.list(ListResponse(attributes: attributes,
                                               mailbox: MailboxNameCodec.encode(mailbox.name,
                                                                                encoding: context.nameEncoding))))
        }
        return untagged
    }

    /// QRESYNC (RFC 7162 §3.2.5): `VANISHED (EARLIER)` for known UIDs
    /// expunged after the client's MODSEQ, then `FETCH (UID FLAGS MODSEQ)`
    /// for every message changed after it.
    static func resynchronization(_ qresync: QResyncParameters, view: SelectedMailbox,
                                  tombstones: [MailboxChange]) -> [UntaggedResponse] {
        var untagged: [UntaggedResponse] = []
        let highest = max(view.mailbox.uidNext, 2) - 1
        let vanished = tombstones.map(\.uid).filter { uid in
            qresync.knownUIDs.map { Self.set($0, contains: uid, highest: highest) } ?? true
        }
        if !vanished.isEmpty {
            untagged.append(.vanished(earlier: true, SequenceSet(numbers: vanished)))
        }
        for message in view.allMessages where UInt64(max(message.modSeq, 0)) > qresync.modSeq {
            untagged.append(.fetch(message.sequenceNumber, SelectedMailbox.flagUpdate(message, enabled: .qresync)))
        }
        return untagged
    }

    /// Whether a UID set (`*` being `highest`) holds `uid`.
    static func set(_ set: SequenceSet, contains uid: MessageUID, highest: MessageUID) -> Bool {
        guard case .elements(let elements) = set else { return false }
        func value(_ number: SequenceNumber) -> MessageUID {
            if case .number(let value) = number { return value }
            return highest
        }
        return elements.contains { element in
            switch element {
            case .single(let number): return value(number) == uid
            case .range(let a, let b): return (min(value(a), value(b))...max(value(a), value(b))).contains(uid)
            }
        }
    }
}
