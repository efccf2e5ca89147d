import MailCore

/// Parses one complete command (RFC 9051 §9 `command`) from the bytes the
/// framer assembled: lines joined by CRLF with literal data inline.
public enum CommandParser {
    /// Parses `tag SP command`. On failure the error carries the tag when
    /// it could be read, so the session can answer `tag BAD`.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = 32) -> Result<TaggedCommand, TaggedGrammarError> {
        var cursor = GrammarCursor(bytes, maxDepth: maxDepth)
        let tagBytes = cursor.run(ByteClass.isTagChar)
        guard !tagBytes.isEmpty, cursor.peek == UInt8(ascii: " ") || cursor.atEnd else {
            return .failure(TaggedGrammarError(tag: nil, error: GrammarError("missing or invalid tag")))
        }
        let tag = String(decoding: tagBytes, as: UTF8.self)
        do {
            try cursor.space()
            let command = try parseCommand(&cursor)
            try cursor.expectEnd()
            return .success(TaggedCommand(tag: tag, command: command))
        } catch let error as GrammarError {
            return .failure(TaggedGrammarError(tag: tag, error: error))
        } catch {
            return .failure(TaggedGrammarError(tag: tag, error: GrammarError("invalid command")))
        }
    }

    static func parseCommand(_ cursor: inout GrammarCursor) throws -> IMAPCommand {
        let name = try cursor.keyword()
        switch name {
        case "CAPABILITY": return .capability
        case "NOOP": return .noop
        case "LOGOUT": return .logout
        case "UNAUTHENTICATE": return .unauthenticate
        case "STARTTLS": return .starttls
        case "NAMESPACE": return .namespace
        case "CHECK": return .check
        case "CLOSE": return .close
        case "UNSELECT": return .unselect
        case "EXPUNGE": return .expunge
        case "IDLE": return .idle
        case "AUTHENTICATE":
            try cursor.space()
            let mechanism = try cursor.keyword()
            var initial: [UInt8]?
            if cursor.take(UInt8(ascii: " ")) {
                // initial-resp = base64 / "=" (RFC 4959 §7).
                let slice = cursor.run(ByteClass.isBase64Char)
                guard !slice.isEmpty else { throw cursor.fail("invalid initial response") }
                initial = Array(slice)
            }
            return .authenticate(mechanism: mechanism, initialResponse: initial)
        case "LOGIN":
            try cursor.space()
            let user = try cursor.astring()
            try cursor.space()
            return .login(user: user, password: try cursor.astring())
        case "GETQUOTA":
            // RFC 9208 §6: getquota = "GETQUOTA" SP quota-root-name (an astring).
            try cursor.space()
            return .getQuota(root: try cursor.astring())
        case "GETQUOTAROOT":
            try cursor.space()
            return .getQuotaRoot(try cursor.mailbox())
        case "SETQUOTA":
            // setquota = "SETQUOTA" SP quota-root-name SP setquota-list;
            // setquota-list = "(" [setquota-resource *(SP setquota-resource)] ")".
            try cursor.space()
            let root = try cursor.astring()
            try cursor.space()
            let limits = try cursor.parenthesized(allowEmpty: true) { cursor -> QuotaResourceLimit in
                let resource = try cursor.atom().uppercased()
                try cursor.space()
                return QuotaResourceLimit(resource: resource, limit: try cursor.number64())
            }
            return .setQuota(root: root, limits)
        case "GETMETADATA":
            return try MetadataParser.parseGetMetadata(&cursor)
        case "SETMETADATA":
            return try MetadataParser.parseSetMetadata(&cursor)
        case "COMPRESS":
            // RFC 4978 §5: compress = "COMPRESS" SP algorithm; algorithm = "DEFLATE".
            try cursor.space()
            return .compress(algorithm: try cursor.atom())
        case "ENABLE":
            var capabilities: [String] = []
            while cursor.take(UInt8(ascii: " ")) { capabilities.append(try cursor.keyword()) }
            guard !capabilities.isEmpty else { throw cursor.fail("ENABLE needs a capability") }
            return .enable(capabilities)
        case "ID":
            try cursor.space()
            return .id(try parseIDParameters(&cursor))
        case "SELECT", "EXAMINE":
            try cursor.space()
            let mailbox = try cursor.mailbox()
            var parameters: [CommandParameter] = []
            if cursor.take(UInt8(ascii: " ")) { parameters = try cursor.parameterList() }
            return name == "SELECT" ? .select(mailbox, parameters: parameters) : .examine(mailbox, parameters: parameters)
        case "CREATE":
            try cursor.space()
            let mailbox = try cursor.mailbox()
            var parameters: [CommandParameter] = []
            if cursor.take(UInt8(ascii: " ")) { parameters = try cursor.parameterList() }
            return .create(mailbox, parameters: parameters)
        case "DELETE", "SUBSCRIBE", "UNSUBSCRIBE":
            try cursor.space()
            let mailbox = try cursor.mailbox()
            switch name {
            case "DELETE": return .delete(mailbox)
            case "SUBSCRIBE": return .subscribe(mailbox)
            default: return .unsubscribe(mailbox)
            }
        case "RENAME":
            try cursor.space()
            let from = try cursor.mailbox()
            try cursor.space()
            return .rename(from: from, to: try cursor.mailbox())
        case "LIST":
            return .list(try ListParser.parseList(&cursor))
        case "LSUB":
            try cursor.space()
            let reference = try cursor.mailbox()
            try cursor.space()
            return .lsub(reference: reference, pattern: try cursor.listMailbox())
        case "STATUS":
            try cursor.space()
            let mailbox = try cursor.mailbox()
            try cursor.space()
            return .status(mailbox, try ListParser.parseStatusAttributes(&cursor))
        case "APPEND":
            return try parseAppend(&cursor)
        case "REPLACE":
            return try parseReplace(&cursor, uid: false)
        case "SEARCH":
            return .search(try SearchParser.parseSearch(&cursor), uid: false)
        case "SORT":
            return .sort(try SortParser.parseSort(&cursor), uid: false)
        case "THREAD":
            return .thread(try SortParser.parseThread(&cursor), uid: false)
        case "FETCH":
            return try FetchParser.parseFetch(&cursor, uid: false)
        case "STORE":
            return try parseStore(&cursor, uid: false)
        case "COPY", "MOVE":
            return try parseCopyOrMove(&cursor, move: name == "MOVE", uid: false)
        case "UID":
            try cursor.space()
            let sub = try cursor.keyword()
            switch sub {
            case "SEARCH": return .search(try SearchParser.parseSearch(&cursor), uid: true)
            case "SORT": return .sort(try SortParser.parseSort(&cursor), uid: true)
            case "THREAD": return .thread(try SortParser.parseThread(&cursor), uid: true)
            case "FETCH": return try FetchParser.parseFetch(&cursor, uid: true)
            case "STORE": return try parseStore(&cursor, uid: true)
            case "COPY", "MOVE": return try parseCopyOrMove(&cursor, move: sub == "MOVE", uid: true)
            case "REPLACE": return try parseReplace(&cursor, uid: true)
            case "EXPUNGE":
                try cursor.space()
                return .uidExpunge(try cursor.sequenceSet())
            default: throw cursor.fail("unknown UID command")
            }
        default:
            throw cursor.fail("unknown command")
        }
    }

    /// id-params-list (RFC 2971 §4): "(" *(string SP nstring) ")" / NIL.
    static func parseIDParameters(_ cursor: inout GrammarCursor) throws -> [IDParameter]? {
        if cursor.peek != UInt8(ascii: "(") {
            guard try cursor.keyword() == "NIL" else { throw cursor.fail("expected ID list or NIL") }
            return nil
        }
        try cursor.openParen()
        var parameters: [IDParameter] = []
        if cursor.peek != UInt8(ascii: ")") {
            repeat {
                let key = try cursor.string()
                try cursor.space()
                parameters.append(IDParameter(key: key, value: try cursor.nstring()))
            } while cursor.take(UInt8(ascii: " "))
        }
        try cursor.closeParen()
        guard parameters.count <= 30 else { throw cursor.fail("too many ID parameters") }
        return parameters
    }

    /// append = "APPEND" SP mailbox 1*append-message (RFC 3502 §6).
    static func parseAppend(_ cursor: inout GrammarCursor) throws -> IMAPCommand {
        try cursor.space()
        let mailbox = try cursor.mailbox()
        var messages: [AppendMessage] = []
        while cursor.take(UInt8(ascii: " ")) {
            messages.append(try parseAppendMessage(&cursor))
        }
        guard !messages.isEmpty else {
            throw cursor.fail(cursor.atEnd ? "APPEND needs a message (a literal after the mailbox name)"
                                           : "expected space, found \(cursor.describeNext())")
        }
        return .append(mailbox, messages)
    }

    /// append-message after its space: [flag-list SP] [date-time SP] literal.
    static func parseAppendMessage(_ cursor: inout GrammarCursor) throws -> AppendMessage {
        var flags: [String] = []
        var date: MailDate?
        if cursor.peek == UInt8(ascii: "(") {
            flags = try cursor.flagList()
            try cursor.space()
        }
        if cursor.peek == UInt8(ascii: "\"") {
            date = try cursor.dateTime()
            try cursor.space()
        }
        let literal = try cursor.literal(allowBinary: true)
        return AppendMessage(flags: flags, date: date, data: literal.data, isBinary: literal.binary)
    }

    /// replace = "REPLACE" SP seq-number SP mailbox append-message;
    /// uid-replace = "UID" SP replace (RFC 8508 §6): one message.
    static func parseReplace(_ cursor: inout GrammarCursor, uid: Bool) throws -> IMAPCommand {
        try cursor.space()
        let number = try cursor.sequenceNumber()
        try cursor.space()
        let mailbox = try cursor.mailbox()
        try cursor.space()
        return .replace(number, mailbox, try parseAppendMessage(&cursor), uid: uid)
    }

    /// store = "STORE" SP sequence-set [store-modifiers] SP store-att-flags.
    static func parseStore(_ cursor: inout GrammarCursor, uid: Bool) throws -> IMAPCommand {
        try cursor.space()
        let set = try cursor.sequenceSet()
        try cursor.space()
        var unchangedSince: UInt64?
        if cursor.peek == UInt8(ascii: "(") {
            let parameters = try cursor.parameterList()
            for parameter in parameters {
                guard parameter.name == "UNCHANGEDSINCE", case .token(let text)? = parameter.value,
                      let value = UInt64(text) else { throw cursor.fail("invalid STORE modifier") }
                unchangedSince = value
            }
            try cursor.space()
        }
        let operation: StoreAction.Operation
        if cursor.take(UInt8(ascii: "+")) {
            operation = .add
        } else if cursor.take(UInt8(ascii: "-")) {
            operation = .remove
        } else {
            operation = .replace
        }
        let item = try cursor.fetchKeyword()
        let silent: Bool
        switch item {
        case "FLAGS": silent = false
        case "FLAGS.SILENT": silent = true
        default: throw cursor.fail("expected FLAGS")
        }
        try cursor.space()
        var flags: [String]
        if cursor.peek == UInt8(ascii: "(") {
            flags = try cursor.flagList()
        } else {
            flags = [try cursor.flag()]
            while cursor.take(UInt8(ascii: " ")) { flags.append(try cursor.flag()) }
        }
        return .store(set, unchangedSince: unchangedSince,
                      StoreAction(operation: operation, silent: silent, flags: flags), uid: uid)
    }

    static func parseCopyOrMove(_ cursor: inout GrammarCursor, move: Bool, uid: Bool) throws -> IMAPCommand {
        try cursor.space()
        let set = try cursor.sequenceSet()
        try cursor.space()
        let mailbox = try cursor.mailbox()
        return move ? .move(set, mailbox, uid: uid) : .copy(set, mailbox, uid: uid)
    }
}


/// A parse failure with the command's tag when it was readable.
public struct TaggedGrammarError: Error, Hashable, Sendable {
    public var tag: String?
    public var error: GrammarError

    public init(tag: String?, error: GrammarError) {
        self.tag = tag
        self.error = error
    }
}
