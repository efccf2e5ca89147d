/// LIST (RFC 9051 §6.3.9, LIST-EXTENDED RFC 5258 §6) and STATUS attribute lists.
enum ListParser {
    /// list = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat [SP list-return-opts].
    static func parseList(_ cursor: inout GrammarCursor) throws -> ListCommand {
        try cursor.space()
        var selectOptions: [ListSelectOption] = []
        if cursor.peek == UInt8(ascii: "(") {
            selectOptions = try cursor.parenthesized(allowEmpty: true) { cursor in
                switch try cursor.keyword() {
                case "SUBSCRIBED": return .subscribed
                case "REMOTE": return .remote
                case "RECURSIVEMATCH": return .recursiveMatch
                case "SPECIAL-USE": return .specialUse
                case let other: return .other(other)
                }
            }
            try cursor.space()
        }
        let reference = try cursor.mailbox()
        try cursor.space()
        var patterns: [[UInt8]]
        if cursor.peek == UInt8(ascii: "(") {
            patterns = try cursor.parenthesized { try $0.listMailbox() }
        } else {
            patterns = [try cursor.listMailbox()]
        }
        var returnOptions: [ListReturnOption] = []
        if cursor.take(UInt8(ascii: " ")) {
            guard try cursor.keyword() == "RETURN" else { throw cursor.fail("expected RETURN") }
            try cursor.space()
            returnOptions = try cursor.parenthesized(allowEmpty: true) { cursor in
                switch try cursor.keyword() {
                case "SUBSCRIBED": return .subscribed
                case "CHILDREN": return .children
                case "SPECIAL-USE": return .specialUse
                case "STATUS":
                    try cursor.space()
                    return .status(try parseStatusAttributes(&cursor))
                case let other: return .other(other)
                }
            }
        }
        return ListCommand(selectOptions: selectOptions, reference: reference, patterns: patterns,
                           returnOptions: returnOptions)
    }

    /// "(" status-att *(SP status-att) ")".
    static func parseStatusAttributes(_ cursor: inout GrammarCursor) throws -> [StatusAttribute] {
        try cursor.parenthesized { cursor in
            let name = try cursor.keyword()
            guard let attribute = StatusAttribute(rawValue: name) else { throw cursor.fail("unknown STATUS item \(name)") }
            return attribute
        }
    }
}
