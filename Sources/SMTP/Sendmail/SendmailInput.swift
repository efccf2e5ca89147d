// Reading the message `tern sendmail` gets on standard input, bounded by
// the message size limit. Like sendmail(8), a line holding a single "."
// ends the message unless -i/-oi was given; what follows it is not read.
// There is no dot-unstuffing: ".." stays "..", as with sendmail.

public struct SendmailInput: Sendable {
    public let ignoreDots: Bool
    public let maximumSize: Int
    /// The message so far.
    public private(set) var bytes: [UInt8] = []
    /// True once the "." line was seen; later input is ignored.
    public private(set) var ended = false
    /// Where the line being read starts.
    private var lineStart = 0
    /// How far `bytes` has been scanned for line ends.
    private var scanned = 0

    public init(ignoreDots: Bool, maximumSize: Int) {
        self.ignoreDots = ignoreDots
        self.maximumSize = maximumSize
    }

    /// Adds bytes read from the input. Throws `.data` once the message is
    /// larger than `maximumSize` (nothing more needs to be read then).
    public mutating func append(_ chunk: some Collection<UInt8>) throws(SendmailError) {
        guard !ended else { return }
        bytes.append(contentsOf: chunk)
        if !ignoreDots {
            while scanned < bytes.count {
                if bytes[scanned] == 0x0A {
                    if isDotLine(bytes[lineStart..<scanned]) {
                        bytes.removeSubrange(lineStart...)
                        ended = true
                        return
                    }
                    lineStart = scanned + 1
                }
                scanned += 1
            }
        }
        guard bytes.count <= maximumSize else {
            throw .data("the message is larger than the limit of \(maximumSize) octets (limits.max_message_size)")
        }
    }

    /// The message once the input ended (end of file or the "." line). A
    /// last line holding only "." ends the message too.
    public func finished() -> [UInt8] {
        if !ignoreDots && !ended && isDotLine(bytes[lineStart...]) {
            return Array(bytes[..<lineStart])
        }
        return bytes
    }

    /// "." alone, with or without its CR.
    private func isDotLine(_ line: ArraySlice<UInt8>) -> Bool {
        line.elementsEqual([0x2E]) || line.elementsEqual([0x2E, 0x0D])
    }
}
