// RETR of a big message streams from the blob (RFC 1939 §5, §3): ranges of
// `pieceSize` octets are read from the store (`MailStore.messageBody(
// mailboxID:uid:offset:length:)`), turned into the wire form as they pass
// (bare CR and LF become CRLF, a line starting with "." is byte-stuffed, a
// last line without CRLF gets one) and written one piece at a time, then
// the terminating ".". The bytes are exactly those of
// `POP3Response.message(_, wireForm(whole))` after its status line, so a
// session holds one piece of the message, never all of it.
import MailCore
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

    /// The first piece, when the caller read it already (to learn that
    /// the message is still there before answering `+OK`).
    private var firstPiece: [UInt8]?

    init(store: any MailStore, mailboxID: MailboxID, uid: MessageUID, pieceSize: Int = POP3BodyStream.pieceSize,
         firstPiece: [UInt8]? = nil) {
        self.store = store
        self.mailboxID = mailboxID
        self.uid = uid
        self.pieceSize = pieceSize
        self.firstPiece = firstPiece
    }

    /// The next piece to send, nil after the terminator. A read error
    /// mid-message is thrown: the connection must then close (a `-ERR`
    /// cannot follow the `+OK` already sent).
    public func next() async throws -> [UInt8]? {
        guard !finished else { return nil }
        let piece: [UInt8]
        if let first = firstPiece {
            piece = first
            firstPiece = nil
        } else {
            piece = try await store.messageBody(mailboxID: mailboxID, uid: uid, offset: offset, length: pieceSize)
        }
        offset += piece.count
        var output: [UInt8] = []
        output.reserveCapacity(piece.count + piece.count / 32 + 8)
        convert(piece, into: &output)
        if piece.count < pieceSize {
            finish(into: &output)
            finished = true
        }
        return output
    }

    /// `convert(_:into:)` of every byte of `piece`, with the runs between
    /// CR and LF (found with `ByteSearch`) copied whole: one pass per line
    /// rather than a call per octet.
    private func convert(_ piece: [UInt8], into output: inout [UInt8]) {
        piece.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let count = buffer.count
            /// The position of the next `byte` at or after `start`, `count` if none.
            func next(_ byte: UInt8, from start: Int) -> Int {
                ByteSearch.next(byte, in: buffer, from: start)
            }
            var index = 0
            var nextCR = -1
            var nextLF = -1
            // Each pass consumes at least one octet, or clears `previousWasCR`.
            while index < count {
                if previousWasCR {
                    // CR then anything: the line ends with CRLF here.
                    previousWasCR = false
                    emit(Self.lf, into: &output)
                    if base[index] == Self.lf { index += 1 }
                    continue
                }
                // RFC 1939 §3: a line starting with "." gets one more.
                if atLineStart && base[index] == 0x2E { output.append(0x2E) }
                if nextCR < index { nextCR = next(Self.cr, from: index) }
                if nextLF < index { nextLF = next(Self.lf, from: index) }
                let stop = min(nextCR, nextLF)
                if stop > index {
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[index..<stop]))
                    atLineStart = false
                    sawContent = true
                    index = stop
                    continue
                }
                if base[index] == Self.cr {
                    emit(Self.cr, into: &output)
                    previousWasCR = true
                } else {
                    emit(Self.cr, into: &output)
                    emit(Self.lf, into: &output)
                }
                index += 1
            }
        }
    }

    private func emit(_ byte: UInt8, into output: inout [UInt8]) {
        // RFC 1939 §3: a line starting with "." gets one more.
        if atLineStart && byte == 0x2E { output.append(0x2E) }
        output.append(byte)
        atLineStart = byte == Self.lf
        sawContent = true
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
