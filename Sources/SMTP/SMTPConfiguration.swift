// SMTP server policy, filled in by the Server module from the configuration.

/// Which kind of listener a session serves.
public enum SMTPMode: Sendable, Equatable {
    /// Port 25: mail for the local domains from anyone (RFC 5321).
    case mx
    /// Ports 587 / 465: mail from the server's own users, AUTH required
    /// before MAIL (RFC 6409, RFC 8314).
    case submission
}

public struct SMTPConfiguration: Sendable {
    /// The name in the greeting, the EHLO reply and Received: headers.
    public var hostName: String
    public var mode: SMTPMode
    /// RFC 1870 SIZE, in octets: advertised, checked at MAIL and while receiving.
    public var maxMessageSize: Int
    /// SIZE for an MX client that has not authenticated and is not in a
    /// trusted network (at most `maxMessageSize`); nil: `maxMessageSize`.
    public var maxUnauthenticatedMessageSize: Int?
    /// The bound on message data held at once for unauthenticated clients
    /// of one address, shared by every SMTP session; nil: none.
    public var inFlight: InFlightMessageBytes?
    /// RFC 5321 §4.5.3.1.8 asks for at least 100.
    public var maxRecipients: Int
    /// Error replies tolerated before `421 4.7.0` and the end of the session.
    public var maxErrors: Int
    /// Longest text line of a DATA message with its CRLF (RFC 5321
    /// §4.5.3.1.6: 1000); nil accepts any length.
    public var maxTextLineLength: Int?
    /// Commands accepted on a submission connection before STARTTLS or
    /// AUTH (bounds what an unauthenticated client can do).
    public var maxCommandsBeforeAuthentication: Int
    /// AUTH only on TLS. MX: AUTH is then offered only after STARTTLS;
    /// submission also allows it on loopback.
    public var requireTLSForAuth: Bool
    /// True when STARTTLS can be offered (a certificate is configured and the
    /// listener isn't implicit TLS).
    public var offersSTARTTLS: Bool
    /// Networks whose clients may relay without AUTH.
    public var trustedNetworks: [IPNetwork]
    /// True: bare LF / bare CR in DATA become CRLF. False: the message is
    /// refused with `550 5.6.11` (RFC 5321 §2.3.8; SMTP smuggling).
    public var allowBareLineEndings: Bool
    /// Told of each accepted message (metrics); nil for none.
    public var messageObserver: (any SMTPMessageObserver)?
    /// The account (or alias) that gets postmaster@ and abuse@ mail of
    /// every local domain that has no account or alias of that name; nil:
    /// the oldest account (`RecipientResolver.roleDestination`).
    public var postmasterAccount: String?

    public init(hostName: String, mode: SMTPMode, maxMessageSize: Int = 50 * 1024 * 1024, maxRecipients: Int = 100,
                maxErrors: Int = 10, maxTextLineLength: Int? = 1000, maxCommandsBeforeAuthentication: Int = 20,
                requireTLSForAuth: Bool = true, offersSTARTTLS: Bool, trustedNetworks: [IPNetwork] = [],
                allowBareLineEndings: Bool = false, messageObserver: (any SMTPMessageObserver)? = nil,
                maxUnauthenticatedMessageSize: Int? = nil, inFlight: InFlightMessageBytes? = nil,
                postmasterAccount: String? = nil) {
        self.hostName = hostName
        self.mode = mode
        self.maxMessageSize = maxMessageSize
        self.maxUnauthenticatedMessageSize = maxUnauthenticatedMessageSize
        self.inFlight = inFlight
        self.maxRecipients = maxRecipients
        self.maxErrors = maxErrors
        self.maxTextLineLength = maxTextLineLength
        self.maxCommandsBeforeAuthentication = maxCommandsBeforeAuthentication
        self.requireTLSForAuth = requireTLSForAuth
        self.offersSTARTTLS = offersSTARTTLS
        self.trustedNetworks = trustedNetworks
        self.allowBareLineEndings = allowBareLineEndings
        self.messageObserver = messageObserver
        self.postmasterAccount = postmasterAccount
    }
}
