import Foundation
import Logging
import XCTest
@testable import Server

/// Who may use a data directory, judged from the permission bits for users
/// other than the one running the tests; `tern config check`'s file checks;
/// the choice of user `tern serve` makes.
final class DataDirectoryAccessTests: XCTestCase {
    private var root: String!
    /// A user with nothing of its own here.
    private let stranger = SystemUser(name: "stranger", uid: 4242, gid: 4242, groups: [4242])

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("tern-access-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: root)
    }

    private var me: SystemUser { .current }

    private func make(_ path: String, mode: Int, owner: SystemUser? = nil, file: Bool = false) throws {
        if file {
            XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data("x".utf8)))
        } else {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        }
        XCTAssertEqual(chmod(path, mode_t(mode)), 0)
        if let owner { XCTAssertEqual(chown(path, owner.uid, owner.gid), 0) }
    }

    func testOwnerMayUseItOthersMayNot() throws {
        let directory = root + "/data"
        try make(directory, mode: 0o700)
        try make(directory + "/tern.sqlite", mode: 0o600, file: true)
        XCTAssertNil(DataDirectoryAccess.problem(directory: directory, for: me))
        guard !me.isRoot else { return }
        let problem = try XCTUnwrap(DataDirectoryAccess.problem(directory: directory, for: stranger))
        XCTAssertEqual(problem.description, "the data directory \(directory) cannot be written by user stranger "
            + "(it belongs to \(me.name), mode 0700)")
    }

    /// Root may do anything; checks for other users need root to set owners.
    func testFilesInsideAreCheckedToo() throws {
        try XCTSkipUnless(me.isRoot, "needs root to give files to another user")
        let directory = root + "/data"
        try make(directory, mode: 0o700, owner: stranger)
        try make(directory + "/messages", mode: 0o700, owner: stranger)
        try make(directory + "/messages/ab", mode: 0o700, owner: stranger)
        XCTAssertNil(DataDirectoryAccess.problem(directory: directory, for: stranger))
        try make(directory + "/tern.sqlite-wal", mode: 0o600, file: true)
        var problem = try XCTUnwrap(DataDirectoryAccess.problem(directory: directory, for: stranger))
        XCTAssertEqual(problem.description, "the data directory \(directory) cannot be used by user stranger: "
            + "\(directory)/tern.sqlite-wal belongs to root, mode 0600")
        XCTAssertEqual(chown(directory + "/tern.sqlite-wal", stranger.uid, stranger.gid), 0)
        try make(directory + "/messages/cd", mode: 0o700)
        problem = try XCTUnwrap(DataDirectoryAccess.problem(directory: directory, for: stranger))
        XCTAssertEqual(problem.path, directory + "/messages/cd")
        XCTAssertNil(DataDirectoryAccess.problem(directory: directory, for: me), "root")
        XCTAssertEqual(DataDirectoryAccess.owner(of: directory)?.uid, stranger.uid)
        XCTAssertEqual(DataDirectoryAccess.owner(of: directory)?.gid, stranger.gid, "no passwd entry: the group of the directory")
    }

    func testMissingDirectoryNeedsAWritableParent() throws {
        try XCTSkipUnless(me.isRoot, "needs root to judge for another user")
        let parent = root + "/lib"
        try make(parent, mode: 0o755)
        let directory = parent + "/tern/data"
        XCTAssertNil(DataDirectoryAccess.problem(directory: directory, for: me))
        let problem = try XCTUnwrap(DataDirectoryAccess.problem(directory: directory, for: stranger))
        XCTAssertTrue(problem.missing)
        XCTAssertEqual(problem.description, "the data directory \(directory) cannot be created by user stranger "
            + "(\(parent) belongs to root, mode 0755)")
        // A directory above that cannot be searched is in the way too.
        XCTAssertEqual(chmod(parent, 0o700), 0)
        try make(parent + "/tern", mode: 0o777)
        let blocked = try XCTUnwrap(DataDirectoryAccess.problem(directory: directory, for: stranger))
        XCTAssertEqual(blocked.path, parent)
        XCTAssertFalse(blocked.missing)
    }

    func testCreateIfMissingGivesTheDirectoryToTheUser() throws {
        try XCTSkipUnless(me.isRoot, "needs root to give the directory away")
        let directory = root + "/state/tern"
        try DataDirectoryAccess.createIfMissing(directory: directory, ownedBy: stranger)
        let attributes = try FileManager.default.attributesOfItem(atPath: directory)
        XCTAssertEqual((attributes[.ownerAccountID] as? NSNumber)?.uint32Value, stranger.uid)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o700)
        XCTAssertNil(DataDirectoryAccess.problem(directory: directory, for: stranger))
        // An existing directory is left alone.
        XCTAssertEqual(chmod(directory, 0o750), 0)
        try DataDirectoryAccess.createIfMissing(directory: directory, ownedBy: me)
        XCTAssertEqual((try FileManager.default.attributesOfItem(atPath: directory)[.posixPermissions] as? NSNumber)?
            .intValue, 0o750)
    }

    func testNotADirectory() throws {
        let file = root + "/file"
        try make(file, mode: 0o644, file: true)
        XCTAssertEqual(DataDirectoryAccess.problem(directory: file, for: me)?.description,
                       "the data directory \(file) cannot be used: \(file) is not a directory")
    }

    /// config check: certificate and key files named by key; the data
    /// directory and the log file judged for [server] user.
    func testConfigurationCheckNamesTheKeyThePathAndTheUser() throws {
        try XCTSkipUnless(me.isRoot && SystemUser.named("nobody") != nil, "needs root and the user nobody")
        var configuration = TernConfiguration.localDefaults
        configuration.server.user = "nobody"
        configuration.dataDirectory = root + "/data"
        try make(configuration.dataDirectory, mode: 0o700)
        configuration.tls = TLSFiles(certificatePath: root + "/missing-cert.pem", keyPath: root + "/key.pem")
        try make(root + "/key.pem", mode: 0o600, file: true)
        configuration.logging.file = root + "/tern.log"
        XCTAssertEqual(ConfigurationCheck.problems(configuration), [
            "data_directory: the data directory \(root!)/data cannot be written by user nobody (it belongs to root, "
                + "mode 0700)",
            "tls.certificate: \(root!)/missing-cert.pem does not exist",
            "tls.key: \(root!)/key.pem cannot be read by user nobody (\(root!)/key.pem belongs to root, mode 0600)",
            "logging.file: \(root!)/tern.log cannot be created by user nobody (\(root!) belongs to root, mode 0755)",
        ])
        // Readable but not PEM.
        XCTAssertEqual(chmod(root + "/key.pem", 0o644), 0)
        let problems = ConfigurationCheck.problems(configuration)
        XCTAssertTrue(problems.contains { $0.hasPrefix("tls.key: \(root!)/key.pem is not a PEM private key") }, "\(problems)")
        // A missing data directory is created by tern serve for [server] user.
        configuration.dataDirectory = root + "/new/data"
        XCTAssertFalse(ConfigurationCheck.problems(configuration).contains { $0.hasPrefix("data_directory") })
        configuration.server.user = "no-such-user-here"
        XCTAssertEqual(ConfigurationCheck.problems(configuration).first,
                       "server.user: there is no user \"no-such-user-here\" on this system")
    }

    func testPrivilegeTargetFollowsServerUserAndWhoRuns() throws {
        let capture = LogHandlerTests.Capture()
        let logger = Logger(label: "tern") { FormattingLogHandler(label: $0, format: .text, output: capture) }
        XCTAssertNil(try PrivilegeDrop.target(for: ServerSettings(), logger: logger))
        XCTAssertEqual(capture.all.contains { $0.contains("warning tern: running as root: set [server] user") },
                       me.isRoot, "\(capture.all)")
        XCTAssertNil(try PrivilegeDrop.target(for: ServerSettings(user: me.name), logger: logger), "already that user")
        XCTAssertThrowsError(try PrivilegeDrop.target(for: ServerSettings(user: "no-such-user-here"), logger: logger)) {
            XCTAssertTrue("\($0)".hasPrefix("[server] user \"no-such-user-here\" does not exist"), "\($0)")
        }
        guard me.isRoot, let nobody = SystemUser.named("nobody") else { return }
        XCTAssertEqual(try PrivilegeDrop.target(for: ServerSettings(user: "nobody"), logger: logger), nobody)
        XCTAssertThrowsError(try PrivilegeDrop.target(for: ServerSettings(user: "nobody", group: "no-such-group"),
                                                      logger: logger)) {
            XCTAssertEqual("\($0)", "[server] group \"no-such-group\" does not exist")
        }
        XCTAssertEqual(SystemUser.withID(4242).name, "uid 4242")
        XCTAssertEqual(SystemUser.named("nobody", group: "root")?.gid, 0)
    }
}
