import XCTest
@testable import SMTP

/// The sendmail(8) command line as cron, mailx, PHP and git send-email write it.
final class SendmailOptionsTests: XCTestCase {
    private func parse(_ arguments: [String]) -> Result<SendmailOptions, SendmailError> {
        Result { () throws(SendmailError) in try SendmailOptions.parse(arguments) }
    }

    func testAcceptedCommandLines() throws {
        func options(_ configure: (inout SendmailOptions) -> Void) -> SendmailOptions {
            var options = SendmailOptions()
            configure(&options)
            return options
        }
        let table: [([String], SendmailOptions)] = [
            (["alice@example.org"], options { $0.recipients = ["alice@example.org"] }),
            // Debian cron: sendmail -i -FCronDaemon -B8BITMIME -oem user
            (["-i", "-FCronDaemon", "-B8BITMIME", "-oem", "root"],
             options { $0.ignoreDots = true; $0.fullName = "CronDaemon"; $0.recipients = ["root"] }),
            // PHP's mail(): sendmail -t -i
            (["-t", "-i"], options { $0.recipientsFromHeaders = true; $0.ignoreDots = true }),
            (["-ti", "-f", "bob@example.org"],
             options { $0.recipientsFromHeaders = true; $0.ignoreDots = true; $0.sender = "bob@example.org" }),
            (["-fbob@example.org", "-F", "Bob Example", "--", "-odd@example.org"],
             options { $0.sender = "bob@example.org"; $0.fullName = "Bob Example"; $0.recipients = ["-odd@example.org"] }),
            (["-r", "<>", "-oi", "a@x.example", "b@y.example"],
             options { $0.sender = "<>"; $0.ignoreDots = true; $0.recipients = ["a@x.example", "b@y.example"] }),
            (["a@x.example", "-odi", "-oem", "-om", "-v", "-bm", "-U", "-n", "-m", "-L", "tag", "-h", "5"],
             options { $0.verbose = true; $0.recipients = ["a@x.example"] }),
            (["-N", "success,delay", "-R", "hdrs", "-V", "env-1", "a@x.example"],
             options { $0.notify = .on(success: true, failure: false, delay: true); $0.ret = .headers
                       $0.envelopeID = "env-1"; $0.recipients = ["a@x.example"] }),
            (["-Nnever", "-Rfull", "a@x.example"],
             options { $0.notify = .never; $0.ret = .full; $0.recipients = ["a@x.example"] }),
            (["--config", "/etc/tern/tern.toml", "a@x.example", "--data-dir=/var/lib/tern"],
             options { $0.configPath = "/etc/tern/tern.toml"; $0.dataDirectory = "/var/lib/tern"
                       $0.recipients = ["a@x.example"] }),
            (["--help"], options { $0.help = true }),
            ([], SendmailOptions()),
        ]
        for (arguments, expected) in table {
            XCTAssertEqual(try parse(arguments).get(), expected, "\(arguments)")
        }
    }

    func testRefusedCommandLines() {
        let table: [([String], String)] = [
            (["-f"], "option -f needs a value"),
            (["-x", "a@x.example"], "unknown option -x"),
            (["--verbose"], "unknown option --verbose"),
            (["-o"], "option -o needs a letter (like -oi)"),
            (["-bs"], "-bs is not supported (only -bm; the queue is `tern mailq`)"),
            (["-bp"], "-bp is not supported (only -bm; the queue is `tern mailq`)"),
            (["-q"], "-q is not supported: `tern serve` delivers the queue (`tern queue flush` makes it due now)"),
            (["-C", "/etc/mail/sendmail.cf"], "-C is not supported; give the Tern configuration with --config FILE"),
            (["-N", "sometimes"], "bad value for -N: \"sometimes\" (never, or a list of success, delay, failure)"),
            (["-R", "body"], "bad value for -R: \"body\" (full or hdrs)"),
            (["-V", "has space"], "bad value for -V: at most 100 printable ASCII characters"),
            (["--config"], "option --config needs a value"),
        ]
        for (arguments, message) in table {
            XCTAssertEqual(parse(arguments).failure, .usage(message), "\(arguments)")
            XCTAssertEqual(parse(arguments).failure?.exitStatus, 64)
        }
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
