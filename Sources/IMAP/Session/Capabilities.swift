/// The CAPABILITY lists Tern announces (RFC 9051 §7.2.2), which depend on
/// the connection and the session state.
public enum IMAPCapabilities {
    /// Before login (RFC 9051 §6.2). LOGINDISABLED replaces the password
    /// mechanisms while passwords may not be sent on this connection (RFC
    /// 9051 §6.2.3, §11.1; the RFC 3501 §6.2.1 example); STARTTLS is offered
    /// only on a cleartext listener that has it.
    public static func beforeAuthentication(offersSTARTTLS: Bool, cleartextAuthenticationAllowed: Bool) -> [String] {
        var list = ["IMAP4rev1", "IMAP4rev2", "LITERAL+", "SASL-IR", "ID", "ENABLE"]
        if cleartextAuthenticationAllowed {
            list += ["AUTH=PLAIN", "AUTH=LOGIN"]
        }
        if offersSTARTTLS { list.append("STARTTLS") }
        if !cleartextAuthenticationAllowed { list.append("LOGINDISABLED") }
        return list
    }

    /// After login: every extension the authenticated and selected states
    /// implement. APPENDLIMIT (RFC 7889 §3) is the parser's literal bound.
    public static func afterAuthentication(appendLimit: Int, compression: Bool = false) -> [String] {
        var list = [
            "IMAP4rev1", "IMAP4rev2", "LITERAL+", "ID", "ENABLE", "IDLE", "NAMESPACE", "UNSELECT", "UIDPLUS",
            "CHILDREN", "LIST-EXTENDED", "LIST-STATUS", "SPECIAL-USE", "CREATE-SPECIAL-USE", "MOVE", "CONDSTORE",
            "QRESYNC", "ESEARCH", "SEARCHRES", "WITHIN", "UTF8=ACCEPT", "BINARY", "MULTIAPPEND", "STATUS=SIZE",
            "UNAUTHENTICATE", "APPENDLIMIT=\(appendLimit)",
        ]
        list += SortCommandHandler.capabilities + QuotaCommandHandler.capabilities + MetadataCommandHandler.capabilities
        list += ["OBJECTID", "SAVEDATE", "PREVIEW", "REPLACE"]
        if compression { list.append("COMPRESS=DEFLATE") }
        return list
    }
}
