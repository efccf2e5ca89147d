/// FETCH data items (RFC 9051 §6.4.5, §9 `fetch-att`; BINARY RFC 3516;
/// MODSEQ RFC 7162).

/// The text part of a section specifier (`section-msgtext`, `section-text`).
public enum SectionText: Hashable, Sendable {
    case header
    case headerFields([String])
    case headerFieldsNot([String])
    case text
    /// Only after a part number.
    case mime
}

/// `section`: part numbers (`1.2.3`) and an optional text specifier.
/// An empty section (`BODY[]`) is the whole message.
public struct SectionSpecifier: Hashable, Sendable {
    public var part: [Int]
    public var text: SectionText?

    public init(part: [Int] = [], text: SectionText? = nil) {
        self.part = part
        self.text = text
    }

    public static let complete = SectionSpecifier()
}

/// `<offset.length>` in a fetch request.
public struct PartialRange: Hashable, Sendable {
    public var offset: UInt32
    public var length: UInt32

    public init(offset: UInt32, length: UInt32) {
        self.offset = offset
        self.length = length
    }
}

/// One FETCH data item. The macros ALL, FAST and FULL are expanded by the
/// parser (RFC 9051 §6.4.5).
public enum FetchAttribute: Hashable, Sendable {
    case envelope
    case flags
    case internalDate
    case rfc822Size
    case rfc822
    case rfc822Header
    case rfc822Text
    /// BODY without a section: the non-extensible BODYSTRUCTURE.
    case body
    case bodyStructure
    case uid
    case modSeq
    /// OBJECTID (RFC 8474 §5): the message's EMAILID and THREADID.
    case emailID
    case threadID
    /// SAVEDATE (RFC 8514 §4.1).
    case saveDate
    /// PREVIEW (RFC 8970 §3): with or without LAZY, always computed.
    case preview
    case bodySection(SectionSpecifier, partial: PartialRange?, peek: Bool)
    case binary(part: [Int], partial: PartialRange?, peek: Bool)
    case binarySize(part: [Int])

    public static let all: [FetchAttribute] = [.flags, .internalDate, .rfc822Size, .envelope]
    public static let fast: [FetchAttribute] = [.flags, .internalDate, .rfc822Size]
    public static let full: [FetchAttribute] = [.flags, .internalDate, .rfc822Size, .envelope, .body]
}

/// FETCH modifiers (RFC 7162 §3.1.4, §3.2.6).
public enum FetchModifier: Hashable, Sendable {
    case changedSince(UInt64)
    case vanished
    case other(String, ExtensionValue?)
}
