/// Why a command could not be parsed; becomes `tag BAD reason`.
public struct GrammarError: Error, Hashable, Sendable {
    public var message: String

    public init(_ message: String) { self.message = message }
}
