import Foundation
import MailCore
import MailStore
import MailStoreTestSupport
import XCTest
@testable import IMAP

/// SORT, ESORT and THREAD through a session (RFC 5256, RFC 5957, RFC
/// 5267). The expected answers are Dovecot 2.3's for the same eight
/// messages (run through its preauth `imap` binary), except that ESEARCH
/// lists COUNT before ALL (the order of return data is free, RFC 4731 §3.1).
final class SortThreadSessionTests: IMAPSessionTestCase {
    /// (internal date, message): replies by In-Reply-To and References, a
    /// lost common parent, a forward, a missing Date, encoded words, Cc.
    static let messages: [(String, String)] = [
        ("2024-01-03T10:00:00Z", "Message-ID: <m1@x>\r\nDate: Wed, 3 Jan 2024 10:00:00 +0000\r\nFrom: Carol <carol@x>\r\nTo: zz@x\r\nSubject: Re: banana\r\n\r\nbody one\r\n"),
        ("2024-01-01T10:00:00Z", "Message-ID: <m2@x>\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\nFrom: bob@x\r\nTo: Yvonne <aa@x>\r\nCc: cc1@x\r\nSubject: apple\r\n\r\nbody two, a little longer\r\n"),
        ("2024-01-02T10:00:00Z", "Message-ID: <m3@x>\r\nDate: Tue, 2 Jan 2024 12:00:00 +0200\r\nFrom: =?UTF-8?Q?Al?= <zed@x>\r\nTo: mm@x\r\nSubject: [list] Cherry\r\n\r\nb3\r\n"),
        ("2023-12-31T10:00:00Z", "Message-ID: <m4@x>\r\nFrom: adam@x\r\nTo: bb@x\r\nCc: aa@x\r\nSubject: Fwd: Apple (fwd)\r\n\r\nbody four\r\n"),
        ("2024-01-04T10:00:00Z", "Message-ID: <m5@x>\r\nDate: Thu, 4 Jan 2024 10:00:00 +0000\r\nFrom: bob@x\r\nTo: aa@x\r\nIn-Reply-To: <m2@x>\r\nSubject: Re: apple\r\n\r\nfive\r\n"),
        ("2024-01-05T10:00:00Z", "Message-ID: <m6@x>\r\nDate: Fri, 5 Jan 2024 10:00:00 +0000\r\nFrom: Carol <carol@x>\r\nTo: aa@x\r\nReferences: <m2@x> <m5@x>\r\nSubject: Re: apple\r\n\r\nsix\r\n"),
        ("2024-01-06T10:00:00Z", "Message-ID: <m7@x>\r\nDate: Sat, 6 Jan 2024 10:00:00 +0000\r\nFrom: dora@x\r\nTo: aa@x\r\nReferences: <gone@x>\r\nSubject: Re: lost parent\r\n\r\nseven\r\n"),
        ("2024-01-07T10:00:00Z", "Message-ID: <m8@x>\r\nDate: Sun, 7 Jan 2024 10:00:00 +0000\r\nFrom: erin@x\r\nTo: aa@x\r\nReferences: <gone@x>\r\nSubject: Re: lost parent\r\n\r\neight\r\n"),
    ]

    static let expected: [(String, String)] = [
        ("SORT (SUBJECT) UTF-8 ALL", "* SORT 2 4 5 6 1 3 7 8"),
        ("SORT (REVERSE DATE) UTF-8 ALL", "* SORT 8 7 6 5 1 3 2 4"),
        ("SORT (FROM) UTF-8 ALL", "* SORT 4 2 5 1 6 7 8 3"),
        ("SORT (DISPLAYFROM) UTF-8 ALL", "* SORT 4 3 2 5 1 6 7 8"),
        ("SORT (TO) UTF-8 ALL", "* SORT 2 5 6 7 8 4 3 1"),
        ("SORT (DISPLAYTO) UTF-8 ALL", "* SORT 5 6 7 8 4 3 2 1"),
        ("SORT (CC SIZE) UTF-8 ALL", "* SORT 1 3 5 7 8 6 4 2"),
        ("SORT (ARRIVAL) UTF-8 ALL", "* SORT 4 2 3 1 5 6 7 8"),
        ("UID SORT (SUBJECT) UTF-8 NOT FROM adam", "* SORT 2 5 6 1 3 7 8"),
        ("SORT RETURN (MIN MAX COUNT ALL) (DATE) UTF-8 ALL", "* ESEARCH (TAG \"T\") MIN 4 MAX 8 COUNT 8 ALL 4,2:3,1,5:8"),
        ("SORT RETURN (MIN) (REVERSE SUBJECT) UTF-8 FROM bob", "* ESEARCH (TAG \"T\") MIN 2"),
        ("THREAD REFERENCES UTF-8 ALL", "* THREAD (2 (4)(5 6))(3)(1)((7)(8))"),
        ("THREAD ORDEREDSUBJECT UTF-8 ALL", "* THREAD (4 (2)(5)(6))(3)(1)(7 8)"),
        ("SORT (SUBJECT) UTF-8 FROM nobody", "* SORT"),
        ("THREAD REFERENCES UTF-8 FROM nobody", "* THREAD"),
    ]

