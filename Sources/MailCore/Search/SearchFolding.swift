/// How searches compare text: case-insensitive substring matching on
/// lower-cased UTF-8 (IMAP SEARCH, RFC 9051 §6.4.4; the `tern mailbox
/// search` queries). One definition, used when the store precomputes the
/// searchable text of a message (`EnvelopeSearchText`) and when a search
/// folds what it reads itself, so both always agree.
public enum SearchFolding {
    /// Text lower-cased for matching.
    public static func fold(_ text: String) -> String {
        text.lowercased()
    }

    /// A needle from a client's bytes (UTF-8 or US-ASCII), lower-cased.
    public static func needle(_ bytes: [UInt8]) -> [UInt8] {
        Array(fold(String(decoding: bytes, as: UTF8.self)).utf8)
    }

    /// True when `needle` occurs in `haystack` (both already folded).
    public static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        haystack.withUnsafeBufferPointer { contains($0, needle) }
    }

    /// True when `needle` occurs in the UTF-8 of `haystack` (already
    /// folded), without copying it.
    public static func contains(_ haystack: String, _ needle: [UInt8]) -> Bool {
        var haystack = haystack
        return haystack.withUTF8 { contains($0, needle) }
    }

    private static func contains(_ haystack: UnsafeBufferPointer<UInt8>, _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        guard haystack.count >= needle.count else { return false }
        return needle.withUnsafeBufferPointer { needle in
            let first = needle[0]
            var index = 0
            let last = haystack.count - needle.count
            while index <= last {
                if haystack[index] == first {
                    var offset = 1
                    while offset < needle.count && haystack[index + offset] == needle[offset] { offset += 1 }
                    if offset == needle.count { return true }
                }
                index += 1
            }
            return false
        }
    }

    /// An address list as one string: `Name <local@domain>` per address,
    /// display names with RFC 2047 words decoded (what FROM, TO, CC and
    /// BCC search, and what a listing shows).
    public static func addresses(_ list: [EnvelopeAddress]) -> String {
        list.map { address in
            var text = ""
            if let name = address.name { text += EncodedWords.decode(name) + " " }
            if let mailbox = address.mailbox {
                text += "<" + mailbox
                if let host = address.host { text += "@" + host }
                text += ">"
            }
            return text
        }.joined(separator: ", ")
    }
}

/// The searchable text of a message's envelope, decoded and folded once
/// when the message is stored, so SUBJECT, FROM, TO, CC, BCC and
/// `HEADER Subject` searches compare strings instead of decoding the
/// stored structure of every message.
public struct EnvelopeSearchText: Sendable, Hashable {
    /// The Subject with RFC 2047 words decoded, folded.
    public var subject: String
    /// The From, To, Cc and Bcc lists as `SearchFolding.addresses` gives them, folded.
    public var from: String
    public var to: String
    public var cc: String
    public var bcc: String

    public init(subject: String, from: String, to: String, cc: String, bcc: String) {
        self.subject = subject
        self.from = from
        self.to = to
        self.cc = cc
        self.bcc = bcc
    }

    /// The searchable text of `envelope` (an empty one for a message
    /// without a parsed envelope).
    public init(_ envelope: Envelope) {
        self.init(subject: SearchFolding.fold(EncodedWords.decode(envelope.subject ?? "")),
                  from: SearchFolding.fold(SearchFolding.addresses(envelope.from)),
                  to: SearchFolding.fold(SearchFolding.addresses(envelope.to)),
                  cc: SearchFolding.fold(SearchFolding.addresses(envelope.cc)),
                  bcc: SearchFolding.fold(SearchFolding.addresses(envelope.bcc)))
    }
}
