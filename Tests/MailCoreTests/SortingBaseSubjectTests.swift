import XCTest
@testable import MailCore

/// RFC 5256 §2.1 base subject extraction, and the reply-or-forward flag
/// that THREAD=REFERENCES step (5) uses.
final class SortingBaseSubjectTests: XCTestCase {
    /// (subject, base subject, is reply or forward)
    let fixtures: [(String, String, Bool)] = [
        // (1) whitespace: tabs and runs become one space, ends trimmed by (2)/(3).
        ("Hello World", "Hello World", false),
        ("  Hello \t  World  ", "Hello World", false),
        ("", "", false),
        // (3) subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"
        ("Re: Hello", "Hello", true),
        ("RE: Hello", "Hello", true),
        ("re:hello", "hello", true),
        ("Fw: Hello", "Hello", true),
        ("FWD:Hello", "Hello", true),
        ("Re[2]: Hello", "Hello", true),
        ("Re [2] : Hello", "Hello", true),
        ("Re :Hello", "Hello", true),
        ("Re: Re: Re: Hello", "Hello", true),
        ("Re:\tHello", "Hello", true),
        ("Re:", "", true),
        ("Reply: Hello", "Reply: Hello", false),
        ("Re Hello", "Re Hello", false),
        ("Fwd Hello", "Fwd Hello", false),
        ("Re[2 Hello", "Re[2 Hello", false),
        // (3) *subj-blob before a subj-refwd goes with it.
        ("[PATCH 1/2] Re: Hello", "Hello", true),
        ("Re: [list] Fwd: Re: x (fwd)", "x", true),
        ("Fwd: [list] Re: x", "x", true),
        // (4) a leading blob goes only when something remains after it.
        ("[list] Hello", "Hello", false),
        ("[list]", "[list]", false),
        ("[a] [b]", "[b]", false),
        ("[a][b] Hello", "Hello", false),
        ("Re: [list]", "[list]", true),
        ("[list] Re: [list]", "[list]", true),
        // (2) subj-trailer = "(fwd)" / WSP, repeatedly.
        ("Hello (fwd)", "Hello", true),
        ("Hello (FWD)", "Hello", true),
        ("Hello(fwd)(fwd)  ", "Hello", true),
        ("(fwd)", "", true),
        ("Hello (fwd) there", "Hello (fwd) there", false),
        // (6) "[fwd:" ... "]" around everything, then again from (2).
        ("[fwd: hello]", "hello", true),
        ("[Fwd: Re: hello (fwd)]", "hello", true),
        ("Re: [fwd: x]", "x", true),
        ("[fwd: [fwd: x]]", "x", true),
        ("[fwd:]", "", true),
        ("[fwd: x", "[fwd: x", false),
        ("[fwd: x] tail", "tail", false),
        // (1) RFC 2047 encoded words are decoded first.
        ("=?UTF-8?Q?Re:_caf=C3=A9?=", "café", true),
        ("Re: =?iso-8859-1?q?caf=E9?=", "café", true),
        ("=?utf-8?b?RndkOiBHcsO8w59l?=", "Grüße", true),
        ("=?utf-8?q?Hello?= =?utf-8?q?_World?=", "Hello World", false),
        ("=?unknown?q?Re:_x?=", "=?unknown?q?Re:_x?=", false),
        // Non-ASCII in a blob (Dovecot accepts it too).
        ("[café] Hello", "Hello", false),
    ]

    func testFixtures() {
        for (subject, expected, isReply) in fixtures {
            let base = BaseSubject(subject)
            XCTAssertEqual(base.text, expected, "base subject of \(subject.debugDescription)")
            XCTAssertEqual(base.isReplyOrForward, isReply, "reply/forward flag of \(subject.debugDescription)")
        }
    }

    func testMissingSubjectIsEmpty() {
        let base = BaseSubject(rawSubject: nil)
        XCTAssertEqual(base.text, "")
        XCTAssertFalse(base.isReplyOrForward)
        XCTAssertEqual(base.comparisonKey, [])
    }

    func testFoldedRawValueBecomesOneSpace() {
        // A raw header value may still hold the folding CRLF (step (1):
        // continuations become a space).
        XCTAssertEqual(BaseSubject(rawSubject: utf8Bytes("Re: a long\r\n\tsubject")).text, "a long subject")
    }

    func testComparisonKeyFoldsCaseAndDecomposes() {
        // i;unicode-casemap (RFC 5051): titlecase, then NFKD, then octets.
        XCTAssertEqual(BaseSubject("Re: hello").comparisonKey, utf8Bytes("HELLO"))
        XCTAssertEqual(BaseSubject("RE: HELLO").comparisonKey, BaseSubject("hello (fwd)").comparisonKey)
        XCTAssertEqual(BaseSubject("café").comparisonKey, utf8Bytes("CAFE\u{301}"))
        XCTAssertEqual(BaseSubject("café").comparisonKey, BaseSubject("CAFÉ").comparisonKey)
        XCTAssertEqual(BaseSubject("ﬁle").comparisonKey, utf8Bytes("fiLE"), "no simple titlecase; NFKD splits it")
    }

    func testUnicodeCasemapOrdersByUpperCasedOctets() {
        // "a" becomes "A" (0x41), which is before "_" (0x5F); lower-casing
        // instead would put "a" (0x61) after "_".
        XCTAssertLessThan(UnicodeCasemap.compare(UnicodeCasemap.key("a"), UnicodeCasemap.key("_")), 0)
        XCTAssertLessThan(UnicodeCasemap.compare(UnicodeCasemap.key(""), UnicodeCasemap.key("a")), 0)
        XCTAssertLessThan(UnicodeCasemap.compare(UnicodeCasemap.key("ab"), UnicodeCasemap.key("ABC")), 0)
        XCTAssertEqual(UnicodeCasemap.compare(UnicodeCasemap.key("Hello"), UnicodeCasemap.key("hELLO")), 0)
        XCTAssertGreaterThan(UnicodeCasemap.compare(UnicodeCasemap.key("b"), UnicodeCasemap.key("A")), 0)
        // "É" is "E" and a combining accent: between "D" and "F", as Dovecot sorts it.
        XCTAssertGreaterThan(UnicodeCasemap.compare(UnicodeCasemap.key("Émile"), UnicodeCasemap.key("Doe")), 0)
        XCTAssertLessThan(UnicodeCasemap.compare(UnicodeCasemap.key("émile"), UnicodeCasemap.key("Xavier")), 0)
        XCTAssertEqual(UnicodeCasemap.compare(UnicodeCasemap.key("ÄPFEL"), UnicodeCasemap.key("äpfel")), 0)
        // Simple titlecase mappings only: "ß" stays itself (not "Ss").
        XCTAssertEqual(UnicodeCasemap.key("ß"), utf8Bytes("ß"))
    }
}
