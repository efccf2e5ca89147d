import MailCore

/// Writes commands back as IMAP text (a client's view), for round-trip
/// tests and for tools that talk to IMAP servers.
extension IMAPWriter {
    /// Encodes a whole command with its trailing CRLF, literals as `{n+}`.
    public static func encode(_ command: TaggedCommand) -> [UInt8] {
        var writer = IMAPWriter(allowUTF8Quoted: true, literalStyle: .nonSynchronizing)
        writer.writeCommand(command)
        writer.crlf()
        return writer.bytes
    }

    public mutating func writeCommand(_ tagged: TaggedCommand) {
        raw(tagged.tag + " ")
        switch tagged.command {
        case .capability: raw("CAPABILITY")
        case .noop: raw("NOOP")
        case .logout: raw("LOGOUT")
        case .starttls: raw("STARTTLS")
        case .namespace: raw("NAMESPACE")
        case .check: raw("CHECK")
        case .close: raw("CLOSE")
        case .unselect: raw("UNSELECT")
        case .unauthenticate: raw("UNAUTHENTICATE")
        case .compress(let algorithm): raw("COMPRESS \(algorithm)")
        case .getQuota(let root): raw("GETQUOTA "); writeAString(root)
        case .getQuotaRoot(let mailbox): raw("GETQUOTAROOT "); writeMailbox(mailbox)
        case .setQuota(let root, let limits):
            raw("SETQUOTA "); writeAString(root)
            raw(" (" + limits.map { "\($0.resource) \($0.limit)" }.joined(separator: " ") + ")")
        case .getMetadata(let mailbox, let entries, let options):
            raw("GETMETADATA ")
            var written: [String] = []
            if let maxSize = options.maxSize { written.append("MAXSIZE \(maxSize)") }
            switch options.depth {
            case .zero: break
            case .one: written.append("DEPTH 1")
            case .infinity: written.append("DEPTH infinity")
            }
            if !written.isEmpty { raw("(" + written.joined(separator: " ") + ") ") }
            writeMailbox(mailbox); space()
            if entries.count == 1 {
                writeAString(Array(entries[0].utf8))
            } else {
                writeList(entries) { writer, entry in writer.writeAString(Array(entry.utf8)) }
            }
        case .setMetadata(let mailbox, let values):
            raw("SETMETADATA "); writeMailbox(mailbox); space()
            writeMetadataValues(values)
        case .expunge: raw("EXPUNGE")
        case .idle: raw("IDLE")
        case .authenticate(let mechanism, let initial):
            raw("AUTHENTICATE " + mechanism)
            if let initial { space(); raw(initial) }
        case .login(let user, let password):
            raw("LOGIN "); writeAString(user); space(); writeAString(password)
        case .enable(let capabilities):
            raw("ENABLE " + capabilities.joined(separator: " "))
        case .id(let parameters):
            raw("ID ")
            if let parameters {
                writeList(parameters) { writer, parameter in
                    writer.writeString(parameter.key); writer.space(); writer.writeNString(parameter.value)
                }
            } else {
                raw("NIL")
            }
        case .select(let mailbox, let parameters):
            raw("SELECT "); writeMailbox(mailbox); writeParameters(parameters)
        case .examine(let mailbox, let parameters):
            raw("EXAMINE "); writeMailbox(mailbox); writeParameters(parameters)
        case .create(let mailbox, let parameters):
            raw("CREATE "); writeMailbox(mailbox); writeParameters(parameters)
        case .delete(let mailbox): raw("DELETE "); writeMailbox(mailbox)
        case .subscribe(let mailbox): raw("SUBSCRIBE "); writeMailbox(mailbox)
        case .unsubscribe(let mailbox): raw("UNSUBSCRIBE "); writeMailbox(mailbox)
        case .rename(let from, let to):
            raw("RENAME "); writeMailbox(from); space(); writeMailbox(to)
        case .list(let list): writeListCommand(list)
        case .lsub(let reference, let pattern):
            raw("LSUB "); writeMailbox(reference); space(); writePattern(pattern)
        case .status(let mailbox, let attributes):
            raw("STATUS "); writeMailbox(mailbox); space()
            raw("(" + attributes.map(\.rawValue).joined(separator: " ") + ")")
        case .append(let mailbox, let messages):
            raw("APPEND "); writeMailbox(mailbox)
            for message in messages {
                space()
                if !message.flags.isEmpty { writeFlagList(message.flags); space() }
                if let date = message.date { raw(date.imapDateTime); space() }
                write(message.data, form: message.isBinary ? .literal8 : .literal)
            }
        case .replace(let number, let mailbox, let message, let uid):
            raw((uid ? "UID REPLACE " : "REPLACE ") + SequenceSet.elements([.single(number)]).text + " ")
            writeMailbox(mailbox)
            space()
            if !message.flags.isEmpty { writeFlagList(message.flags); space() }
            if let date = message.date { raw(date.imapDateTime); space() }
            write(message.data, form: message.isBinary ? .literal8 : .literal)
        case .uidExpunge(let set): raw("UID EXPUNGE " + set.text)
        case .search(let search, let uid):
            raw(uid ? "UID SEARCH" : "SEARCH")
            if let options = search.returnOptions {
                raw(" RETURN (" + options.map(\.rawValue).joined(separator: " ") + ")")
            }
            if let charset = search.charset { raw(" CHARSET "); writeAString(Array(charset.utf8)) }
            space()
            writeSearchProgram(search.key)
        case .sort(let sort, let uid):
            raw(uid ? "UID SORT" : "SORT")
            if let options = sort.returnOptions {
                raw(" RETURN (" + options.map(\.rawValue).joined(separator: " ") + ")")
            }
            raw(" (" + sort.criteria.map { ($0.reversed ? "REVERSE " : "") + $0.key.imapName }.joined(separator: " ") + ") ")
            writeAString(Array(sort.charset.utf8))
            space()
            writeSearchProgram(sort.key)
        case .thread(let thread, let uid):
            raw((uid ? "UID THREAD " : "THREAD ") + thread.algorithm.rawValue + " ")
            writeAString(Array(thread.charset.utf8))
            space()
            writeSearchProgram(thread.key)
        case .fetch(let set, let attributes, let modifiers, let uid):
            raw((uid ? "UID FETCH " : "FETCH ") + set.text + " ")
            writeList(attributes) { $0.writeFetchAttribute($1) }
            if !modifiers.isEmpty {
                space()
                writeList(modifiers) { writer, modifier in
                    switch modifier {
                    case .changedSince(let value): writer.raw("CHANGEDSINCE \(value)")
                    case .vanished: writer.raw("VANISHED")
                    case .other(let name, let value): writer.writeParameter(CommandParameter(name: name, value: value))
                    }
                }
            }
        case .store(let set, let unchangedSince, let action, let uid):
            raw((uid ? "UID STORE " : "STORE ") + set.text + " ")
            if let unchangedSince { raw("(UNCHANGEDSINCE \(unchangedSince)) ") }
            switch action.operation {
            case .replace: break
            case .add: raw("+")
            case .remove: raw("-")
            }
            raw(action.silent ? "FLAGS.SILENT " : "FLAGS ")
            writeFlagList(action.flags)
        case .copy(let set, let mailbox, let uid):
            raw((uid ? "UID COPY " : "COPY ") + set.text + " "); writeMailbox(mailbox)
        case .move(let set, let mailbox, let uid):
            raw((uid ? "UID MOVE " : "MOVE ") + set.text + " "); writeMailbox(mailbox)
        }
    }

