import XCTest
@testable import MailCore

final class EncodedWordsTests: XCTestCase {
    func testBase64UTF8() {
        XCTAssertEqual(EncodedWords.decode("=?UTF-8?B?R3LDvMOfZQ==?="), "Grüße")
    }

    func testQuotedPrintableLatin1WithUnderscores() {
        XCTAssertEqual(EncodedWords.decode("=?iso-8859-1?q?this=20is_some_t=E9xt?="), "this is some téxt")
    }

    func testWindows1252AndASCII() {
        XCTAssertEqual(EncodedWords.decode("=?windows-1252?Q?=80_and_=93q=94?="), "€ and \u{201C}q\u{201D}")
        XCTAssertEqual(EncodedWords.decode("=?us-ascii?Q?plain?="), "plain")
    }

    func testWhitespaceBetweenEncodedWordsIsRemoved() {
        XCTAssertEqual(EncodedWords.decode("=?utf-8?q?a?= =?utf-8?q?b?="), "ab")
        XCTAssertEqual(EncodedWords.decode("=?utf-8?q?a?=\r\n =?utf-8?q?b?="), "ab")
        XCTAssertEqual(EncodedWords.decode("=?utf-8?q?a?= b =?utf-8?q?c?="), "a b c")
    }

    func testMixedTextKeepsSpaces() {
        XCTAssertEqual(EncodedWords.decode("Re: =?UTF-8?Q?caf=C3=A9?= today"), "Re: café today")
    }

    func testMultibyteCharacterSplitAcrossWords() {
        // "é" is C3 A9; each word holds half of it.
        XCTAssertEqual(EncodedWords.decode("=?utf-8?Q?caf=C3?= =?utf-8?Q?=A9?="), "café")
    }

    func testLanguageSuffixRFC2231() {
        XCTAssertEqual(EncodedWords.decode("=?US-ASCII*EN?Q?Keith_Moore?="), "Keith Moore")
    }

    func testUnknownCharsetIsLeftEncoded() {
        let text = "=?x-unknown?Q?abc?="
        XCTAssertEqual(EncodedWords.decode(text), text)
    }

    func testMalformedWordsAreLeftAsWritten() {
        for text in ["=?utf-8?B?@@@?=", "=?utf-8?Q?=ZZ?=", "=?utf-8?X?abc?=", "=?utf-8?Q?abc", "=??Q?a?=",
                     "=?utf-8?B?QQ?= x", "=?utf-8?Q?a b?=", "a =? b ?= c", "=?", "=?utf-8?"] {
            let decoded = EncodedWords.decode(text)
            if text == "=?utf-8?B?QQ?= x" {
                XCTAssertEqual(decoded, "A x")
            } else {
                XCTAssertEqual(decoded, text, text)
            }
        }
    }

    func testPlainTextUnchanged() {
        XCTAssertEqual(EncodedWords.decode("Hello = world ?"), "Hello = world ?")
        XCTAssertEqual(EncodedWords.decode(""), "")
    }

    func testHeaderFieldDecodedValue() {
        let header = MessageHeader.parse(utf8Bytes("Subject: =?utf-8?B?w6k=?=\r\n =?utf-8?B?w6k=?=\r\n\r\n"))
        XCTAssertEqual(header.field("subject")?.value, "=?utf-8?B?w6k=?= =?utf-8?B?w6k=?=")
        XCTAssertEqual(header.field("subject")?.decodedValue, "éé")
    }
}

/// Display names written into a header (`EncodedWords.phrase`).
final class EncodedWordsPhraseTests: XCTestCase {
    func testPhrases() {
        let table: [(String, String?)] = [
            ("Cron Daemon", "Cron Daemon"),
            ("  spaced   out ", "spaced out"),
            ("O'Brien", "O'Brien"),
            ("Doe, John", "\"Doe, John\""),
            ("say \"hi\" \\ bye", "\"say \\\"hi\\\" \\\\ bye\""),
            ("Grüße", "=?UTF-8?B?R3LDvMOfZQ==?="),
            ("line\r\nbreak", "line break"),
            ("\t\n", nil),
            ("", nil),
        ]
        for (name, expected) in table {
            XCTAssertEqual(EncodedWords.phrase(name), expected, name)
        }
    }

    /// Long names become several words of at most 75 characters, split
    /// between characters, that decode back to the name.
    func testLongNameSplitsBetweenCharacters() throws {
        let name = String(repeating: "é", count: 40) + " and 😀😀😀"
        let phrase = try XCTUnwrap(EncodedWords.phrase(name))
        let words = phrase.split(separator: " ")
        XCTAssertGreaterThan(words.count, 1)
        XCTAssertTrue(words.allSatisfy { $0.count <= 75 }, phrase)
        XCTAssertEqual(EncodedWords.decode(phrase), name)
        XCTAssertEqual(EncodedWords.phrase(String(repeating: "a", count: 500))?.count, EncodedWords.maxPhraseScalars)
    }
}
