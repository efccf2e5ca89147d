// The message `tern sendmail` read, made fit to store and send, as
// Postfix's cleanup does for local submissions: CRLF line endings; a
// leading mbox "From " line dropped; Bcc: fields removed; the fields
// RFC 5322 §3.6 requires (Date:, From:) and Message-ID: (§3.6.4 SHOULD)
// added when missing, at the end of the header section; input that does
// not start with a header field is all body. NUL octets and lines over
// 998 octets (RFC 5322 §2.1.1) are refused (EX_DATAERR).
import Foundation
import MailCore

public struct SendmailMessage: Sendable, Equatable {
    /// The message as it will be stored and queued (trace fields are added on delivery).
    public var body: [UInt8]
    /// The mailboxes of the To:, Cc: and Bcc: fields, in order (for -t);
    /// the domain may be missing.
    public var headerRecipients: [MailboxAddress]

    /// RFC 5322 §2.1.1: at most 998 characters before the CRLF.
    public static let maxLineLength = 998
    /// The fields `-t` reads recipients from.
    static let recipientFields = ["To", "Cc", "Bcc"]

    /// - Parameters:
    ///   - from: the address for a From: field that has to be added.
    ///   - fullName: its display name (-F).
    ///   - messageID: the id part of a Message-ID that has to be added (`<messageID>`).
    public static func prepare(_ input: [UInt8], from: String, fullName: String?, date: Date,
                               messageID: String) throws(SendmailError) -> SendmailMessage {
        if input.contains(0) {
            throw .data("the message contains NUL octets (binary data must be MIME-encoded)")
        }
        var text = LineEndings.normalizeToCRLF(input)
        if text.starts(with: Array("From ".utf8)) {
            // An mbox separator line, as some scripts pipe it.
            text.removeSubrange(..<(lineEnd(text, from: 0)))
        }
        try checkLineLengths(text)
        let (headerEnd, hasEmptyLine) = headerSection(text)
        let header = MessageHeader.parse(text, in: 0..<headerEnd)
        let recipients = recipientFields.flatMap { name in
            header.fields(named: name).flatMap { field in
                AddressListParser.parse(field.unfoldedBytes).flatMap { entry -> [MailboxAddress] in
                    switch entry {
                    case .mailbox(let mailbox): [mailbox]
                    case .group(_, let members): members
                    }
                }
            }
        }

        var added: [String] = []
        if header.field("Date") == nil {
            let offset = TimeZone.current.secondsFromGMT(for: date) / 60
            let stamp = MailDate(secondsSinceEpoch: Int64(date.timeIntervalSince1970), zoneOffsetMinutes: offset)
            added.append("Date: \(stamp.rfc5322)")
        }
        if header.field("From") == nil {
            let name = fullName.flatMap(EncodedWords.phrase)
            added.append("From: " + (name.map { "\($0) <\(from)>" } ?? from))
        }
        if header.field("Message-ID") == nil {
            added.append("Message-ID: <\(messageID)>")
        }

        var head = Array(text[..<headerEnd])
        // Bcc: is for the envelope only (RFC 5322 §3.6.3); later fields first, so offsets hold.
        for field in header.fields(named: "Bcc").reversed() {
            head.removeSubrange(field.offset..<(field.offset + field.length))
        }
        if !head.isEmpty && head.last != lf { head += crlf }
        for line in added { head += Array((line + "\r\n").utf8) }
        let rest = text[headerEnd...]
        let body = head + (hasEmptyLine ? [] : crlf) + rest
        return SendmailMessage(body: body, headerRecipients: recipients)
    }

    /// Where the header section ends: at its empty line (true), or at the
    /// first line that is neither a field nor a folded continuation, or at
    /// the end (false: an empty line has to be inserted there).
    static func headerSection(_ text: [UInt8]) -> (end: Int, hasEmptyLine: Bool) {
        var position = 0
        while position < text.count {
            let end = lineEnd(text, from: position)
            let contentEnd = contentEnd(text, line: position..<end)
            if contentEnd == position { return (position, true) }
            let isContinuation = position > 0 && (text[position] == 0x20 || text[position] == 0x09)
            if !isContinuation && MessageHeader.fieldNameEnd(text, from: position, to: contentEnd) == nil {
                return (position, false)
            }
            position = end
        }
        return (text.count, false)
    }

    static let lf: UInt8 = 0x0A
    static let crlf: [UInt8] = [0x0D, 0x0A]

    /// Where the line's content ends (before its CRLF or LF).
    static func contentEnd(_ text: [UInt8], line: Range<Int>) -> Int {
        var end = line.upperBound
        if end > line.lowerBound && text[end - 1] == lf { end -= 1 }
        if end > line.lowerBound && text[end - 1] == 0x0D { end -= 1 }
        return end
    }

    /// Just past the LF of the line starting at `start`, or the end.
    static func lineEnd(_ text: [UInt8], from start: Int) -> Int {
        var index = start
        while index < text.count && text[index] != lf { index += 1 }
        return min(text.count, index + 1)
    }

    static func checkLineLengths(_ text: [UInt8]) throws(SendmailError) {
        var start = 0
        var number = 1
        while start < text.count {
            let end = lineEnd(text, from: start)
            if contentEnd(text, line: start..<end) - start > maxLineLength {
                throw .data("line \(number) is longer than \(maxLineLength) characters (RFC 5322 §2.1.1)")
            }
            start = end
            number += 1
        }
    }
}
