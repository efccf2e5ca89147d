/// A forgiving RFC 5322 §3.4 address-list parser: display names, angle
/// addresses, obsolete routes (§4.4), groups, comments and quoted strings.
/// It never fails: garbage is skipped up to the next comma.
public enum AddressListParser {
    /// At most this many entries are returned (a bound on hostile input).
    public static let maxEntries = 5000

    /// Parses an unfolded header value such as the body of a To: field.
    public static func parse(_ value: String) -> [AddressListEntry] {
        parse(Array(value.utf8))
    }

    /// Parses an unfolded header value given as bytes (UTF-8).
    public static func parse(_ bytes: [UInt8]) -> [AddressListEntry] {
        var parser = Parser(tokens: AddressTokenizer.tokenize(bytes))
        return parser.addressList()
    }

    private struct Parser {
        let tokens: [AddressToken]
        var index = 0

        var current: AddressToken? { index < tokens.count ? tokens[index] : nil }

        func isSpecial(_ byte: UInt8) -> Bool {
            if case .special(let found) = current { return found == byte }
            return false
        }

        mutating func addressList() -> [AddressListEntry] {
            var entries: [AddressListEntry] = []
            while index < tokens.count && entries.count < AddressListParser.maxEntries {
                if isSpecial(0x2C) || isSpecial(0x3B) || isSpecial(0x3E) { index += 1; continue }
                let start = index
                if let entry = address(inGroup: false) { entries.append(entry) }
                if index == start { index += 1 }
            }
            return entries
        }

        /// One address; leaves the index at the separator (or end).
        mutating func address(inGroup: Bool) -> AddressListEntry? {
            var words: [AddressToken] = []
            var lastComment: String? = nil
            while let token = current {
                switch token {
                case .special(0x3C):
                    index += 1
                    let name = phrase(words)
                    guard var mailbox = angleAddress() else { skipToSeparator(inGroup: inGroup); return nil }
                    mailbox.displayName = name
                    skipToSeparator(inGroup: inGroup)
                    return .mailbox(mailbox)
                case .special(0x3A) where !inGroup:
                    index += 1
                    let name = phrase(words) ?? ""
                    var members: [MailboxAddress] = []
                    while let inner = current {
                        if case .special(0x3B) = inner { index += 1; break }
                        if case .special(0x2C) = inner { index += 1; continue }
                        let start = index
                        if case .mailbox(let member)? = address(inGroup: true), members.count < AddressListParser.maxEntries {
                            members.append(member)
                        }
                        if index == start { index += 1 }
                    }
                    skipToSeparator(inGroup: inGroup)
                    return .group(name: name, members: members)
                case .special(0x40):
                    index += 1
                    var mailbox = MailboxAddress(localPart: localPart(words), domain: domain())
                    // "user@example.com (Name)": the comment names the mailbox.
                    while case .comment(let text)? = current { lastComment = text; index += 1 }
                    if let comment = lastComment, !comment.isEmpty { mailbox.displayName = comment }
                    skipToSeparator(inGroup: inGroup)
                    return .mailbox(mailbox)
                case .special(0x2C), .special(0x3B):
                    return bareWords(words, comment: lastComment)
                case .special(0x2E):
                    words.append(token)
                    index += 1
                case .special:
                    index += 1
                case .comment(let text):
                    lastComment = text
                    index += 1
                case .atom, .quoted, .literal:
                    words.append(token)
                    index += 1
                }
            }
            return bareWords(words, comment: lastComment)
        }

        /// Words with no "@" and no angle brackets: an address without a domain.
        func bareWords(_ words: [AddressToken], comment: String?) -> AddressListEntry? {
            let local = localPart(words)
            guard !local.isEmpty else { return nil }
            return .mailbox(MailboxAddress(displayName: comment, localPart: local, domain: nil))
        }

        /// After "<": [obs-route] addr-spec ">" (a missing ">" is tolerated).
        mutating func angleAddress() -> MailboxAddress? {
            var route: String? = nil
            if isSpecial(0x40) {
                // obs-route: 1*("@" domain) separated by commas, then ":".
                var routes: [String] = []
                while isSpecial(0x40) || isSpecial(0x2C) {
                    let isAt = isSpecial(0x40)
                    index += 1
                    if isAt { routes.append("@" + (domain() ?? "")) }
                }
                if isSpecial(0x3A) { index += 1 }
                route = routes.joined(separator: ",")
            }
            var words: [AddressToken] = []
            var domainPart: String? = nil
            while let token = current {
                if case .special(0x3E) = token { index += 1; break }
                if case .special(0x2C) = token { break }
                if case .special(0x40) = token {
                    index += 1
                    domainPart = domain()
                    continue
                }
                if case .comment = token { index += 1; continue }
                if case .special = token { index += 1; continue }
                words.append(token)
                index += 1
            }
            return MailboxAddress(route: route, localPart: localPart(words), domain: domainPart)
        }

        /// domain = dot-atom / domain-literal; lower-cased. nil when empty.
        mutating func domain() -> String? {
            var text = ""
            while let token = current {
                switch token {
                case .atom(let word): text += word
                case .literal(let literal): text += literal
                case .special(0x2E): text += "."
                case .comment:
                    // A comment after the domain ends it; the caller may use it as a name.
                    if !text.isEmpty { return text.lowercased() }
                default: return text.isEmpty ? nil : text.lowercased()
                }
                index += 1
            }
            return text.isEmpty ? nil : text.lowercased()
        }

        /// The local part from words and dots, quotes removed.
        func localPart(_ words: [AddressToken]) -> String {
            var text = ""
            for word in words {
                switch word {
                case .atom(let atom): text += atom
                case .quoted(let quoted): text += quoted
                case .literal(let literal): text += literal
                case .special(0x2E): text += "."
                default: break
                }
            }
            return text
        }

        /// A display name: words separated by one space, "." attached to
        /// the word before it (obs-phrase). nil when there are no words.
        func phrase(_ words: [AddressToken]) -> String? {
            var text = ""
            for word in words {
                switch word {
                case .atom(let atom), .quoted(let atom), .literal(let atom):
                    if !text.isEmpty { text += " " }
                    text += atom
                case .special(0x2E):
                    text += "."
                default: break
                }
            }
            let trimmed = ByteText.trimmed(text)
            return trimmed.isEmpty ? nil : trimmed
        }

        /// Skips garbage to the next "," (or ";" inside a group, or end).
        mutating func skipToSeparator(inGroup: Bool) {
            while let token = current {
                if case .special(0x2C) = token { return }
                if case .special(0x3B) = token { return }
                index += 1
            }
        }
    }
}
