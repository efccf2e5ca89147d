// The byte-level input side of an SMTP server session: turns the client's
// bytes into command lines, DATA messages and BDAT chunks. Pure: no I/O, no
// store; the session owns one and switches its mode after DATA and BDAT.
//
// Bounds (nothing grows without limit):
// - a command line is at most 512 octets with CRLF (RFC 5321 §4.5.3.1.4),
//   12288 for AUTH and SASL responses (RFC 4954 §4); a longer one is
//   dropped through its LF and reported once as `.lineTooLong`;
// - DATA keeps at most `maximumSize` octets (RFC 1870), then only counts;
// - a BDAT chunk is read to its exact size (RFC 3030 §2), kept or dropped.
//
// DATA ends ONLY at CRLF "." CRLF (RFC 5321 §4.1.1.4). A lone LF or CR never
// starts or ends the terminator, so `\n.\n`, `\r.\n`, `\n.\r\n`, `\r\n.\n`
// can't end a message early (SMTP smuggling, CVE-2023-51766). Bare LF and
// bare CR (RFC 5321 §2.3.8) either reject the message or become CRLF.

/// What the decoder found in the client's bytes.
public enum SMTPInputEvent: Sendable, Equatable {
    /// A command line (or SASL response) without its line ending.
    case line([UInt8])
    /// A command line over the bound; its bytes were dropped through its LF.
    case lineTooLong
    /// A complete DATA message: unstuffed, CRLF line ends, without the final
    /// "." — the octets not yet taken with `takeMessageBytes()` (all of it
    /// when nobody took any).
    case message([UInt8])
    /// DATA ended (at CRLF.CRLF) but the message was refused; nothing was kept.
    case messageRejected(SMTPDataRejection)
    /// A complete BDAT chunk (empty when it was read with `keep: false`):
    /// the octets not yet taken with `takeMessageBytes()`.
    case chunk([UInt8], last: Bool)
}

/// Why a DATA message was refused.
public enum SMTPDataRejection: Sendable, Equatable {
    /// An LF not preceded by CR.
    case bareLineFeed
    /// A CR not followed by LF.
    case bareCarriageReturn
    /// Over the maximum message size (RFC 1870).
    case tooLarge
    /// A text line over the bound (RFC 5321 §4.5.3.1.6: 1000 octets with CRLF).
    case lineTooLong
    /// Dropped as it arrived: the server holds too much message data now
    /// (see `InFlightMessageBytes`); temporary.
    case insufficientStorage
}

public struct SMTPInputDecoder: Sendable {
    public static let cr: UInt8 = 0x0D
    public static let lf: UInt8 = 0x0A
    public static let dot: UInt8 = 0x2E

    /// Longest command line without its line ending.
    public let maxCommandLineLength: Int
    /// Longest AUTH line or SASL response without its line ending.
    public let maxAuthLineLength: Int

    private enum Mode: Sendable {
        case commands
        case data(DataReader)
        case chunk(ChunkReader)
    }

    private var mode: Mode = .commands
    private var buffer: [UInt8] = []
    /// Start of the bytes not consumed yet.
    private var readIndex = 0
    /// Where the search for the next LF resumes.
    private var scanIndex = 0
    /// True while dropping the rest of an overlong command line.
    private var discardingLine = false
    /// The next line is a SASL response and may be long.
    private var longLineAllowed = false

    public init(maxCommandLineLength: Int = SMTPCommandParser.maxLineLength,
                maxAuthLineLength: Int = SMTPCommandParser.maxAuthLineLength) {
        self.maxCommandLineLength = maxCommandLineLength
        self.maxAuthLineLength = maxAuthLineLength
    }

    /// Bytes received and not yet turned into events.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// True while a DATA message or a BDAT chunk is being read.
    public var isReadingMessage: Bool {
        if case .commands = mode { return false }
        return true
    }

    /// Octets of message data held for the message or chunk being read and
    /// not taken yet: a DATA message's kept content, or what remains of a
    /// kept BDAT chunk's declared size.
    public var heldMessageBytes: Int {
        switch mode {
        case .commands: 0
        case .data(let reader): reader.body.count
        case .chunk(let reader): reader.keep ? reader.bytes.count + reader.remaining : 0
        }
    }

    /// Gives away the message content decoded so far and not taken yet
    /// (the session writes it to the spool file after every read), so
    /// the decoder never holds more than one read's worth.
    public mutating func takeMessageBytes() -> [UInt8] {
        switch mode {
        case .commands:
            return []
        case .data(var reader):
            mode = .commands
            let bytes = reader.take()
            mode = .data(reader)
            return bytes
        case .chunk(var reader):
            mode = .commands
            let bytes = reader.take()
            mode = .chunk(reader)
            return bytes
        }
    }

    /// True while reading a DATA message that is already refused.
    public var isDroppingMessage: Bool {
        if case .data(let reader) = mode { return reader.isRejected }
        return false
    }

    /// Stops keeping the DATA message or BDAT chunk being read (its
    /// octets are still read, up to its end, and dropped). A DATA message
    /// then ends as `.messageRejected(reason)`; a chunk as an empty `.chunk`.
    public mutating func dropMessage(_ reason: SMTPDataRejection) {
        switch mode {
        case .commands:
            return
        case .data(var reader):
            mode = .commands
            reader.reject(reason)
            mode = .data(reader)
        case .chunk(var reader):
            mode = .commands
            reader.drop()
            mode = .chunk(reader)
        }
    }

