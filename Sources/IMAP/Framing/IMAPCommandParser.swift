import MailStore
import NIOCore

/// The incremental command parser: feed it bytes as they arrive, then pull
/// events one at a time with `nextEvent()`. It frames commands (lines plus
/// literals, RFC 9051 §4.3 and §7.5; LITERAL+ RFC 7888; literal8 RFC 3516)
/// and parses each complete command with `CommandParser`.
///
/// Events are pulled one by one so the session can switch `mode` between
/// them: after answering AUTHENTICATE with `+` it sets `.authentication`,
/// after accepting IDLE it sets `.idle`, and back to `.commands` when done.
/// The session may also change `limits` between events (stricter before
/// login, APPENDLIMIT after): the next literal header is checked against them.
public struct IMAPCommandParser: Sendable {
    public enum Mode: Hashable, Sendable {
        case commands
        case authentication
        case idle
    }

    public var mode: Mode = .commands
    /// The bounds in force; the session lowers them before authentication.
    public var limits: IMAPParserLimits
    /// Makes a spool file bounded by the given size. When set (after
    /// login), each APPEND message literal (RFC 9051 §6.3.12, MULTIAPPEND
    /// RFC 3502, LITERAL+ RFC 7888) goes to its own spool file as its bytes
    /// arrive instead of into the command; the parsed `AppendMessage`
    /// carries it. Every other literal stays in memory, bounded as before.
    public var spoolFactory: (@Sendable (Int) throws -> SpoolFile)?

    /// Received bytes not yet consumed, from `readIndex`.
    private var input: [UInt8] = []
    private var readIndex = 0
    /// Where the search for the next LF resumes (no rescanning).
    private var scanIndex = 0
    /// The command assembled so far: lines and literal data.
    private var pending: [UInt8] = []
    /// Literal bytes still to be copied into `pending`.
    private var literalRemaining = 0
    /// The spool files of the APPEND being assembled, in order; the one
    /// being written is the last while `spoolRemaining > 0`.
    private var spools: [SpoolFile] = []
    /// Literal bytes still to be written to the last spool.
    private var spoolRemaining = 0
    /// Bytes of an oversized non-synchronising literal still to be dropped.
    private var skipRemaining: UInt64 = 0
    /// Drop everything up to the next LF (after an error mid-line).
    private var discardingLine = false
    /// A non-synchronising literal too large to drop was announced: the
    /// connection must close, nothing more is read (RFC 7888 §4).
    public private(set) var isStopped = false

    public init(limits: IMAPParserLimits = IMAPParserLimits()) {
        self.limits = limits
    }

    /// True when part of a command has been received (e.g. waiting for literal bytes).
    public var hasPartialCommand: Bool { !pending.isEmpty || literalRemaining > 0 || spoolRemaining > 0 }

    /// Removes the spool files of a command not yet complete (the
    /// connection closed mid-APPEND).
    public mutating func discardPartialCommand() {
        abortSpools()
        pending.removeAll(keepingCapacity: false)
        literalRemaining = 0
    }

    public mutating func append(_ buffer: ByteBuffer) {
        guard !isStopped else { return }
        buffer.withUnsafeReadableBytes { input.append(contentsOf: $0) }
    }

    public mutating func append(_ bytes: [UInt8]) {
        guard !isStopped else { return }
        input.append(contentsOf: bytes)
    }

    /// Appends bytes and returns every event they complete (in the current mode).
    public mutating func feed(_ bytes: [UInt8]) -> [IMAPParserEvent] {
        append(bytes)
        var events: [IMAPParserEvent] = []
        while let event = nextEvent() { events.append(event) }
        return events
    }

    public mutating func feed(_ buffer: ByteBuffer) -> [IMAPParserEvent] {
        feed(Array(buffer.readableBytesView))
    }

