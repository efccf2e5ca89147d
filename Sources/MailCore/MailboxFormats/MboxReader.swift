import Foundation

/// One message read from an mbox file.
public struct MboxMessage: Sendable {
    /// The `From ` line that started the message.
    public var separator: MboxSeparator
    /// The message with `>From ` quoting undone, line endings as in the file.
    /// Empty when `isOversized`.
    public var body: [UInt8]
    /// The size of the message in octets (also when it was too large to keep).
    public var size: Int
    /// True when the message was larger than the reader's bound and its bytes were dropped.
    public var isOversized: Bool
    /// The line of the file its separator is on (1-based), for error messages.
    public var lineNumber: Int
}

public enum MboxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file does not start with a `From ` line.
    case notAnMbox(line: Int)
    case readFailed(errno: Int32)

    public var description: String {
        switch self {
        case .notAnMbox(let line): return "not an mbox file: line \(line) should start with \"From \""
        case .readFailed(let code): return "read failed: \(String(cString: strerror(code)))"
        }
    }
}

/// Splits an mbox file into messages (RFC 4155), streaming: at most one
/// message (bounded by `maxMessageSize`) and one read buffer are in memory.
///
/// A message starts at a `From ` line that is the first line of the file or
/// follows an empty line; that empty line belongs to the separator. Lines
/// matching `>+From ` lose one `>` (mboxrd; for mboxo this undoes the only
/// quoting it did). Both LF and CRLF files are read.
public struct MboxReader {
    private var lines: LineFragmentReader
    private var pendingSeparator: (line: [UInt8], number: Int)?
    private var started = false
    public let maxMessageSize: Int

    /// Reads from an open file descriptor (not closed by the reader).
    public init(fileDescriptor: Int32, maxMessageSize: Int = 64 * 1024 * 1024) {
        lines = LineFragmentReader(source: .fileDescriptor(fileDescriptor))
        self.maxMessageSize = maxMessageSize
    }

    /// Reads from bytes in memory.
    public init(bytes: [UInt8], maxMessageSize: Int = 64 * 1024 * 1024) {
        lines = LineFragmentReader(source: .bytes(bytes))
        self.maxMessageSize = maxMessageSize
    }

    /// The next message, or nil at the end of the file.
    public mutating func next() throws -> MboxMessage? {
        if !started {
            started = true
            // Skip empty lines before the first separator.
            while let fragment = try lines.next() {
                if fragment.isWholeLine && fragment.isBlankLine { continue }
                guard fragment.startsLine, MboxSeparator.isSeparator(fragment.bytes[...]) else {
                    throw MboxError.notAnMbox(line: lines.lineNumber)
                }
                pendingSeparator = (try completeLine(fragment), lines.lineNumber)
                break
            }
        }
        guard let (separatorLine, separatorNumber) = pendingSeparator else { return nil }
        pendingSeparator = nil

        var body: [UInt8] = []
        var size = 0
        var oversized = false
        var heldBlankLine: [UInt8]?
        func append(_ bytes: [UInt8]) {
            size += bytes.count
            if oversized { return }
            if size > maxMessageSize {
                oversized = true
                body = []
            } else {
                body.append(contentsOf: bytes)
            }
        }
        while var fragment = try lines.next() {
            if fragment.startsLine && fragment.isWholeLine && fragment.isBlankLine {
                if let held = heldBlankLine { append(held) }
                heldBlankLine = fragment.bytes
                continue
            }
            if fragment.startsLine && MboxSeparator.isSeparator(fragment.bytes[...]) && heldBlankLine != nil {
                pendingSeparator = (try completeLine(fragment), lines.lineNumber)
                heldBlankLine = nil
                break
            }
            if let held = heldBlankLine {
                append(held)
                heldBlankLine = nil
            }
            if fragment.startsLine { MboxReader.unquote(&fragment.bytes) }
            append(fragment.bytes)
        }
        // A blank line at the end of the file is the writer's message terminator.
        return MboxMessage(separator: MboxSeparator(line: separatorLine) ?? MboxSeparator(sender: "", date: nil),
                           body: body, size: size, isOversized: oversized, lineNumber: separatorNumber)
    }

    /// Reads the rest of a line whose first fragment is given (separators are short; bounded anyway).
    private mutating func completeLine(_ first: LineFragment) throws -> [UInt8] {
        var line = first.bytes
        var last = first
        while !last.endsLine, line.count < 4096, let more = try lines.next() {
            line.append(contentsOf: more.bytes)
            last = more
        }
        return line
    }

    /// Removes one `>` from a line matching `>+From ` (mboxrd, RFC 4155 appendix).
    static func unquote(_ line: inout [UInt8]) {
        var index = 0
        while index < line.count, line[index] == UInt8(ascii: ">") { index += 1 }
        guard index > 0, line[index...].starts(with: MboxSeparator.fromPrefix) else { return }
        line.removeFirst()
    }
}

/// A piece of a line: a whole line when short, else consecutive pieces of a long one.
struct LineFragment {
    var bytes: [UInt8]
    /// The first piece of its line.
    var startsLine: Bool
    /// Ends with LF (or is the end of the file).
    var endsLine: Bool

    var isWholeLine: Bool { startsLine && endsLine }
    /// `\n`, `\r\n`, or nothing (a final line without ending).
    var isBlankLine: Bool {
        bytes.isEmpty || bytes == [0x0A] || bytes == [0x0D, 0x0A]
    }
}

/// Reads lines in bounded pieces from a file descriptor or from memory.
struct LineFragmentReader {
    enum Source {
        case bytes([UInt8])
        case fileDescriptor(Int32)
    }

    static let chunkSize = 64 * 1024
    static let maxFragment = 1024 * 1024

    private let source: Source
    private var buffer: [UInt8] = []
    private var position = 0
    private var endOfInput = false
    private var atLineStart = true
    /// The number of the line the last fragment belongs to (1-based).
    private(set) var lineNumber = 0

    init(source: Source) {
        self.source = source
        if case .bytes(let bytes) = source {
            buffer = bytes
            endOfInput = true
        }
    }

    mutating func next() throws -> LineFragment? {
        while true {
            if let newline = buffer[position...].firstIndex(of: 0x0A), newline - position < Self.maxFragment {
                return take(upTo: newline + 1, endsLine: true)
            }
            if buffer.count - position >= Self.maxFragment {
                return take(upTo: position + Self.maxFragment, endsLine: false)
            }
            if endOfInput {
                guard position < buffer.count else { return nil }
                return take(upTo: buffer.count, endsLine: true)
            }
            try fill()
        }
    }

    private mutating func take(upTo end: Int, endsLine: Bool) -> LineFragment {
        let fragment = LineFragment(bytes: Array(buffer[position..<end]), startsLine: atLineStart, endsLine: endsLine)
        if atLineStart { lineNumber += 1 }
        atLineStart = endsLine
        position = end
        return fragment
    }

    private mutating func fill() throws {
        guard case .fileDescriptor(let descriptor) = source else {
            endOfInput = true
            return
        }
        if position > 0 {
            buffer.removeFirst(position)
            position = 0
        }
        var chunk = [UInt8](repeating: 0, count: Self.chunkSize)
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, Self.chunkSize) }
        if count < 0 {
            if errno == EINTR { return }
            throw MboxError.readFailed(errno: errno)
        }
        if count == 0 {
            endOfInput = true
        } else {
            buffer.append(contentsOf: chunk[0..<count])
        }
    }
}
