import MailCore
import NIOCore

/// Encodes responses as IMAP text (RFC 9051 §7, §9 `response`).
public enum IMAPResponseEncoder {
    /// The response with its CRLF. `allowUTF8Quoted` is true for rev2 and
    /// UTF8=ACCEPT sessions (8-bit text may then be quoted).
    public static func encode(_ response: IMAPResponse, allowUTF8Quoted: Bool = false) -> [UInt8] {
        var writer = IMAPWriter(allowUTF8Quoted: allowUTF8Quoted)
        writer.writeResponse(response)
        return writer.bytes
    }

    /// `* n FETCH (...)` CRLF cut into pieces: encoded text, and for each
    /// `.streamed` item, after the text that ends with its literal's
    /// `{n}` CRLF, the range of the message whose octets follow
    /// (RFC 9051 §4.3: a literal is its octet count, CRLF, the octets).
    /// A response without streamed items is one `.bytes` piece, the same
    /// bytes as `encode`.
    public static func fetchPieces(_ number: UInt32, _ items: [FetchItem], allowUTF8Quoted: Bool = false)
        -> [FetchResponsePiece] {
        var pieces: [FetchResponsePiece] = []
        var writer = IMAPWriter(allowUTF8Quoted: allowUTF8Quoted)
        writer.raw("* \(number) FETCH (")
        for (index, item) in items.enumerated() {
            if index > 0 { writer.space() }
            writer.writeFetchItem(item)
            if case .streamed(_, let literal) = item {
                pieces.append(.bytes(writer.bytes))
                pieces.append(.literal(literal.range, literal8: literal.literal8))
                writer.bytes = []
            }
        }
        writer.raw(")")
        writer.crlf()
        pieces.append(.bytes(writer.bytes))
        return pieces
    }

    /// Appends the encoded response to `buffer`.
    public static func write(_ response: IMAPResponse, into buffer: inout ByteBuffer, allowUTF8Quoted: Bool = false) {
        buffer.writeBytes(encode(response, allowUTF8Quoted: allowUTF8Quoted))
    }
}

extension IMAPWriter {
    public mutating func writeResponse(_ response: IMAPResponse) {
        switch response {
        case .tagged(let tag, let status, let text):
            raw(tag + " " + status.rawValue + " ")
            writeResponseText(text)
        case .untagged(let data):
            raw("* ")
            writeUntagged(data)
        case .continuation(let text):
            raw("+ " + Self.lineSafe(text))
        }
        crlf()
    }

    /// Text may not contain CR or LF (RFC 9051 §9 `text`).
    static func lineSafe(_ text: String) -> String {
        String(text.map { $0 == "\r" || $0 == "\n" || $0 == "\r\n" ? " " : $0 })
    }

    mutating func writeResponseText(_ text: ResponseText) {
        if let code = text.code { raw("[" + Self.lineSafe(code.text) + "] ") }
        // resp-text needs at least one character of text after the code.
        raw(text.text.isEmpty ? "done" : Self.lineSafe(text.text))
    }

    mutating func writeUntagged(_ data: UntaggedResponse) {
        switch data {
        case .condition(let status, let text):
            raw(status.rawValue + " ")
            writeResponseText(text)
        case .capability(let capabilities):
            raw((["CAPABILITY"] + capabilities).joined(separator: " "))
        case .enabled(let capabilities):
            raw((["ENABLED"] + capabilities).joined(separator: " "))
        case .flags(let flags):
            raw("FLAGS ")
            writeFlagList(flags)
        case .list(let list):
            raw("LIST ")
            writeListData(list)
        case .lsub(let list):
            raw("LSUB ")
            writeListData(list)
        case .status(let mailbox, let items):
            raw("STATUS ")
            writeMailbox(mailbox)
            raw(" (" + items.map { attribute, value in
                switch value {
                case .number(let number): "\(attribute.rawValue) \(number)"
                case .objectID(let id): "\(attribute.rawValue) (\(id))"
                }
            }.joined(separator: " ") + ")")
        case .namespace(let personal, let other, let shared):
            raw("NAMESPACE ")
            for (index, namespaces) in [personal, other, shared].enumerated() {
                if index > 0 { space() }
                if namespaces.isEmpty { raw("NIL"); continue }
                writeList(namespaces) { writer, namespace in
                    writer.raw("(")
                    writer.writeString(namespace.prefix)
                    writer.space()
                    writer.writeDelimiter(namespace.delimiter)
                    writer.raw(")")
                }
            }
        case .exists(let count): raw("\(count) EXISTS")
        case .recent(let count): raw("\(count) RECENT")
        case .expunge(let number): raw("\(number) EXPUNGE")
        case .vanished(let earlier, let set):
            raw(earlier ? "VANISHED (EARLIER) " : "VANISHED ")
            raw(set.text)
        case .search(let numbers, let modSeq):
            raw("SEARCH")
            for number in numbers {
                space()
                DecimalDigits.append(UInt64(number), to: &bytes)
            }
            if let modSeq, !numbers.isEmpty { raw(" (MODSEQ \(modSeq))") }
        case .esearch(let result):
            raw("ESEARCH")
            if let tag = result.tag { raw(" (TAG "); writeString(tag); raw(")") }
            if result.uid { raw(" UID") }
            if let min = result.min { raw(" MIN \(min)") }
            if let max = result.max { raw(" MAX \(max)") }
            if let count = result.count { raw(" COUNT \(count)") }
            if let all = result.all { raw(" ALL " + all.text) }
            if let modSeq = result.modSeq { raw(" MODSEQ \(modSeq)") }
        case .quota(let root, let resources):
            raw("QUOTA ")
            writeString(root)
            raw(" (" + resources.map { "\($0.resource) \($0.usage) \($0.limit)" }.joined(separator: " ") + ")")
        case .quotaRoot(let mailbox, let roots):
            raw("QUOTAROOT ")
            writeMailbox(mailbox)
            for root in roots {
                space()
                writeString(root)
            }
        case .metadata(let mailbox, let values):
            raw("METADATA ")
            writeMailbox(mailbox)
            space()
            writeMetadataValues(values)
        case .sort(let numbers, let modSeq):
            raw("SORT")
            for number in numbers {
                space()
                DecimalDigits.append(UInt64(number), to: &bytes)
            }
            if let modSeq, !numbers.isEmpty { raw(" (MODSEQ \(modSeq))") }
        case .thread(let threads):
            raw("THREAD")
            // thread-data = "THREAD" [SP 1*thread-list]: RFC 5256's own notation.
            if !threads.isEmpty { raw(" " + ThreadNode.notation(threads)) }
        case .fetch(let number, let items):
            raw("\(number) FETCH ")
            writeList(items) { $0.writeFetchItem($1) }
        case .id(let parameters):
            raw("ID ")
            guard let parameters, !parameters.isEmpty else { return raw("NIL") }
            writeList(parameters) { writer, parameter in
                writer.writeString(parameter.key)
                writer.space()
                writer.writeNString(parameter.value)
            }
        }
    }

