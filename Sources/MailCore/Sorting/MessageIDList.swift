/// Reading the Message IDs of Message-ID, In-Reply-To and References fields
/// for THREAD=REFERENCES (RFC 5256 §4), normalized so that IDs written with
/// different quoting match: `<"01KF8JCEOCBS0045PS"@xxx.yyy.com>` and
/// `<01KF8JCEOCBS0045PS@xxx.yyy.com>` are one ID. A normalized ID is the
/// text between "<" and ">" with quotes, quoted-pair backslashes, comments
/// and whitespace removed; IDs are then compared octet by octet (case
/// matters).
enum MessageIDList {
    /// At most this many references of one message are used: the last
    /// ones of its References field (the nearest ancestors). A References
    /// field of 10,000 IDs costs a scan of its bytes, not 10,000 links.
    static let maxReferences = 100

    /// The first valid ID in a Message-ID or In-Reply-To value.
    static func first(in value: [UInt8]?) -> [UInt8]? {
        guard let value else { return nil }
        var first: [UInt8]? = nil
        forEachID(in: value) { id in
            first = id
            return false
        }
        return first
    }

    /// The references of a message (RFC 5256 §4): the valid IDs of its
    /// References field (the last `maxReferences` of them), or else the
    /// first valid ID of its In-Reply-To field, or none.
    static func references(references: [UInt8]?, inReplyTo: [UInt8]?) -> [[UInt8]] {
        var ids: [[UInt8]] = []
        if let references {
            forEachID(in: references) { id in
                ids.append(id)
                return true
            }
        }
        if ids.count > maxReferences { ids.removeFirst(ids.count - maxReferences) }
        if ids.isEmpty, let parent = first(in: inReplyTo) { ids = [parent] }
        return ids
    }

    /// Calls `body` with each valid msg-id (RFC 5322 §3.6.4: "<" id-left
    /// "@" id-right ">") in `value`, in order, until it returns false.
    /// Comments between IDs are skipped; an ID without exactly one "@"
    /// (outside quotes) with text on both sides is not valid.
    static func forEachID(in value: [UInt8], _ body: ([UInt8]) -> Bool) {
        var index = 0
        while index < value.count {
            switch value[index] {
            case 0x28:
                index = commentEnd(value, from: index)
            case 0x3C:
                let (id, next) = readID(value, from: index + 1)
                index = next
                if let id, !body(id) { return }
            default:
                index += 1
            }
        }
    }

    /// Reads one ID after its "<"; returns it (nil when invalid) and where
    /// scanning goes on: after the ">", or at a "<" that starts over.
    private static func readID(_ value: [UInt8], from start: Int) -> (id: [UInt8]?, next: Int) {
        var id: [UInt8] = []
        var atSigns = 0
        var atPosition = 0
        var index = start
        var inQuotes = false
        while index < value.count {
            let byte = value[index]
            if inQuotes {
                if byte == 0x5C, index + 1 < value.count {
                    id.append(value[index + 1])
                    index += 2
                    continue
                }
                if byte == 0x22 { inQuotes = false } else if byte != ByteText.cr && byte != ByteText.lf { id.append(byte) }
                index += 1
                continue
            }
            switch byte {
            case 0x3E:
                let valid = atSigns == 1 && atPosition > 0 && atPosition < id.count - 1
                return (valid ? id : nil, index + 1)
            case 0x3C:
                // A "<" before the ">": the text so far was no ID.
                return (nil, index)
            case 0x22:
                inQuotes = true
                index += 1
            case 0x28:
                index = commentEnd(value, from: index)
            case 0x40:
                atSigns += 1
                atPosition = id.count
                id.append(byte)
                index += 1
            default:
                if !ByteText.isWhitespace(byte) { id.append(byte) }
                index += 1
            }
        }
        return (nil, value.count)
    }

    /// The index after the comment (nested, with quoted pairs) that starts
    /// at `start`, or the end of the value when it is not closed.
    private static func commentEnd(_ value: [UInt8], from start: Int) -> Int {
        var depth = 0
        var index = start
        while index < value.count {
            switch value[index] {
            case 0x5C: index += 1
            case 0x28: depth += 1
            case 0x29:
                depth -= 1
                if depth == 0 { return index + 1 }
            default: break
            }
            index += 1
        }
        return value.count
    }
}
