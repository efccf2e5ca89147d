// RETR of a big message streams from the blob (RFC 1939 §5, §3): ranges of
// `pieceSize` octets are read from the store (`MailStore.messageBody(
// mailboxID:uid:offset:length:)`), turned into the wire form as they pass
// (bare CR and LF become CRLF, a line starting with "." is byte-stuffed, a
// last line without CRLF gets one) and written one piece at a time, then
// the terminating ".". The bytes are exactly those of
// `POP3Response.message(_, wireForm(whole))` after its status line, so a
// session holds one piece of the message, never all of it.
import MailStore

/// The rest of a RETR response after its `+OK` line, produced piece by
/// piece. Used by one connection task at a time.
public final class POP3BodyStream: @unchecked Sendable {
    public static let pieceSize = 64 * 1024
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A

    let store: any MailStore
    let mailboxID: MailboxID
    let uid: MessageUID
    let pieceSize: Int
    private var offset = 0
    private var finished = false
    private var previousWasCR = false
    private var atLineStart = true
    private var sawContent = false

    init(store: any MailStore, mailboxID: MailboxID, uid: MessageUID, pieceSize: Int = POP3BodyStream.pieceSize) {
        self.store = store
        self.mailboxID = mailboxID
        self.uid = uid
        self.pieceSize = pieceSize
    }

    /// The next piece to send, nil after the terminator. A read error
    /// mid-message is thrown: the connection must then close (a `-ERR`
    /// cannot follow the `+OK` already sent).
    public func next() async throws -> [UInt8]? {
        guard !finished else { return nil }
        let piece = try await store.messageBody(mailboxID: mailboxID, uid: uid, offset: offset, length: pieceSize)
        offset += piece.count
        var output: [UInt8] = []
        output.reserveCapacity(piece.count + piece.count / 32 + 8)
        for byte in piece { convert(byte, into: &output) }
        if piece.count < pieceSize {
            finish(into: &output)
            finished = true
        }
        return output
    }

    private func emit(_ byte: UInt8, into output: inout [UInt8]) {
        // RFC 1939 §3: a line starting with "." gets one more.
        if atLineStart && byte == 0x2E { output.append(0x2E) }
        output.append(byte)
        atLineStart = byte == Self.lf
        sawContent = true
    }

    private func convert(_ byte: UInt8, into output: inout [UInt8]) {
        if previousWasCR {
            previousWasCR = false
            emit(Self.lf, into: &output)
            if byte == Self.lf { return }
        }
        switch byte {
        case Self.cr:
            emit(Self.cr, into: &output)
            previousWasCR = true
        case Self.lf:
            emit(Self.cr, into: &output)
            emit(Self.lf, into: &output)
        default:
            emit(byte, into: &output)
        }
    }

    private func finish(into output: inout [UInt8]) {
        if previousWasCR {
            previousWasCR = false
            emit(Self.lf, into: &output)
        }
        if sawContent && !atLineStart {
            emit(Self.cr, into: &output)
            emit(Self.lf, into: &output)
        }
        output += Array(".\r\n".utf8)
    }
}