    /// The next event, or nil when more bytes are needed.
    public mutating func nextEvent() -> IMAPParserEvent? {
        defer { compact() }
        guard !isStopped else { return nil }
        while true {
            if skipRemaining > 0 {
                let count = Int(min(skipRemaining, UInt64(input.count - readIndex)))
                readIndex += count
                skipRemaining -= UInt64(count)
                scanIndex = readIndex
                if skipRemaining > 0 { return nil }
                continue
            }
            if spoolRemaining > 0 {
                let count = min(spoolRemaining, input.count - readIndex)
                let piece = input[readIndex..<(readIndex + count)]
                readIndex += count
                spoolRemaining -= count
                scanIndex = readIndex
                do {
                    try spools[spools.count - 1].write(piece)
                } catch {
                    // The rest of the literal and its line are dropped.
                    skipRemaining = UInt64(spoolRemaining)
                    spoolRemaining = 0
                    discardingLine = true
                    if case MailStoreError.messageTooLarge = error {
                        let tag = Self.tag(of: pending)
                        discardPartialCommand()
                        return .literalTooLarge(tag: tag, closing: false)
                    }
                    return fail("cannot store the literal: \(error)")
                }
                if spoolRemaining > 0 { return nil }
                continue
            }
            if literalRemaining > 0 {
                let count = min(literalRemaining, input.count - readIndex)
                pending.append(contentsOf: input[readIndex..<(readIndex + count)])
                readIndex += count
                literalRemaining -= count
                scanIndex = readIndex
                if literalRemaining > 0 { return nil }
                continue
            }
            guard let lineEnd = findLineFeed() else {
                if input.count - readIndex > limits.maxLineLength + 1 {
                    let start = Array(input[readIndex..<(readIndex + 64)])
                    readIndex = input.count
                    scanIndex = readIndex
                    if discardingLine { return nil }
                    discardingLine = true
                    return fail("line too long", line: start)
                }
                return nil
            }
            var line = Array(input[readIndex..<lineEnd])
            readIndex = lineEnd + 1
            scanIndex = readIndex
            if line.last == 0x0D { line.removeLast() }
            if discardingLine {
                discardingLine = false
                continue
            }
            if line.count > limits.maxLineLength { return fail("line too long", line: line) }
            if pending.isEmpty {
                switch mode {
                case .authentication:
                    return .authenticationLine(line)
                case .idle:
                    if String(decoding: line, as: UTF8.self).uppercased() == "DONE" { return .idleDone }
                    // A client that logs out without DONE (RFC 2177 §3 wants
                    // DONE first) still gets its LOGOUT: the session ends the
                    // IDLE, then logs out.
                    if !line.contains(0), literalHeader(line) == nil,
                       case .success(let tagged) = CommandParser.parse(line, maxDepth: limits.maxDepth),
                       tagged.command == .logout {
                        return .command(tagged)
                    }
                    return .error(tag: nil, message: "expected DONE")
                case .commands:
                    if line.isEmpty { continue }
                }
            }
            if line.contains(0) { return fail("NUL byte in command", line: line) }
            pending.append(contentsOf: line)
            if let literal = literalHeader(line) {
                guard let size = literal.size, size <= UInt64(limits.maxLiteralSize),
                      UInt64(pending.count + spools.reduce(0) { $0 + $1.size }) + size
                          <= UInt64(limits.maxCommandSize) else {
                    return refuseLiteral(size: literal.size, synchronizing: literal.synchronizing)
                }
                if let spoolFactory, isAppendMessageLiteral(lineLength: line.count) {
                    let spool: SpoolFile
                    do {
                        spool = try spoolFactory(limits.maxLiteralSize)
                    } catch {
                        if !literal.synchronizing {
                            skipRemaining = size
                            discardingLine = true
                        }
                        return fail("cannot store the literal: \(error)")
                    }
                    // The command keeps an empty literal in its place; the
                    // parsed message gets the spool (`attachSpools`).
                    pending.removeLast(line.count - line.lastIndex(of: UInt8(ascii: "{"))!)
                    pending.append(contentsOf: Array("{0}\r\n".utf8))
                    spools.append(spool)
                    spoolRemaining = Int(size)
                    if literal.synchronizing { return .needsContinuation }
                    continue
                }
                pending.append(contentsOf: [0x0D, 0x0A])
                literalRemaining = Int(size)
                if literal.synchronizing { return .needsContinuation }
                continue
            }
            let command = pending
            pending.removeAll(keepingCapacity: false)
            switch CommandParser.parse(command, maxDepth: limits.maxDepth) {
            case .success(let tagged):
                return attachSpools(tagged)
            case .failure(let failure):
                abortSpools()
                return .error(tag: failure.tag, message: failure.error.message)
            }
        }
    }

    /// A literal over the bounds. A synchronising one is refused before the
    /// client sends it (no continuation, RFC 9051 §7.5). A non-synchronising
    /// one comes anyway (RFC 7888 §4): up to `maxDiscardedLiteralSize` its
    /// bytes are read and dropped, never kept; a larger one stops the parser
    /// and the session closes the connection.
    private mutating func refuseLiteral(size: UInt64?, synchronizing: Bool) -> IMAPParserEvent {
        let tag = Self.tag(of: pending)
        abortSpools()
        pending.removeAll(keepingCapacity: false)
        literalRemaining = 0
        guard !synchronizing else { return .literalTooLarge(tag: tag, closing: false) }
        guard let size, size <= UInt64(max(limits.maxDiscardedLiteralSize, 0)) else {
            isStopped = true
            input = []
            readIndex = 0
            scanIndex = 0
            return .literalTooLarge(tag: tag, closing: true)
        }
        skipRemaining = size
        discardingLine = true
        return .literalTooLarge(tag: tag, closing: false)
    }

