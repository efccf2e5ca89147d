/// The version of Tern, shown by `tern version` and in protocol greetings
/// that name the implementation (POP3 CAPA IMPLEMENTATION, IMAP ID). The
/// README's first lines state the same version (a test compares them).
public enum TernVersion {
    public static let string = "0.3.0-dev"
}
