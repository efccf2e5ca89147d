import Foundation
import MailCore
import MailStore

/// One message as SEARCH looks at it. What is costly is computed once, on
/// first use, and shared by every key: the parsed structure (decoded from
/// the JSON stored at delivery), and - only once the body has been read -
/// the header and the decoded text.
final class SearchCandidate {
    let sequenceNumber: UInt32
    let record: MessageRecord
    private let decoder: JSONDecoder

    /// The raw message, set by the handler when a key needs it; nil until
    /// then, and when its file is gone.
    var body: [UInt8]? {
        didSet {
            header = nil
            headerText = nil
            bodyText = nil
            if parsedIsPlaceholder {
                parsedCache = nil
                parsedIsPlaceholder = false
                folded = [:]
            }
        }
    }

    init(sequenceNumber: UInt32, record: MessageRecord, decoder: JSONDecoder, body: [UInt8]? = nil) {
        self.sequenceNumber = sequenceNumber
        self.record = record
        self.decoder = decoder
        self.body = body
    }

    var uid: MessageUID { record.uid }

    private var parsedCache: ParsedMessage?
    /// The stored structure was unreadable and no body was there to reparse.
    private var parsedIsPlaceholder = false

    /// The structure stored at delivery; reparsed from the body only when
    /// that JSON cannot be read.
    var parsed: ParsedMessage {
        if let parsedCache { return parsedCache }
        let result: ParsedMessage
        if let decoded = try? decoder.decode(ParsedMessage.self, from: Data(record.parsedStructure)) {
            result = decoded
        } else if let body {
            result = ParsedMessage.parse(body)
        } else {
            result = ParsedMessage(messageID: nil)
            parsedIsPlaceholder = true
        }
        parsedCache = result
        return result
    }

    private var folded: [String: [UInt8]] = [:]

    /// A piece of envelope text, lower-cased, computed once per name.
    func foldedEnvelope(_ name: String, _ make: (Envelope) -> String) -> [UInt8] {
        if let cached = folded[name] { return cached }
        let value = SearchText.folded(make(parsed.envelope))
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
        guard let body else { return nil }
        let text = SearchText.folded(SearchText.body(body, root: parsed.root))
        bodyText = text
        return text
    }
}
