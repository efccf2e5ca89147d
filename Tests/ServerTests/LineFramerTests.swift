import XCTest
@testable import Server

final class LineFramerTests: XCTestCase {
    private func frames(_ framer: inout LineFramer) -> [LineFramer.Frame] {
        var result: [LineFramer.Frame] = []
        while let frame = framer.nextFrame() { result.append(frame) }
        return result
    }

    private func line(_ text: String) -> LineFramer.Frame { .line(Array(text.utf8)) }

    func testSplitsCRLFAndBareLF() {
        var framer = LineFramer(maxLineLength: 100)
        framer.append(Array("USER a\r\nPASS b\nNOOP\r\n".utf8))
        XCTAssertEqual(frames(&framer), [line("USER a"), line("PASS b"), line("NOOP")])
        XCTAssertEqual(framer.bufferedByteCount, 0)
    }

    func testLineSplitAcrossBuffersIncludingBetweenCRAndLF() {
        var framer = LineFramer(maxLineLength: 100)
        framer.append(Array("ST".utf8))
        XCTAssertEqual(frames(&framer), [])
        framer.append(Array("AT\r".utf8))
        XCTAssertEqual(frames(&framer), [])
        framer.append(Array("\nLI".utf8))
        XCTAssertEqual(frames(&framer), [line("STAT")])
        framer.append(Array("ST 1\r\n".utf8))
        XCTAssertEqual(frames(&framer), [line("LIST 1")])
    }

    func testEmptyLinesAndLoneCRInsideALine() {
        var framer = LineFramer(maxLineLength: 100)
        framer.append(Array("\r\n\na\rb\r\n".utf8))
        XCTAssertEqual(frames(&framer), [line(""), line(""), .line([0x61, 0x0D, 0x62])])
    }

    func testNULBytesArePassedThrough() {
        var framer = LineFramer(maxLineLength: 100)
        framer.append([0x55, 0x00, 0x53, 0x0D, 0x0A])
        XCTAssertEqual(frames(&framer), [.line([0x55, 0x00, 0x53])])
    }

    func testLineOfExactlyTheBoundIsAccepted() {
        var framer = LineFramer(maxLineLength: 10)
        framer.append(Array(String(repeating: "x", count: 10).utf8))
        XCTAssertEqual(frames(&framer), [])
        framer.append(Array("\r".utf8))
        XCTAssertEqual(frames(&framer), [])
        framer.append(Array("\n".utf8))
        XCTAssertEqual(frames(&framer), [line(String(repeating: "x", count: 10))])
    }

    func testOverlongLineInOneBufferIsReportedInPlace() {
        var framer = LineFramer(maxLineLength: 10)
        framer.append(Array("NOOP\r\n\(String(repeating: "y", count: 11))\r\nQUIT\r\n".utf8))
        XCTAssertEqual(frames(&framer), [line("NOOP"), .overlong, line("QUIT")])
    }

    func testOverlongLineAcrossBuffersIsDiscardedUpToItsEnd() {
        var framer = LineFramer(maxLineLength: 10)
        framer.append(Array("NOOP\r\n0123456789abc".utf8))
        XCTAssertEqual(frames(&framer), [line("NOOP")])
        framer.append(Array("more junk without end".utf8))
        XCTAssertEqual(frames(&framer), [])
        framer.append(Array("still junk\r\nSTAT\r\n".utf8))
        XCTAssertEqual(frames(&framer), [.overlong, line("STAT")])
    }

    func testMemoryStaysBoundedOnAnEndlessLine() {
        var framer = LineFramer(maxLineLength: 1024)
        let chunk = [UInt8](repeating: 0x41, count: 4096)
        for _ in 0..<256 {  // 1 MiB without a line end
            framer.append(chunk)
            XCTAssertNil(framer.nextFrame())
            XCTAssertLessThanOrEqual(framer.bufferedByteCount, 1024 + chunk.count)
        }
        XCTAssertEqual(framer.bufferedByteCount, 0, "discarding mode holds nothing")
        framer.append(Array("\nNOOP\n".utf8))
        XCTAssertEqual(frames(&framer), [.overlong, line("NOOP")])
    }

    func testResetDropsBufferedLinesAndPartialInput() {
        var framer = LineFramer(maxLineLength: 100)
        framer.append(Array("STLS\r\nCAPA\r\nUSER x".utf8))
        XCTAssertEqual(framer.nextFrame(), line("STLS"))
        framer.reset()
        XCTAssertNil(framer.nextFrame())
        framer.append(Array("NOOP\r\n".utf8))
        XCTAssertEqual(frames(&framer), [line("NOOP")])
    }

    func testManySmallLinesInterleavedWithConsumption() {
        var framer = LineFramer(maxLineLength: 16)
        var seen: [LineFramer.Frame] = []
        for index in 0..<1000 {
            framer.append(Array("L\(index)\r".utf8))
            framer.append([0x0A])
            seen += frames(&framer)
            XCTAssertLessThanOrEqual(framer.bufferedByteCount, 16)
        }
        XCTAssertEqual(seen.count, 1000)
        XCTAssertEqual(seen.last, line("L999"))
    }
}
