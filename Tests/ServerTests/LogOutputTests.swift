import Foundation
import Logging
import XCTest
@testable import Server

/// Journal lines, the log file and its reopening, settings changed live.
final class LogOutputTests: XCTestCase {
    private var directory: String!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tern-log-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func testJournalLinesStartWithThePriorityAndHaveNoTimestamp() throws {
        let capture = LogHandlerTests.Capture()
        var logger = Logger(label: "tern") {
            FormattingLogHandler(label: $0, format: .text, output: capture, style: .journal)
        }
        logger.logLevel = .debug
        logger.notice("imap listening on 127.0.0.1:143", metadata: ["conn": "c1"])
        logger.error("disk full")
        logger.debug("detail")
        logger.info("hello")
        logger.warning("careful")
        logger.critical("stop")
        XCTAssertEqual(capture.all, [
            "<5>tern: imap listening on 127.0.0.1:143 conn=c1", "<3>tern: disk full", "<7>tern: detail",
            "<6>tern: hello", "<4>tern: careful", "<2>tern: stop",
        ])
    }

    func testJournalJSONLinesLeaveTheTimeToTheJournal() throws {
        let capture = LogHandlerTests.Capture()
        let logger = Logger(label: "tern") {
            FormattingLogHandler(label: $0, format: .json, output: capture, style: .journal)
        }
        logger.warning("careful", metadata: ["remote": "192.0.2.1"])
        let line = try XCTUnwrap(capture.all.first)
        XCTAssertTrue(line.hasPrefix("<4>{"), line)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.dropFirst(3).utf8)) as? [String: String])
        XCTAssertEqual(object, ["level": "warning", "label": "tern", "message": "careful", "remote": "192.0.2.1"])
    }

    /// A level change on the shared settings reaches loggers made before it;
    /// a level set on one logger stays its own.
    func testSinkSettingsApplyToExistingLoggers() {
        let capture = LogHandlerTests.Capture()
        let sink = LogSink(.init(level: .info, format: .text, style: .journal, output: capture))
        let logger = Logger(label: "tern") { FormattingLogHandler(label: $0, sink: sink) }
        var quiet = Logger(label: "tern.admin") { FormattingLogHandler(label: $0, sink: sink) }
        quiet.logLevel = .error
        logger.debug("not yet")
        sink.settings.level = .debug
        logger.debug("now")
        quiet.warning("still quiet")
        sink.settings.format = .json
        logger.info("as json")
        XCTAssertEqual(capture.all.count, 2, "\(capture.all)")
        XCTAssertEqual(capture.all.first, "<7>tern: now")
        XCTAssertTrue(capture.all.last?.hasPrefix("<6>{\"level\":\"info\"") == true, capture.all.last ?? "")
    }

    /// Lines are appended; after the file is renamed (logrotate), `reopen`
    /// writes to a new file of the old name and the renamed one keeps its lines.
    func testLogFileAppendsAndReopensUnderItsName() throws {
        let path = directory + "/tern.log"
        try "earlier line\n".write(toFile: path, atomically: true, encoding: .utf8)
        let output = try LogFileOutput(path: path)
        output.write(line: "first")
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        output.write(line: "second, still to the renamed file")
        try output.reopen()
        output.write(line: "third")
        output.close()
        XCTAssertEqual(try String(contentsOfFile: path + ".1", encoding: .utf8),
                       "earlier line\nfirst\nsecond, still to the renamed file\n")
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "third\n")
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber
        XCTAssertEqual(mode?.intValue, 0o640)
    }

    func testUnopenableLogFileNamesPathAndUser() {
        XCTAssertThrowsError(try LogFileOutput(path: directory + "/missing/dir/tern.log")) { error in
            XCTAssertEqual("\(error)", "cannot open the log file \(directory!)/missing/dir/tern.log as user "
                + "\(SystemUser.current.name): No such file or directory")
        }
    }

    /// systemd.exec(5): JOURNAL_STREAM names the device and inode of the stream.
    func testJournalStreamMatchesOnlyThatFile() throws {
        let path = directory + "/stderr"
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
        defer { try? handle.close() }
        var info = stat()
        XCTAssertEqual(fstat(handle.fileDescriptor, &info), 0)
        let value = "\(info.st_dev):\(info.st_ino)"
        XCTAssertTrue(JournalStream.isStandardError(environment: ["JOURNAL_STREAM": value],
                                                    descriptor: handle.fileDescriptor))
        XCTAssertFalse(JournalStream.isStandardError(environment: ["JOURNAL_STREAM": "\(info.st_dev):1"],
                                                     descriptor: handle.fileDescriptor))
        XCTAssertFalse(JournalStream.isStandardError(environment: [:], descriptor: handle.fileDescriptor))
        XCTAssertFalse(JournalStream.isStandardError(environment: ["JOURNAL_STREAM": "garbage"],
                                                     descriptor: handle.fileDescriptor))
    }
}
