/// Splits a byte stream into lines, with a hard bound on line length.
///
/// Lines end with CRLF or a bare LF (RFC 1939 §3 asks for CRLF; being lenient
/// about bare LF costs nothing). NUL and other bytes are passed through: the
/// protocol session decides what to reject. A line longer than
/// `maxLineLength` is dropped up to its end and reported as `.overlong`, so
/// memory stays bounded by `maxLineLength` plus one appended chunk.
///
/// Pure value type: no I/O, used by the connection loop and tested alone.
struct LineFramer {
    enum Frame: Equatable {
        /// One line without its line ending.
        case line([UInt8])
        /// A line over the bound was discarded up to its line ending.
        case overlong
    }

    /// The longest line accepted, in octets, without the line ending.
    let maxLineLength: Int

    private var buffer: [UInt8] = []
    /// Start of the unconsumed bytes in `buffer`.
    private var readIndex = 0
    /// Where the search for the next LF resumes (avoids rescanning a partial line).
    private var scanIndex = 0
    /// True while dropping the rest of an overlong line.
    private var discarding = false
    /// An overlong line ended; `.overlong` is the next frame.
    private var overlongPending = false

    init(maxLineLength: Int) {
        precondition(maxLineLength > 0)
        self.maxLineLength = maxLineLength
    }

    /// Bytes held for lines not yet returned.
    var bufferedByteCount: Int { buffer.count - readIndex }

    /// Adds bytes read from the connection.
    mutating func append<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        var rest = bytes[...]
        if discarding {
            guard let lf = rest.firstIndex(of: 0x0A) else { return }
            discarding = false
            overlongPending = true
            rest = rest[rest.index(after: lf)...]
        }
        guard !rest.isEmpty else { return }
        compact()
        buffer.append(contentsOf: rest)
    }

    /// The next complete line, or nil when more bytes are needed.
    mutating func nextFrame() -> Frame? {
        if overlongPending {
            overlongPending = false
            return .overlong
        }
        guard let lf = buffer[scanIndex...].firstIndex(of: 0x0A) else {
            scanIndex = buffer.count
            if bufferedByteCount > maxLineLength + 1 {  // +1: a CR may still be followed by LF
                // Too long already: drop what we have and the rest up to the next LF.
                discardBuffered()
                discarding = true
            }
            return nil
        }
        var end = lf
        if end > readIndex, buffer[end - 1] == 0x0D { end -= 1 }
        let length = end - readIndex
        let line = length > maxLineLength ? nil : Array(buffer[readIndex..<end])
        readIndex = lf + 1
        scanIndex = readIndex
        if readIndex == buffer.count { discardBuffered() }
        return line.map(Frame.line) ?? .overlong
    }

    /// Drops everything buffered (used after STARTTLS: bytes sent before the
    /// handshake must not be read as commands, RFC 2595 §4, RFC 3207 §4.2).
    mutating func reset() {
        discardBuffered()
        discarding = false
        overlongPending = false
    }

    private mutating func discardBuffered() {
        buffer.removeAll(keepingCapacity: buffer.capacity <= 2 * maxLineLength)
        readIndex = 0
        scanIndex = 0
    }

    /// Moves unconsumed bytes to the front once the consumed part dominates.
    private mutating func compact() {
        guard readIndex > 0, readIndex >= buffer.count / 2 else { return }
        buffer.removeSubrange(0..<readIndex)
        scanIndex -= readIndex
        readIndex = 0
    }
}
