/// The header fields a store keeps beside each message when it stores it,
/// so that the message lists mail clients fetch with
/// `BODY.PEEK[HEADER.FIELDS (…)]` are answered without opening a message
/// file (Dovecot keeps a cache file for the same reason). The names are
/// the union of what common clients ask for their lists: Thunderbird,
/// Apple Mail on macOS and iOS, Thunderbird for Android (K-9), Outlook,
/// Roundcube, mutt and Evolution. A request naming any other field is
/// answered from the message's file as before.
public enum CachedHeaderFields {
    public static let names: [String] = [
        "Date", "From", "Sender", "Reply-To", "To", "Cc", "Bcc", "Subject", "Message-ID", "In-Reply-To",
        "References", "Content-Type", "Content-Description", "MIME-Version", "Priority", "X-Priority",
        "Importance", "Newsgroups", "Organization", "Lines", "Return-Path", "Mail-Reply-To", "Mail-Followup-To",
        "Disposition-Notification-To", "List-Id", "List-Post", "List-Subscribe", "List-Unsubscribe",
        "List-Unsubscribe-Post", "X-Label", "X-Original-To", "X-Draft-Info", "X-K9mail-Identity", "Chat-Version",
        "X-Uniform-Type-Identifier", "X-Universally-Unique-Identifier", "BIMI-Indicator", "BIMI-Location",
        "X-BIMI-Indicator-Hash", "Authentication-Results", "DKIM-Signature",
    ]

    /// A message whose cached fields would be longer than this keeps none
    /// (its requests are answered from its file).
    public static let maximumSize = 16 * 1024

    /// The filter that selects the cached fields.
    public static let filter = HeaderFieldFilter.only(names)

    /// True when every field `requested` keeps is a cached one: the request
    /// is answered from the cache with the same bytes as from the message.
    public static func covers(_ requested: HeaderFieldFilter) -> Bool {
        requested.keepsNamed && requested.names.allSatisfy(filter.isNamed)
    }

    /// What a store keeps for a message whose header section is `header`:
    /// the cached fields as `HeaderFieldFilter.apply` gives them; nil when
    /// longer than `maximumSize`.
    public static func extract(fromHeader header: [UInt8]) -> [UInt8]? {
        let kept = filter.apply(to: header)
        return kept.count <= maximumSize ? kept : nil
    }
}