    /// mailbox-list = "(" [mbx-list-flags] ")" SP (DQUOTE QUOTED-CHAR DQUOTE / nil) SP mailbox [SP mbox-list-extended].
    mutating func writeListData(_ list: ListResponse) {
        writeFlagList(list.attributes)
        space()
        writeDelimiter(list.delimiter)
        space()
        writeMailbox(list.mailbox)
        guard !list.extended.isEmpty else { return }
        space()
        writeList(list.extended) { writer, item in
            switch item {
            case .childInfo(let options):
                writer.raw("\"CHILDINFO\" ")
                writer.writeList(options) { $0.writeString($1) }
            case .oldName(let name):
                writer.raw("\"OLDNAME\" (")
                writer.writeMailbox(name)
                writer.raw(")")
            }
        }
    }

    mutating func writeDelimiter(_ delimiter: Character?) {
        guard let delimiter else { return raw("NIL") }
        write(Array(String(delimiter).utf8), form: .quoted)
    }

    mutating func writeFetchItem(_ item: FetchItem) {
        switch item {
        case .flags(let flags):
            raw("FLAGS ")
            writeFlagList(flags)
        case .internalDate(let date): raw("INTERNALDATE " + date.imapDateTime)
        case .rfc822Size(let size): raw("RFC822.SIZE \(size)")
        case .envelope(let envelope):
            raw("ENVELOPE ")
            writeEnvelope(envelope)
        case .bodyStructure(let part, let extensible):
            raw(extensible ? "BODYSTRUCTURE " : "BODY ")
            writeBody(part, extensible: extensible)
        case .uid(let uid): raw("UID \(uid)")
        case .modSeq(let value): raw("MODSEQ (\(value))")
        case .emailID(let id): raw("EMAILID (\(id))")
        case .threadID(let id): raw(id.map { "THREADID (\($0))" } ?? "THREADID NIL")
        case .saveDate(let date):
            raw("SAVEDATE ")
            if let date { writeString(date.imapDateTime) } else { raw("NIL") }
        case .preview(let text):
            raw("PREVIEW ")
            writeNString(text)
        case .bodySection(let section, let origin, let data):
            raw("BODY")
            writeSection(section)
            if let origin { raw("<\(origin)>") }
            space()
            writeSectionData(data, binary: false)
        case .binary(let part, let origin, let data):
            raw("BINARY[" + part.map(String.init).joined(separator: ".") + "]")
            if let origin { raw("<\(origin)>") }
            space()
            writeSectionData(data, binary: true)
        case .binarySize(let part, let size):
            raw("BINARY.SIZE[" + part.map(String.init).joined(separator: ".") + "] \(size)")
        case .rfc822(let data): raw("RFC822 "); writeSectionData(data, binary: false)
        case .rfc822Header(let data): raw("RFC822.HEADER "); writeSectionData(data, binary: false)
        case .rfc822Text(let data): raw("RFC822.TEXT "); writeSectionData(data, binary: false)
        case .streamed(let name, let literal):
            writeStreamedItemName(name)
            space()
            // The octets follow, copied by FETCH (`fetchPieces`).
            if literal.literal8 { raw("~") }
            raw("{\(literal.range.count)}")
            crlf()
        }
    }

    /// The name of a streamed item, as `writeFetchItem` writes it for data in memory.
    mutating func writeStreamedItemName(_ name: StreamedItem) {
        switch name {
        case .bodySection(let section, let origin):
            raw("BODY")
            writeSection(section)
            if let origin { raw("<\(origin)>") }
        case .binary(let part, let origin):
            raw("BINARY[" + part.map(String.init).joined(separator: ".") + "]")
            if let origin { raw("<\(origin)>") }
        case .rfc822: raw("RFC822")
        case .rfc822Header: raw("RFC822.HEADER")
        case .rfc822Text: raw("RFC822.TEXT")
        }
    }
}