    func load() async throws {
        let dates = ISO8601DateFormatter()
        for (date, text) in Self.messages {
            _ = try await store.appendMessage(mailboxID: inbox.id,
                                              NewMessage(body: Array(text.utf8), internalDate: dates.date(from: date)!))
        }
    }

    func answers(_ client: SessionClient) async -> [String] {
        var answers: [String] = []
        for (command, _) in Self.expected {
            let reply = await client.send("T \(command)\r\n")
            XCTAssertTrue(reply.hasSuffix("T OK \(command.hasPrefix("THREAD") ? "THREAD" : "SORT") completed\r\n")
                          || reply.contains("T OK"), reply)
            answers.append(reply.components(separatedBy: "\r\n").first ?? "")
        }
        return answers
    }

    func testAnswersAsDovecotDoes() async throws {
        try await load()
        let client = await selectedClient()
        let got = await answers(client)
        for ((command, expected), answer) in zip(Self.expected, got) {
            XCTAssertEqual(answer, expected, command)
        }
    }

    /// Messages stored before the header-field cache and the sort keys
    /// existed have their header read from the file: the same answers.
    func testMessagesWithoutCachedFieldsSortTheSame() async throws {
        try await load()
        let uncached = await selectedClient(sessionStore: WithoutCachedHeaderFields(base: store))
        let got = await answers(uncached)
        XCTAssertEqual(got, Self.expected.map(\.1))
    }

    func testCharsetSaveModSeqAndCapabilities() async throws {
        try await load()
        let client = await selectedClient()
        let capability = await client.send("C CAPABILITY\r\n")
        for name in ["SORT", "SORT=DISPLAY", "ESORT", "THREAD=ORDEREDSUBJECT", "THREAD=REFERENCES"] {
            XCTAssertTrue(capabilities(in: capability).contains(name), name)
        }
        let badCharset = await client.send("B SORT (DATE) KOI8-R ALL\r\n")
        XCTAssertTrue(badCharset.hasPrefix("B NO [BADCHARSET (UTF-8 US-ASCII)]"), badCharset)
        let badThread = await client.send("B THREAD REFERENCES ISO-2022-JP ALL\r\n")
        XCTAssertTrue(badThread.hasPrefix("B NO [BADCHARSET"), badThread)

        // RFC 5182: SAVE keeps the matches as a set for `$`.
        await expectEqual(await client.send("S SORT RETURN (SAVE) (REVERSE DATE) UTF-8 FROM bob\r\n"),
                          "S OK SORT completed\r\n")
        await expectEqual(await client.send("F UID FETCH $ (UID)\r\n"),
                          "* 2 FETCH (UID 2)\r\n* 5 FETCH (UID 5)\r\nF OK FETCH completed\r\n")

        // RFC 7162 §3.1.5: MODSEQ in the search gives the highest mod-sequence of the matches.
        let highest = try await store.messages(mailboxID: inbox.id).map(\.modSeq).max()!
        let modseq = await client.send("M SORT (SUBJECT) UTF-8 MODSEQ 1\r\n")
        XCTAssertTrue(modseq.hasPrefix("* OK [HIGHESTMODSEQ"), modseq)
        XCTAssertTrue(modseq.contains("* SORT 2 4 5 6 1 3 7 8 (MODSEQ \(highest))\r\n"), modseq)

        // After an expunge the numbers follow the view.
        _ = await client.send("D STORE 2 +FLAGS.SILENT (\\Deleted)\r\n")
        _ = await client.send("E EXPUNGE\r\n")
        await expectEqual(await client.send("T SORT (SUBJECT) UTF-8 ALL\r\n"), "* SORT 3 4 5 1 2 6 7\r\nT OK SORT completed\r\n")
        await expectEqual(await client.send("U UID SORT (SUBJECT) UTF-8 ALL\r\n"), "* SORT 4 5 6 1 3 7 8\r\nU OK SORT completed\r\n")
    }
}

/// A store whose layouts come without cached header fields and whose rows
/// have no sort keys, like rows stored before the v8 and v12 migrations.
struct WithoutCachedHeaderFields: ForwardingMailStore {
    let base: any MailStore

    func messageSortKeys(mailboxID: MailboxID, uids: [MessageUID], keys: Set<SortKey>) async throws -> [MessageSortRow] {
        try await base.messageSortKeys(mailboxID: mailboxID, uids: uids, keys: keys).map { row in
            var row = row
            row.keys = nil
            return row
        }
    }

    func messageLayouts(mailboxID: MailboxID, uids: [MessageUID], cachedHeaderFields: Bool) async throws
        -> [MessageLayout] {
        try await base.messageLayouts(mailboxID: mailboxID, uids: uids, cachedHeaderFields: cachedHeaderFields)
            .map { layout in
                var layout = layout
                layout.cachedHeaderFields = nil
                return layout
            }
    }
}
