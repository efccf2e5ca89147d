import Foundation
import MailCore
import MailStore

/// One message as SEARCH looks at it, filled in as far as the keys need:
/// first only what the selected view holds (UID, flags, keywords, MODSEQ),
/// then its stored envelope, size and date, then the full record (the
/// structure parsed at delivery, with the MIME tree) read per batch, and
/// last the raw message. What is costly is computed
/// once, on first use, and shared by every key.
final class SearchCandidate {
    let message: SelectedMessage

    /// The stored envelope, size and date, set when a key needs them.
    var envelopeRecord: MessageEnvelope? {
        didSet { folded = [:] }
    }

    /// The stored record, set by the evaluator when a key needs it; nil
    /// until then.
    var record: MessageRecord? {
        didSet { parsedCache = nil; folded = [:] }
    }

    /// The raw message, set when a key needs it; nil until then, and when
    /// its file is gone.
    var body: [UInt8]? {
        didSet {
            header = nil
            headerText = nil
            bodyText = nil
            if record?.parsedStructure == nil {
                parsedCache = nil
                folded = [:]
            }
        }
    }

    init(message: SelectedMessage, record: MessageRecord? = nil, body: [UInt8]? = nil) {
        self.message = message
        self.record = record
        self.body = body
    }

    var uid: MessageUID { message.uid }
    var sequenceNumber: UInt32 { message.sequenceNumber }

    private var parsedCache: ParsedMessage?

    /// The structure stored at delivery (the store's typed value); reparsed
    /// from the body only when the store could not read it. nil when the
    /// record (or, for such a message, the body) is not read yet.
    var parsed: ParsedMessage? {
        if let parsedCache { return parsedCache }
        guard let record else { return nil }
        let result: ParsedMessage
        if let stored = record.parsedStructure {
            result = stored
        } else if let body {
            result = ParsedMessage.parse(body)
        } else {
            return nil
        }
        parsedCache = result
        return result
    }

    /// The ENVELOPE data: from the envelope read alone, else from the
    /// structure; nil while neither is read (or readable).
    var envelope: Envelope? {
        envelopeRecord?.envelope ?? parsed?.envelope
    }

    /// The envelope's search text as the store keeps it; nil while the
    /// envelope is not read (or was read without it).
    var searchText: EnvelopeSearchText? { envelopeRecord?.searchText }

    /// RFC822.SIZE, once the envelope or the record is read.
    var size: Int? { envelopeRecord?.size ?? record?.size }

    /// INTERNALDATE, once the envelope or the record is read.
    var internalDate: Date? { envelopeRecord?.internalDate ?? record?.internalDate }

    private var folded: [String: [UInt8]] = [:]

    /// A piece of envelope text, lower-cased, computed once per name; nil
    /// while the envelope is not read.
    func foldedEnvelope(_ name: String, _ make: (Envelope) -> String) -> [UInt8]? {
        if let cached = folded[name] { return cached }
        guard let envelope else { return nil }
        let value = SearchText.folded(make(envelope))
        folded[name] = value
        return value
    }

    private var header: MessageHeader?
    private var headerText: [UInt8]?
    private var bodyText: [UInt8]?

    /// The top-level header fields; nil until the body is read.
    var messageHeader: MessageHeader? {
        guard let body else { return nil }
        if let header { return header }
        let parsedHeader = MessageHeader.parse(body)
        header = parsedHeader
        return parsedHeader
    }

    /// The whole header as decoded, lower-cased text (TEXT).
    var foldedHeader: [UInt8]? {
        if let headerText { return headerText }
        guard let messageHeader else { return nil }
        let text = SearchText.folded(SearchText.header(messageHeader))
        headerText = text
        return text
    }

    /// The decoded text parts, lower-cased (BODY, TEXT).
    var foldedBody: [UInt8]? {
        if let bodyText { return bodyText }
        guard let body, let root = parsed?.root else { return nil }
        let text = SearchText.folded(SearchText.body(body, root: root))
        bodyText = text
        return text
    }

    /// Drops the raw message and the text derived from it once the answer
    /// is known, so a batch never holds more than one body; the structure
    /// (even one reparsed from the body) stays.
    func releaseBody() {
        let kept = parsedCache
        let keptFolded = folded
        body = nil
        parsedCache = kept
        folded = keptFolded
    }
}
