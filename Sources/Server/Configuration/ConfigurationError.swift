/// A configuration file that cannot be used: the message names the key and
/// the line, e.g. `unknown key "limits.max_conection" at line 12`.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, without the position.
    public var message: String
    /// The dotted key the error is about (`listener[1].port`), if any.
    public var key: String?
    /// The 1-based line in the file, when known.
    public var line: Int?

    public init(_ message: String, key: String? = nil, line: Int? = nil) {
        self.message = message
        self.key = key
        self.line = line
    }

    public var description: String {
        guard let line else { return message }
        return "\(message) at line \(line)"
    }
}
