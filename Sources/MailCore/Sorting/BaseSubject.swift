/// The "base subject" of a message (RFC 5256 §2.1): its Subject with the
/// artifacts that mail software adds removed ("Re:", "Fwd:", "[list]",
/// "(fwd)", "[fwd: …]"), used by SORT SUBJECT (§3) and by both THREAD
/// algorithms (§4).
public struct BaseSubject: Sendable, Hashable {
    /// The base subject, UTF-8, whitespace runs made one space.
    public var text: String
    /// True when the extraction removed a reply or forward marker: a
    /// subj-refwd ("Re:", "Fw:", "Fwd:", with blobs), a "(fwd)" trailer or
    /// a "[fwd: …]" wrapper (RFC 5256 §4, REFERENCES step (5)). A leading
    /// "[list]" blob alone does not count.
    public var isReplyOrForward: Bool
    /// The i;ascii-casemap key (`UnicodeCasemap`) that base subjects are
    /// compared by.
    public var comparisonKey: [UInt8]

    /// The base subject of a raw Subject field value (the unfolded bytes
    /// after "Subject:", RFC 2047 encoded words still encoded). A missing
    /// Subject is the empty string.
    public init(rawSubject: [UInt8]?) {
        let decoded = Array(EncodedWords.decode(ByteText.string(rawSubject ?? [])).utf8)
        var extraction = Extraction(text: Self.normalizedWhitespace(decoded))
        extraction.run()
        let bytes = Array(extraction.text[extraction.start..<extraction.end])
        text = ByteText.string(bytes)
        isReplyOrForward = extraction.isReplyOrForward
        comparisonKey = UnicodeCasemap.key(bytes)
    }

    /// The base subject of a Subject value given as text.
    public init(_ subject: String) {
        self.init(rawSubject: Array(subject.utf8))
    }

    /// Step (1), after RFC 2047 decoding: tabs, line breaks (continuations)
    /// and runs of them become one space.
    static func normalizedWhitespace(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var lastWasSpace = false
        for byte in bytes {
            if ByteText.isWhitespace(byte) {
                if !lastWasSpace { output.append(ByteText.space) }
                lastWasSpace = true
            } else {
                output.append(byte)
                lastWasSpace = false
            }
        }
        return output
    }

    /// Steps (2) to (6) of RFC 5256 §2.1 over `text[start..<end]`; only the
    /// bounds move, nothing is copied.
    struct Extraction {
        let text: [UInt8]
        var start = 0
        var end: Int
        var isReplyOrForward = false

        init(text: [UInt8]) {
            self.text = text
            end = text.count
        }

        mutating func run() {
            repeat {
                removeTrailers()
                // (5) Repeat (3) and (4) until no matches remain.
                while true {
                    let removedLeader = removeLeader()
                    let removedBlob = removeBlobBeforeNonEmptyText()
                    if !removedLeader && !removedBlob { break }
                }
            } while removeForwardWrapper()
        }

        /// (2) subj-trailer = "(fwd)" / WSP, removed from the end repeatedly.
        mutating func removeTrailers() {
            while end > start {
                if text[end - 1] == ByteText.space {
                    end -= 1
                } else if UnicodeCasemap.hasPrefix(text, "(fwd)", at: end - 5, end: end), end - 5 >= start {
                    end -= 5
                    isReplyOrForward = true
                } else {
                    return
                }
            }
        }

        /// (3) subj-leader = (*subj-blob subj-refwd) / WSP, where
        /// subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":".
        /// True when something was removed.
        mutating func removeLeader() -> Bool {
            guard start < end else { return false }
            if text[start] == ByteText.space {
                start += 1
                return true
            }
            var position = start
            while position < end && text[position] == 0x5B {
                guard let afterBlob = blobEnd(from: position) else { return false }
                position = afterBlob
            }
            if UnicodeCasemap.hasPrefix(text, "re", at: position, end: end) {
                position += 2
            } else if UnicodeCasemap.hasPrefix(text, "fw", at: position, end: end) {
                position += 2
                if UnicodeCasemap.hasPrefix(text, "d", at: position, end: end) { position += 1 }
            } else {
                return false
            }
            while position < end && text[position] == ByteText.space { position += 1 }
            if position < end && text[position] == 0x5B {
                guard let afterBlob = blobEnd(from: position) else { return false }
                position = afterBlob
            }
            guard position < end && text[position] == 0x3A else { return false }
            start = position + 1
            isReplyOrForward = true
            return true
        }

        /// (4) A leading subj-blob is removed when text remains after it
        /// (the last blob is the base subject when nothing else is left).
        mutating func removeBlobBeforeNonEmptyText() -> Bool {
            guard start < end, text[start] == 0x5B, let afterBlob = blobEnd(from: start), afterBlob < end else {
                return false
            }
            start = afterBlob
            return true
        }

        /// (6) "[fwd:" … "]" around the whole text is removed, then the
        /// steps start again from (2).
        mutating func removeForwardWrapper() -> Bool {
            guard end - start >= 6, UnicodeCasemap.hasPrefix(text, "[fwd:", at: start, end: end),
                  text[end - 1] == 0x5D else { return false }
            start += 5
            end -= 1
            isReplyOrForward = true
            return true
        }

        /// Where the subj-blob "[" *BLOBCHAR "]" *WSP that starts at
        /// `position` ends, or nil when there is none. BLOBCHAR is any byte
        /// but "[" and "]"; like Dovecot, non-ASCII (decoded UTF-8) is
        /// accepted although the ABNF lists only %x01-7F.
        func blobEnd(from position: Int) -> Int? {
            var index = position + 1
            while index < end && text[index] != 0x5B && text[index] != 0x5D { index += 1 }
            guard index < end, text[index] == 0x5D else { return nil }
            index += 1
            while index < end && text[index] == ByteText.space { index += 1 }
            return index
        }
    }
}
