// Reads a DATA message (RFC 5321 §4.1.1.4, §4.5.2) as a state machine, with the
// terminator recognised only as CRLF "." CRLF; see SMTPInputDecoder.swift.
// The content it has produced and nobody has taken yet is `body`: the
// session takes it after every read (`take()`) and writes it to the
// message's spool file, so only one network read's worth is ever held.

import MailCore

struct DataReader: Sendable {
    /// Where the reader is within the current line.
    enum Position: Sendable {
        /// Just after a CRLF (or at the start): a "." here is special.
        case lineStart
        /// Inside a line, or after a bare line end (a "." there is plain data).
        case middle
        /// After a CR, waiting for LF.
        case afterCR
        /// After a "." at a line start.
        case afterDot
        /// After "." CR at a line start: LF here ends the message.
        case afterDotCR
    }

    let maximumSize: Int
    let maximumLineLength: Int?
    let normalizeBareLineEndings: Bool
    private(set) var position: Position = .lineStart
    private(set) var body: [UInt8] = []
    /// Octets of message content seen, kept or not.
    private(set) var size = 0
    private var lineLength = 0
    private(set) var rejection: SMTPDataRejection?

    init(maximumSize: Int, maximumLineLength: Int?, normalizeBareLineEndings: Bool) {
        self.maximumSize = maximumSize
        self.maximumLineLength = maximumLineLength
        self.normalizeBareLineEndings = normalizeBareLineEndings
    }

    /// The content produced since the last call, given away.
    mutating func take() -> [UInt8] {
        defer { body.removeAll(keepingCapacity: true) }
        return body
    }

    /// True once the message is refused (its content is dropped as it comes).
    var isRejected: Bool { rejection != nil }

    /// Consumes `input` up to and including the terminator; returns the
    /// finished message (or its rejection) and the number of octets consumed.
    /// Inside a line the octets up to the next CR or LF are one plain run
    /// (found with memchr) and handled at once; the state machine sees
    /// only line ends, dots at line starts and the first octet of a line.
    mutating func read(_ input: ArraySlice<UInt8>) -> (SMTPInputEvent?, Int) {
        input.withUnsafeBufferPointer { buffer in
            var index = 0
            while index < buffer.count {
                if position == .middle {
                    let end = Self.plainRunEnd(buffer, from: index)
                    if end > index {
                        emitRun(UnsafeBufferPointer(rebasing: buffer[index..<end]))
                        index = end
                        continue
                    }
                }
                let byte = buffer[index]
                index += 1
                if consume(byte) {
                    let event: SMTPInputEvent = rejection.map { .messageRejected($0) } ?? .message(body)
                    body = []
                    return (event, index)
                }
            }
            return (nil, buffer.count)
        }
    }

    /// The end of the run of octets from `start` that are neither CR nor LF.
    static func plainRunEnd(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        let cr = ByteSearch.next(SMTPInputDecoder.cr, in: buffer, from: start)
        let window = UnsafeBufferPointer(rebasing: buffer[..<cr])
        return ByteSearch.next(SMTPInputDecoder.lf, in: window, from: start)
    }

    /// `emit` of each octet of a run inside a line (no CR, no LF), at once:
    /// the same counts, and the same first rejection at the same octet
    /// (the line bound is checked before the size bound, as in `emit`).
    private mutating func emitRun(_ run: UnsafeBufferPointer<UInt8>) {
        let count = run.count
        if rejection == nil {
            // How many more octets each bound lets through.
            let lineRoom = maximumLineLength.map { $0 - 2 - lineLength } ?? Int.max
            let sizeRoom = maximumSize - size
            if lineRoom < count && lineRoom <= sizeRoom {
                reject(.lineTooLong)
            } else if sizeRoom < count {
                reject(.tooLarge)
            } else {
                body.append(contentsOf: run)
            }
        }
        size += count
        lineLength += count
    }

    /// One octet; true when it completed the terminator.
    private mutating func consume(_ byte: UInt8) -> Bool {
        switch position {
        case .lineStart:
            switch byte {
            case SMTPInputDecoder.dot: position = .afterDot
            case SMTPInputDecoder.cr: position = .afterCR
            case SMTPInputDecoder.lf: bareLineFeed()
            default:
                emit(byte)
                position = .middle
            }
        case .middle:
            inLine(byte)
        case .afterCR:
            if byte == SMTPInputDecoder.lf {
                endLine()
                position = .lineStart
            } else {
                bareCarriageReturn()
                inLine(byte)
            }
        case .afterDot:
            switch byte {
            case SMTPInputDecoder.cr:
                position = .afterDotCR
            case SMTPInputDecoder.lf:
                // ".\n": not a terminator; the dot stays as data.
                emit(SMTPInputDecoder.dot)
                bareLineFeed()
            default:
                // RFC 5321 §4.5.2: the first "." of a line with more on it is deleted.
                emit(byte)
                position = .middle
            }
        case .afterDotCR:
            if byte == SMTPInputDecoder.lf { return true }
            // ".\r" then something else: a bare CR after a lone dot.
            emit(SMTPInputDecoder.dot)
            bareCarriageReturn()
            inLine(byte)
        }
        return false
    }

    /// A byte inside a line (or right after a bare line end).
    private mutating func inLine(_ byte: UInt8) {
        switch byte {
        case SMTPInputDecoder.cr: position = .afterCR
        case SMTPInputDecoder.lf: bareLineFeed()
        default:
            emit(byte)
            position = .middle
        }
    }

    /// An LF without CR: refused, or kept as CRLF; either way the next
    /// byte is NOT at a line start, so no "." after it can end the message.
    private mutating func bareLineFeed() {
        violation(.bareLineFeed)
        position = .middle
    }

    /// A CR without LF; the caller handles the byte that followed it.
    private mutating func bareCarriageReturn() {
        violation(.bareCarriageReturn)
        position = .middle
    }

    private mutating func violation(_ kind: SMTPDataRejection) {
        if normalizeBareLineEndings {
            endLine()
        } else {
            reject(kind)
        }
    }

    private mutating func endLine() {
        emit(SMTPInputDecoder.cr)
        emit(SMTPInputDecoder.lf)
        lineLength = 0
    }

    private mutating func emit(_ byte: UInt8) {
        size += 1
        if byte != SMTPInputDecoder.cr && byte != SMTPInputDecoder.lf {
            lineLength += 1
            // RFC 5321 §4.5.3.1.6: 1000 octets with the CRLF.
            if let maximumLineLength, lineLength > maximumLineLength - 2 { reject(.lineTooLong) }
        }
        if size > maximumSize { reject(.tooLarge) }
        if rejection == nil { body.append(byte) }
    }

    /// Keeps nothing more of the message; it ends as `.messageRejected(kind)`
    /// (the first rejection wins).
    mutating func reject(_ kind: SMTPDataRejection) {
        guard rejection == nil else { return }
        rejection = kind
        body = []
    }
}
