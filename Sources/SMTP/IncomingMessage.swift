// The message of the current SMTP transaction while it arrives (DATA or
// BDAT): its content goes straight to a spool file in the store
// (`MailStore.makeSpoolFile`), after the prefix the local (or queued) copy
// starts with; only the header block stays in memory, for what needs
// headers (the Received: count of RFC 5321 §6.3, the Message-ID logged).
import Foundation
import MailStore

final class IncomingMessage {
    /// The most of the content's header block kept in memory.
    static let headerBlockLimit = 64 * 1024

    let spool: SpoolFile
    let envelope: MessageDelivery.Envelope
    let plan: MessageDelivery.Plan
    /// The Received: field of a copy for one recipient (nil: several).
    let received: (String?) -> [UInt8]
    /// Octets of the spool before the content (Return-Path, Received:).
    let prefixLength: Int
    /// The content's first octets up to and including the blank line that
    /// ends the header (at most `headerBlockLimit`).
    private(set) var header: [UInt8] = []
    private var headerComplete = false

    init(spool: SpoolFile, envelope: MessageDelivery.Envelope, plan: MessageDelivery.Plan,
         received: @escaping (String?) -> [UInt8], prefix: [UInt8]) throws {
        self.spool = spool
        self.received = received
        self.envelope = envelope
        self.plan = plan
        prefixLength = prefix.count
        try spool.write(prefix)
    }

    /// Octets of content written.
    var contentSize: Int { spool.size - prefixLength }

    /// Appends content.
    func write(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        if !headerComplete { keepHeader(bytes) }
        try spool.write(bytes)
    }

    /// Removes the spool file (refused, reset or dropped connection).
    func abort() {
        spool.abort()
    }

    private func keepHeader(_ bytes: [UInt8]) {
        let searchFrom = max(0, header.count - 3)
        header += bytes.prefix(Self.headerBlockLimit - header.count)
        let end = header[searchFrom...].firstRange(of: [0x0D, 0x0A, 0x0D, 0x0A])
        if let end {
            header.removeSubrange(end.upperBound...)
            headerComplete = true
        } else if header.count >= Self.headerBlockLimit {
            headerComplete = true
        }
    }
}
