import Foundation
import XCTest
@testable import SMTP

/// The observer the Server uses for `/metrics` hears of accepted messages only.
final class SMTPMessageObserverTests: SMTPSessionTestCase {
    final class Recorder: SMTPMessageObserver, @unchecked Sendable {
        private let lock = NSLock()
        private var events: [(Int, Int)] = []
        func messageAccepted(localCopies: Int, relayedRecipients: Int) {
            lock.withLock { events.append((localCopies, relayedRecipients)) }
        }
        var all: [(Int, Int)] { lock.withLock { events } }
    }

    func testObserverHearsAcceptedMessagesWithTheirCopies() async throws {
        let recorder = Recorder()
        var settings = configuration()
        settings.messageObserver = recorder
        let session = await greetedSession(settings)
        let first = await send(session, "MAIL FROM:<x@client.example>\r\nRCPT TO:<alice@example.org>\r\n"
                               + "RCPT TO:<bob@example.org>\r\nDATA\r\n" + Self.message + ".\r\n")
        XCTAssertEqual(codes(first), ["250 2.1.0", "250 2.1.5", "250 2.1.5", "354", "250 2.0.0"])
        XCTAssertEqual(recorder.all.map { $0.0 }, [2])
        XCTAssertEqual(recorder.all.map { $0.1 }, [0])

        // A refused recipient and an abandoned transaction are not messages.
        let refused = await send(session, "MAIL FROM:<x@client.example>\r\nRCPT TO:<nobody@example.org>\r\nRSET\r\n")
        XCTAssertEqual(codes(refused), ["250 2.1.0", "550 5.1.1", "250 2.0.0"])
        XCTAssertEqual(recorder.all.count, 1)
    }
}