    mutating func writeParameters(_ parameters: [CommandParameter]) {
        guard !parameters.isEmpty else { return }
        space()
        writeList(parameters) { $0.writeParameter($1) }
    }

    mutating func writeParameter(_ parameter: CommandParameter) {
        raw(parameter.name)
        if let value = parameter.value { space(); writeExtensionValue(value) }
    }

    mutating func writeExtensionValue(_ value: ExtensionValue) {
        switch value {
        case .token(let text): raw(text)
        case .string(let data): writeString(data)
        case .list(let values): writeList(values) { $0.writeExtensionValue($1) }
        }
    }

    mutating func writePattern(_ pattern: [UInt8]) {
        if !pattern.isEmpty, pattern.allSatisfy(ByteClass.isListChar) { raw(pattern) } else { writeString(pattern) }
    }

    mutating func writeListCommand(_ list: ListCommand) {
        raw("LIST ")
        if !list.selectOptions.isEmpty {
            writeList(list.selectOptions) { writer, option in
                switch option {
                case .subscribed: writer.raw("SUBSCRIBED")
                case .remote: writer.raw("REMOTE")
                case .recursiveMatch: writer.raw("RECURSIVEMATCH")
                case .specialUse: writer.raw("SPECIAL-USE")
                case .other(let name): writer.raw(name)
                }
            }
            space()
        }
        writeMailbox(list.reference)
        space()
        if list.patterns.count == 1 {
            writePattern(list.patterns[0])
        } else {
            writeList(list.patterns) { $0.writePattern($1) }
        }
        if !list.returnOptions.isEmpty {
            raw(" RETURN ")
            writeList(list.returnOptions) { writer, option in
                switch option {
                case .subscribed: writer.raw("SUBSCRIBED")
                case .children: writer.raw("CHILDREN")
                case .specialUse: writer.raw("SPECIAL-USE")
                case .status(let attributes): writer.raw("STATUS (" + attributes.map(\.rawValue).joined(separator: " ") + ")")
                case .other(let name): writer.raw(name)
                }
            }
        }
    }

    /// A search program: an AND of several keys as its keys side by side.
    mutating func writeSearchProgram(_ key: SearchKey) {
        if case .and(let keys) = key, !keys.isEmpty {
            for (index, key) in keys.enumerated() {
                if index > 0 { space() }
                writeSearchKey(key)
            }
        } else {
            writeSearchKey(key)
        }
    }

