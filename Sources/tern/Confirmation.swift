import Foundation

/// The confirmation a destructive command asks for: `--yes` gives it in
/// advance; otherwise the question is asked on the terminal (standard
/// input), and without a terminal the command refuses, so a script never
/// destroys data by accident.
enum Confirmation {
    /// Returns when the action may go ahead; throws a `CommandError` when
    /// the answer is not yes or there is no terminal to ask.
    static func require(_ question: String, assumeYes: Bool, refusal: String) throws {
        if assumeYes { return }
        guard isatty(STDIN_FILENO) == 1 else {
            throw CommandError("\(refusal): no terminal to ask for confirmation, use --yes")
        }
        FileHandle.standardError.write(Data("\(question) [y/N] ".utf8))
        let answer = readLine(strippingNewline: true)?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        guard answer == "y" || answer == "yes" else {
            throw CommandError("\(refusal): not confirmed")
        }
    }
}
