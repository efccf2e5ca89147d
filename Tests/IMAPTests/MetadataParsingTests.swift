import MailCore
import XCTest
@testable import IMAP

/// GETMETADATA and SETMETADATA grammar (RFC 5464 §5, erratum 2785) and the
/// METADATA response: fixture tables of input bytes → command value,
/// refused inputs, and response value → bytes.
final class MetadataParsingTests: XCTestCase {
    func value(_ entry: String, _ text: String?) -> MetadataEntryValue {
        MetadataEntryValue(entry: entry, value: text.map(bytes))
    }

    func testCommandFixtures() {
        let inbox = MailboxName("INBOX")
        let fixtures: [(String, IMAPCommand)] = [
            // RFC 5464 §4.2 examples.
            ("a GETMETADATA \"\" /private/comment", .getMetadata(MailboxName(""), entries: ["/private/comment"], options: MetadataOptions())),
            ("a GETMETADATA INBOX (/shared/comment /private/comment)",
             .getMetadata(inbox, entries: ["/shared/comment", "/private/comment"], options: MetadataOptions())),
            ("a GETMETADATA (MAXSIZE 1024) INBOX /private/comment",
             .getMetadata(inbox, entries: ["/private/comment"], options: MetadataOptions(maxSize: 1024))),
            ("a GETMETADATA (DEPTH 1) INBOX (/private/filters/values)",
             .getMetadata(inbox, entries: ["/private/filters/values"], options: MetadataOptions(depth: .one))),
            ("a GETMETADATA (depth Infinity maxsize 0) INBOX /private",
             .getMetadata(inbox, entries: ["/private"], options: MetadataOptions(maxSize: 0, depth: .infinity))),
            ("a GETMETADATA (DEPTH 0) \"Sent Items\" \"/Shared/Comment\"",
             .getMetadata(MailboxName("Sent Items"), entries: ["/shared/comment"], options: MetadataOptions())),
            ("a GETMETADATA INBOX {16}\r\n/private/comment",
             .getMetadata(inbox, entries: ["/private/comment"], options: MetadataOptions())),
            // RFC 5464 §4.3 examples.
            ("a SETMETADATA INBOX (/private/comment \"My new comment\")",
             .setMetadata(inbox, [value("/private/comment", "My new comment")])),
            ("a SETMETADATA INBOX (/private/comment NIL)", .setMetadata(inbox, [value("/private/comment", nil)])),
            ("a SETMETADATA INBOX (/private/comment {33}\r\nMy new comment across\r\ntwo lines.)",
             .setMetadata(inbox, [value("/private/comment", "My new comment across\r\ntwo lines.")])),
            ("a SETMETADATA \"\" (/PRIVATE/Comment \"x\" /shared/vendor/example.com/a \"\" /private/b ~{3}\r\na\0b)",
             .setMetadata(MailboxName(""), [value("/private/comment", "x"), value("/shared/vendor/example.com/a", ""),
                                            MetadataEntryValue(entry: "/private/b", value: [97, 0, 98])])),
        ]
        for (input, expected) in fixtures {
            XCTAssertEqual(command(input), expected, input)
        }
    }

    func testRefusedInputs() {
        let refused = [
            "a GETMETADATA", "a GETMETADATA INBOX", "a GETMETADATA INBOX ()", "a GETMETADATA () INBOX /private/x",
            "a GETMETADATA (DEPTH 2) INBOX /private/x", "a GETMETADATA (MAXSIZE -1) INBOX /private/x",
            "a GETMETADATA (MAXSIZE 1 MAXSIZE 2) INBOX /private/x", "a GETMETADATA (COLOR red) INBOX /private/x",
            "a GETMETADATA INBOX (MAXSIZE 1024) /private/x",
            // Entry names (RFC 5464 §3.2).
            "a GETMETADATA INBOX comment", "a GETMETADATA INBOX /public/comment", "a GETMETADATA INBOX /private/",
            "a GETMETADATA INBOX /private//x", "a GETMETADATA INBOX /private/*", "a GETMETADATA INBOX /private/%",
            "a GETMETADATA INBOX \"/private/a b\"", "a GETMETADATA INBOX \"/private/\u{e9}\"",
            "a GETMETADATA INBOX /privatex", "a GETMETADATA INBOX ~{2}\r\n/p",
            // SETMETADATA: at least one pair, a bare scope or vendor prefix is not an entry.
            "a SETMETADATA INBOX ()", "a SETMETADATA INBOX /private/comment \"x\"", "a SETMETADATA INBOX (/private/comment)",
            "a SETMETADATA INBOX (/private \"x\")", "a SETMETADATA INBOX (/shared/vendor/example.com \"x\")",
            "a SETMETADATA INBOX (/private/comment {3}\r\na\0b)", "a SETMETADATA INBOX (/private/comment x)",
            "a SETMETADATA (/private/comment \"x\")",
        ]
        for input in refused {
            XCTAssertNotNil(rejection(input), input)
        }
    }

    func testResponseFixtures() {
        let fixtures: [(UntaggedResponse, String)] = [
            (.metadata(MailboxName(""), [value("/private/comment", "My comment")]),
             "* METADATA \"\" (/private/comment \"My comment\")\r\n"),
            (.metadata(MailboxName("INBOX"), [value("/shared/comment", "Shared comment"), value("/private/comment", nil)]),
             "* METADATA INBOX (/shared/comment \"Shared comment\" /private/comment NIL)\r\n"),
            (.metadata(MailboxName("a b"), [value("/private/c", "two\r\nlines")]),
             "* METADATA \"a b\" (/private/c {10}\r\ntwo\r\nlines)\r\n"),
            (.metadata(MailboxName("INBOX"), [MetadataEntryValue(entry: "/private/b", value: [97, 0, 98])]),
             "* METADATA INBOX (/private/b ~{3}\r\na\0b)\r\n"),
        ]
        for (response, expected) in fixtures {
            XCTAssertEqual(text(IMAPResponseEncoder.encode(.untagged(response))), expected)
        }
        XCTAssertEqual(text(IMAPResponseEncoder.encode(.tagged(tag: "a", .ok, ResponseText(code: .other("METADATA", "LONGENTRIES 2199"),
                                                                                          "done")))),
                       "a OK [METADATA LONGENTRIES 2199] done\r\n")
    }

    func testDepthMatching() {
        let fixtures: [(String, String, MetadataDepth, Bool)] = [
            ("/private/a", "/private/a", .zero, true), ("/private/a/b", "/private/a", .zero, false),
            ("/private/a/b", "/private/a", .one, true), ("/private/a/b/c", "/private/a", .one, false),
            ("/private/a/b/c", "/private/a", .infinity, true), ("/private/ab", "/private/a", .infinity, false),
            ("/shared/a", "/private", .infinity, false), ("/private/a", "/private", .one, true),
        ]
        for (candidate, entry, depth, expected) in fixtures {
            XCTAssertEqual(MetadataEntryName.matches(candidate, entry: entry, depth: depth), expected, "\(candidate) \(entry)")
        }
    }
}