    mutating func writeSearchKey(_ key: SearchKey) {
        switch key {
        case .all: raw("ALL")
        case .answered: raw("ANSWERED")
        case .deleted: raw("DELETED")
        case .flagged: raw("FLAGGED")
        case .seen: raw("SEEN")
        case .draft: raw("DRAFT")
        case .unanswered: raw("UNANSWERED")
        case .undeleted: raw("UNDELETED")
        case .unflagged: raw("UNFLAGGED")
        case .unseen: raw("UNSEEN")
        case .undraft: raw("UNDRAFT")
        case .new: raw("NEW")
        case .old: raw("OLD")
        case .recent: raw("RECENT")
        case .keyword(let flag): raw("KEYWORD " + flag)
        case .unkeyword(let flag): raw("UNKEYWORD " + flag)
        case .bcc(let value): raw("BCC "); writeAString(value)
        case .body(let value): raw("BODY "); writeAString(value)
        case .cc(let value): raw("CC "); writeAString(value)
        case .from(let value): raw("FROM "); writeAString(value)
        case .subject(let value): raw("SUBJECT "); writeAString(value)
        case .text(let value): raw("TEXT "); writeAString(value)
        case .to(let value): raw("TO "); writeAString(value)
        case .header(let field, let value):
            raw("HEADER "); writeAString(Array(field.utf8)); space(); writeAString(value)
        case .before(let date): raw("BEFORE "); writeDate(date)
        case .on(let date): raw("ON "); writeDate(date)
        case .since(let date): raw("SINCE "); writeDate(date)
        case .sentBefore(let date): raw("SENTBEFORE "); writeDate(date)
        case .sentOn(let date): raw("SENTON "); writeDate(date)
        case .sentSince(let date): raw("SENTSINCE "); writeDate(date)
        case .larger(let size): raw("LARGER \(size)")
        case .emailID(let id): raw("EMAILID " + id)
        case .savedBefore(let date): raw("SAVEDBEFORE "); writeDate(date)
        case .savedOn(let date): raw("SAVEDON "); writeDate(date)
        case .savedSince(let date): raw("SAVEDSINCE "); writeDate(date)
        case .saveDateSupported: raw("SAVEDATESUPPORTED")
        case .threadID(let id): raw("THREADID " + id)
        case .smaller(let size): raw("SMALLER \(size)")
        case .older(let seconds): raw("OLDER \(seconds)")
        case .younger(let seconds): raw("YOUNGER \(seconds)")
        case .uid(let set): raw("UID " + set.text)
        case .sequenceSet(let set): raw(set.text)
        case .not(let inner): raw("NOT "); writeSearchKey(inner)
        case .or(let left, let right):
            raw("OR "); writeSearchKey(left); space(); writeSearchKey(right)
        case .and(let keys): writeList(keys) { $0.writeSearchKey($1) }
        case .modSeq(let entry, let value):
            raw("MODSEQ ")
            if let entry { write(entry.name, form: .quoted); raw(" " + entry.type + " ") }
            raw(String(value))
        }
    }

    mutating func writeFetchAttribute(_ attribute: FetchAttribute) {
        switch attribute {
        case .envelope: raw("ENVELOPE")
        case .flags: raw("FLAGS")
        case .internalDate: raw("INTERNALDATE")
        case .rfc822Size: raw("RFC822.SIZE")
        case .rfc822: raw("RFC822")
        case .rfc822Header: raw("RFC822.HEADER")
        case .rfc822Text: raw("RFC822.TEXT")
        case .body: raw("BODY")
        case .bodyStructure: raw("BODYSTRUCTURE")
        case .uid: raw("UID")
        case .modSeq: raw("MODSEQ")
        case .emailID: raw("EMAILID")
        case .threadID: raw("THREADID")
        case .saveDate: raw("SAVEDATE")
        case .preview: raw("PREVIEW")
        case .bodySection(let section, let partial, let peek):
            raw(peek ? "BODY.PEEK" : "BODY")
            writeSection(section)
            if let partial { raw("<\(partial.offset).\(partial.length)>") }
        case .binary(let part, let partial, let peek):
            raw((peek ? "BINARY.PEEK[" : "BINARY[") + part.map(String.init).joined(separator: ".") + "]")
            if let partial { raw("<\(partial.offset).\(partial.length)>") }
        case .binarySize(let part):
            raw("BINARY.SIZE[" + part.map(String.init).joined(separator: ".") + "]")
        }
    }

    /// section = "[" [section-spec] "]".
    public mutating func writeSection(_ section: SectionSpecifier) {
        raw("[")
        // Most sections a FETCH names (HEADER.FIELDS of a list) have no part
        // path: nothing to join, once per message of the response.
        if !section.part.isEmpty { raw(section.part.map(String.init).joined(separator: ".")) }
        if let text = section.text {
            if !section.part.isEmpty { raw(".") }
            switch text {
            case .header: raw("HEADER")
            case .text: raw("TEXT")
            case .mime: raw("MIME")
            case .headerFields(let fields):
                raw("HEADER.FIELDS ")
                writeList(fields) { $0.writeAString(Array($1.utf8)) }
            case .headerFieldsNot(let fields):
                raw("HEADER.FIELDS.NOT ")
                writeList(fields) { $0.writeAString(Array($1.utf8)) }
            }
        }
        raw("]")
    }
}