    /// An error for the command being assembled: its tag when readable,
    /// and the partial command is dropped.
    private mutating func fail(_ message: String, line: [UInt8]? = nil) -> IMAPParserEvent {
        let source = pending.isEmpty ? (line ?? []) : pending
        let tag = Self.tag(of: source)
        abortSpools()
        pending.removeAll(keepingCapacity: false)
        literalRemaining = 0
        return .error(tag: tag, message: message)
    }

    /// True when the literal announced at the end of the last line of
    /// `pending` (`lineLength` octets) is an APPEND message literal:
    /// `tag APPEND mailbox 1*(SP [flag-list SP] [date-time SP] literal)`
    /// (RFC 3502 §6, literal8 RFC 3516). Only the mailbox may be a literal
    /// too, and only right after `APPEND ` on the first line.
    private func isAppendMessageLiteral(lineLength: Int) -> Bool {
        guard let tag = Self.tag(of: pending) else { return false }
        let verb = Array("APPEND ".utf8)
        let start = tag.utf8.count + 1
        guard pending.count >= start + verb.count else { return false }
        for (offset, byte) in verb.enumerated() where pending[start + offset] & 0xDF != byte & 0xDF {
            return false
        }
        let lineStart = pending.count - lineLength
        guard let open = pending.lastIndex(of: UInt8(ascii: "{")) else { return false }
        let headerStart = open > 0 && pending[open - 1] == UInt8(ascii: "~") ? open - 1 : open
        // `tag APPEND {n}` on the first line: that literal is the mailbox name.
        return !(lineStart == 0 && headerStart == start + verb.count)
    }

    /// The parsed APPEND with each spooled literal's file in its message
    /// (they come in order, one per message); any other command with
    /// spools is a framing bug and is refused.
    private mutating func attachSpools(_ tagged: TaggedCommand) -> IMAPParserEvent {
        guard !spools.isEmpty else { return .command(tagged) }
        let files = spools
        spools = []
        guard case .append(let name, var messages) = tagged.command, messages.count == files.count else {
            for file in files { file.abort() }
            return .error(tag: tagged.tag, message: "unexpected literal")
        }
        for index in messages.indices { messages[index].spool = files[index] }
        var result = tagged
        result.command = .append(name, messages)
        return .command(result)
    }

    /// Removes the spool files of the command being dropped.
    private mutating func abortSpools() {
        for spool in spools { spool.abort() }
        spools = []
        spoolRemaining = 0
    }

    /// The tag at the start of a command, if it is a valid tag followed by a space.
    static func tag(of bytes: [UInt8]) -> String? {
        var end = 0
        while end < bytes.count, end < 64, ByteClass.isTagChar(bytes[end]) { end += 1 }
        guard end > 0, end < bytes.count, bytes[end] == UInt8(ascii: " ") else { return nil }
        return String(decoding: bytes[..<end], as: UTF8.self)
    }

    private mutating func findLineFeed() -> Int? {
        var index = max(scanIndex, readIndex)
        while index < input.count {
            if input[index] == 0x0A { return index }
            index += 1
        }
        scanIndex = index
        return nil
    }

    /// A literal header at the end of a line: `{n}`, `{n+}` or `~{n}`. The
    /// size is nil when it does not fit (the command is rejected).
    private func literalHeader(_ line: [UInt8]) -> (size: UInt64?, synchronizing: Bool)? {
        guard line.last == UInt8(ascii: "}"), let open = line.lastIndex(of: UInt8(ascii: "{")) else { return nil }
        var digits = line[(open + 1)..<(line.count - 1)]
        var synchronizing = true
        if digits.last == UInt8(ascii: "+") {
            synchronizing = false
            digits = digits.dropLast()
        }
        guard !digits.isEmpty, digits.allSatisfy(ByteClass.isDigit) else { return nil }
        guard digits.count <= 18 else { return (nil, synchronizing) }
        let size = digits.reduce(UInt64(0)) { $0 * 10 + UInt64($1 - 0x30) }
        return (size, synchronizing)
    }

    /// Drops consumed bytes so the buffer does not grow.
    private mutating func compact() {
        if readIndex == input.count {
            input.removeAll(keepingCapacity: input.capacity <= 64 * 1024)
            scanIndex -= readIndex
            readIndex = 0
        } else if readIndex > 64 * 1024, readIndex > input.count / 2 {
            input.removeFirst(readIndex)
            scanIndex -= readIndex
            readIndex = 0
        }
    }
}
