import Foundation

/// Reads a new password: one line of standard input with --password-stdin,
/// else from the terminal without echo, asked twice.
enum PasswordInput {
    static func read(fromStandardInput: Bool) throws -> String {
        if fromStandardInput {
            guard let line = readLine(strippingNewline: true) else {
                throw CommandError("no password on standard input")
            }
            let password = line.hasSuffix("\r") ? String(line.dropLast()) : line
            guard !password.isEmpty else { throw CommandError("the password is empty") }
            return password
        }
        let first = try prompt("Password: ")
        guard !first.isEmpty else { throw CommandError("the password is empty") }
        let second = try prompt("Repeat password: ")
        guard first == second else { throw CommandError("the passwords do not match") }
        return first
    }

    /// Asks on /dev/tty with echo off (termios), restoring the terminal after.
    private static func prompt(_ text: String) throws -> String {
        let terminal = open("/dev/tty", O_RDWR | O_NOCTTY)
        guard terminal >= 0 else {
            throw CommandError("no terminal to ask for the password: use --password-stdin")
        }
        defer { close(terminal) }
        _ = text.withCString { write(terminal, $0, strlen($0)) }
        var saved = termios()
        let canSilence = tcgetattr(terminal, &saved) == 0
        if canSilence {
            var silent = saved
            silent.c_lflag &= ~tcflag_t(ECHO)
            silent.c_lflag |= tcflag_t(ECHONL)
            _ = tcsetattr(terminal, TCSAFLUSH, &silent)
        }
        defer {
            if canSilence { _ = tcsetattr(terminal, TCSAFLUSH, &saved) }
        }
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = Foundation.read(terminal, &byte, 1)
            if count < 0 && errno == EINTR { continue }
            guard count == 1, byte != 0x0A else { break }
            guard line.count < 4096 else { throw CommandError("the password is too long") }
            line.append(byte)
        }
        if line.last == 0x0D { line.removeLast() }
        defer { for index in line.indices { line[index] = 0 } }
        return String(decoding: line, as: UTF8.self)
    }
}
