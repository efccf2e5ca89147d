/// The version of Tern, shown by `tern version` and in protocol greetings
/// that name the implementation (POP3 CAPA IMPLEMENTATION, IMAP ID).
public enum TernVersion {
    public static let string = "0.1.0"
}