    /// Adds bytes read from the connection.
    public mutating func append(_ bytes: [UInt8]) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    /// Appends `bytes` and returns every event they complete, in the current
    /// mode (for callers that don't switch modes in between, such as tests).
    public mutating func receive(_ bytes: [UInt8]) -> [SMTPInputEvent] {
        append(bytes)
        var events: [SMTPInputEvent] = []
        while let event = next() { events.append(event) }
        return events
    }

    /// The next event, or nil when more bytes are needed.
    public mutating func next() -> SMTPInputEvent? {
        defer { compact() }
        switch mode {
        case .commands:
            return nextLine()
        case .data(var reader):
            mode = .commands  // keeps `reader` uniquely referenced while it grows
            let (event, consumed) = reader.read(buffer[readIndex...])
            readIndex += consumed
            if event == nil { mode = .data(reader) }
            scanIndex = readIndex
            return event
        case .chunk(var reader):
            mode = .commands
            let (event, consumed) = reader.read(buffer[readIndex...])
            readIndex += consumed
            if event == nil { mode = .chunk(reader) }
            scanIndex = readIndex
            return event
        }
    }

    /// After the 354 reply to DATA: read a message up to CRLF.CRLF.
    public mutating func beginData(maximumSize: Int, maximumLineLength: Int?, normalizeBareLineEndings: Bool) {
        mode = .data(DataReader(maximumSize: maximumSize, maximumLineLength: maximumLineLength,
                                normalizeBareLineEndings: normalizeBareLineEndings))
    }

    /// After a BDAT command: read exactly `size` octets, keeping them or not.
    public mutating func beginChunk(size: Int, last: Bool, keep: Bool) {
        mode = .chunk(ChunkReader(remaining: size, last: last, keep: keep))
    }

    /// The next line is a SASL response (RFC 4954 §4: up to 12288 octets).
    public mutating func allowLongLine() {
        longLineAllowed = true
    }

    /// Drops every byte received and not yet consumed (after STARTTLS,
    /// RFC 3207 §4.2: nothing sent before the handshake may be acted on).
    public mutating func discardBufferedInput() {
        buffer.removeAll()
        readIndex = 0
        scanIndex = 0
        discardingLine = false
        longLineAllowed = false
        mode = .commands
    }

    // MARK: Command lines

    private mutating func nextLine() -> SMTPInputEvent? {
        if discardingLine {
            guard let lf = buffer[readIndex...].firstIndex(of: Self.lf) else {
                readIndex = buffer.count
                scanIndex = readIndex
                return nil
            }
            readIndex = lf + 1
            scanIndex = readIndex
            discardingLine = false
            longLineAllowed = false
            return .lineTooLong
        }
        let limit = currentLineLimit()
        guard let lf = buffer[scanIndex...].firstIndex(of: Self.lf) else {
            scanIndex = buffer.count
            // Without its line end the line is already over the bound (+1 for a CR).
            if buffer.count - readIndex > limit + 1 {
                discardingLine = true
                readIndex = buffer.count
                scanIndex = readIndex
            }
            return nil
        }
        var end = lf
        if end > readIndex && buffer[end - 1] == Self.cr { end -= 1 }
        let line = Array(buffer[readIndex..<end])
        readIndex = lf + 1
        scanIndex = readIndex
        longLineAllowed = false
        return line.count > limit ? .lineTooLong : .line(line)
    }

    /// 512 octets for a command (510 without CRLF); more for AUTH lines and SASL responses.
    private func currentLineLimit() -> Int {
        if longLineAllowed { return maxAuthLineLength }
        let start = buffer[readIndex...].prefix(5).map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }
        return start == Array("AUTH ".utf8) ? maxAuthLineLength : maxCommandLineLength
    }

    /// Drops consumed bytes so the buffer holds only what is still unread.
    private mutating func compact() {
        guard readIndex > 0 else { return }
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.count <= 65536)
        } else if readIndex > 16384 {
            buffer.removeFirst(readIndex)
        } else {
            return
        }
        scanIndex -= readIndex
        readIndex = 0
    }
}

/// Reads one BDAT chunk of an exact size (RFC 3030 §2).
struct ChunkReader: Sendable {
    var remaining: Int
    let last: Bool
    private(set) var keep: Bool
    var bytes: [UInt8] = []

    init(remaining: Int, last: Bool, keep: Bool) {
        self.remaining = remaining
        self.last = last
        self.keep = keep
        if keep { bytes.reserveCapacity(min(remaining, 1 << 16)) }
    }

    /// The chunk's octets read since the last call, given away.
    mutating func take() -> [UInt8] {
        defer { bytes.removeAll(keepingCapacity: true) }
        return bytes
    }

    /// Keeps nothing more, and forgets what was kept.
    mutating func drop() {
        keep = false
        bytes = []
    }

    /// Consumes up to `remaining` octets of `input`; returns the chunk once complete.
    mutating func read(_ input: ArraySlice<UInt8>) -> (SMTPInputEvent?, Int) {
        let count = min(remaining, input.count)
        if keep { bytes.append(contentsOf: input.prefix(count)) }
        remaining -= count
        return (remaining == 0 ? .chunk(bytes, last: last) : nil, count)
    }
}
