import Foundation
import XCTest
@testable import IMAP

/// COMPRESS (RFC 4978 §3) in the session: when it is offered, what it
/// answers, and the action that makes the connection put the codec in.
/// The codec itself is tested in ServerTests and end to end.
final class CompressCommandTests: IMAPSessionTestCase {
    func compressing() -> IMAPSessionConfiguration {
        var configuration = configuration()
        configuration.offersCompression = true
        return configuration
    }

    func testCompressAfterLoginStartsDeflateOnce() async throws {
        let session = await loggedInSession(compressing())
        let capability = await send(session, "c CAPABILITY\r\n")
        XCTAssertTrue(capabilities(in: capability).contains("COMPRESS=DEFLATE"), capability)

        let started = await output(session, "z COMPRESS deflate\r\nn NOOP\r\n")
        XCTAssertEqual(String(decoding: started.bytes, as: UTF8.self), "z OK DEFLATE active\r\n",
                       "what followed in the same read was sent before the OK: not a command")
        XCTAssertEqual(started.action, .startCompression)

        let again = await output(session, "y COMPRESS DEFLATE\r\n")
        XCTAssertEqual(String(decoding: again.bytes, as: UTF8.self),
                       "y NO [COMPRESSIONACTIVE] DEFLATE is active already\r\n")
        XCTAssertEqual(again.action, .none)
        let after = await send(session, "c CAPABILITY\r\n")
        XCTAssertFalse(capabilities(in: after).contains("COMPRESS=DEFLATE"), "not offered once on: \(after)")
        await expectEqual(await send(session, "n NOOP\r\n"), "n OK NOOP completed\r\n")
    }

    func testCompressNeedsLoginAKnownAlgorithmAndAnOffer() async throws {
        let anonymous = makeSession(compressing())
        let greeting = String(decoding: anonymous.greeting().bytes, as: UTF8.self)
        XCTAssertFalse(capabilities(in: greeting).contains("COMPRESS=DEFLATE"), greeting)
        let early = await output(anonymous, "a COMPRESS DEFLATE\r\n")
        XCTAssertTrue(String(decoding: early.bytes, as: UTF8.self).hasPrefix("a BAD"))
        XCTAssertEqual(early.action, .none)

        let session = await loggedInSession(compressing())
        let unknown = await output(session, "b COMPRESS LZMA\r\n")
        XCTAssertTrue(String(decoding: unknown.bytes, as: UTF8.self).hasPrefix("b BAD"))
        XCTAssertEqual(unknown.action, .none)
        let missing = await send(session, "c COMPRESS\r\n")
        XCTAssertTrue(missing.hasPrefix("c BAD"), missing)

        let plain = await loggedInSession()
        let capability = await send(plain, "c CAPABILITY\r\n")
        XCTAssertFalse(capabilities(in: capability).contains("COMPRESS=DEFLATE"), capability)
        let refused = await output(plain, "d COMPRESS DEFLATE\r\n")
        XCTAssertTrue(String(decoding: refused.bytes, as: UTF8.self).hasPrefix("d BAD"))
        XCTAssertEqual(refused.action, .none)
    }
}
