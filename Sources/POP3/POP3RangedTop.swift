// TOP (RFC 1939 §7) reads only the part of the stored message it sends:
// ranges of `pieceSize` octets from the blob (`MailStore.messageBody(
// mailboxID:uid:offset:length:)`) until the header, the blank line and the
// requested body lines are in, so `TOP n 0` of a 30 MB message reads a few
// KiB, not 30 MB.
import MailCore
import MailStore

enum POP3RangedTop {
    static let pieceSize = 64 * 1024

    /// The text TOP sends (before dot-stuffing), the same as
    /// `POP3MessageText.top(POP3MessageText.wireForm(whole), lines:)`.
    static func text(store: any MailStore, mailboxID: MailboxID, uid: MessageUID, lines: Int) async throws
        -> [UInt8] {
        var prefix: [UInt8] = []
        while true {
            let piece = try await store.messageBody(mailboxID: mailboxID, uid: uid, offset: prefix.count,
                                                    length: pieceSize)
            prefix += piece
            if piece.count < pieceSize {
                // The whole message is in.
                return POP3MessageText.top(POP3MessageText.wireForm(prefix), lines: lines)
            }
            // A prefix that is CRLF text is its own wire form; the answer is
            // known once it ends before the last (maybe partial) line read.
            guard LineEndings.isCRLFOnly(prefix) else { continue }
            let top = POP3MessageText.top(prefix, lines: lines)
            if top.count < prefix.count { return top }
        }
    }
}
