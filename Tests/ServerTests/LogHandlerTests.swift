import Foundation
import Logging
import XCTest
@testable import Server

final class LogHandlerTests: XCTestCase {
    final class Capture: LogOutput {
        private let lines = LockedBox<[String]>([])
        var all: [String] { lines.withLock { $0 } }
        func write(line: String) { lines.withLock { $0.append(line) } }
    }

    func testTextLinesCarryLevelLabelMessageAndSortedMetadata() {
        let capture = Capture()
        var logger = Logger(label: "tern.pop3") { FormattingLogHandler(label: $0, format: .text, output: capture) }
        logger[metadataKey: "conn"] = "c1"
        logger[metadataKey: "remote"] = "127.0.0.1"
        logger.info("login failed", metadata: ["account": "a b@example.org"])
        logger.debug("below the level")
        XCTAssertEqual(capture.all.count, 1)
        let line = capture.all[0]
        XCTAssertTrue(line.hasSuffix(" info tern.pop3: login failed account=\"a b@example.org\" conn=c1 remote=127.0.0.1"), line)
        XCTAssertTrue(line.first?.isNumber == true, "starts with a timestamp: \(line)")
    }

    func testJSONLinesAreOneObjectEachWithFlattenedMetadata() throws {
        let capture = Capture()
        var logger = Logger(label: "tern.server") { FormattingLogHandler(label: $0, format: .json, output: capture) }
        logger.logLevel = .debug
        logger[metadataKey: "conn"] = "c2"
        logger.debug("quote \" and\nnewline", metadata: ["tls": ["version": "TLSv1.3"], "message": "shadowed"])
        XCTAssertEqual(capture.all.count, 1)
        let line = capture.all[0]
        XCTAssertFalse(line.contains("\n"))
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        XCTAssertEqual(object["level"], "debug")
        XCTAssertEqual(object["label"], "tern.server")
        XCTAssertEqual(object["message"], "quote \" and\nnewline")
        XCTAssertEqual(object["conn"], "c2")
        XCTAssertEqual(object["tls.version"], "TLSv1.3")
        XCTAssertNotNil(object["time"])
    }

    func testJSONQuotesControlCharacters() throws {
        let quoted = JSONLogLine.quote("a\u{01}b\u{00}\t")
        XCTAssertEqual(quoted, "\"a\\u0001b\\u0000\\t\"")
    }
}
