#!/usr/bin/env python3
"""End-to-end checks of Tern's admin commands against a running server,
with Python's imaplib, poplib and smtplib (and a raw IMAP client for IDLE).
The script runs the real `tern` binary itself (--tern, --config), so an
IMAP session can stay connected while the command changes its mailboxes.

Loopback only; every socket has a timeout and every wait a deadline. Exit
status 0 when every check passed; the first failure raises.

Subcommands:
  live         tern mailbox create / search / expunge / delete while an IMAP
               session is connected: LIST shows the new and deleted
               mailboxes, an idling client hears the expunge
  write-mbox   writes an mbox whose messages carry Status:, X-Status:,
               X-Keywords: and X-Mozilla-Status: fields (PATH)
  check-flags  the messages of that mbox, imported into INBOX, have the
               flags and keywords over IMAP FETCH, and no flag field left
  login        LOGIN over IMAP, USER/PASS over POP3 and AUTH PLAIN over
               submission all succeed (--expect ok) or all fail (--expect fail)
  deliver      one message to --to over the SMTP MX listener, accepted
  confirm      runs a command under a pseudo-terminal, answers its
               question with --answer, prints `exit N` and the output
"""
import argparse
import imaplib
import os
import poplib
import pty
import select
import smtplib
import subprocess
import sys
import time

from imap_common import (TIMEOUT, check, connect, logout, mailbox_names, ok, quote, raw_login, simple_message,
                         tls_context)


def tern(args, *arguments, expect_ok=True):
    """Runs `tern ARGUMENTS --config FILE` without a terminal; returns (status, stdout, stderr)."""
    result = subprocess.run([args.tern, *arguments, "--config", args.config], stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=120)
    what = "tern %s: exit %d\n%s%s" % (" ".join(arguments), result.returncode, result.stdout, result.stderr)
    if expect_ok is not None:
        check((result.returncode == 0) == expect_ok, what)
    return result.returncode, result.stdout, result.stderr


# MARK: live

def live(args):
    client = connect(args, mode="ssl")
    top = "Projects"
    check(top not in mailbox_names(client), "no %s yet" % top)

    # create, with the missing parent (like IMAP CREATE), and a special use.
    tern(args, "mailbox", "create", args.user, top + "/2026")
    tern(args, "mailbox", "create", args.user, "Templates", "--special-use", "\\Drafts")
    names = mailbox_names(client)
    check(top in names and top + "/2026" in names, "the connected session's LIST shows the created mailboxes: %r" % names)
    typ, data = client.list('""', "Templates")
    check(typ == "OK" and data and b"\\Drafts" in data[0], "LIST shows the special use: %r" % data)

    # Three messages, one of them old (internal date in 2025).
    target = top + "/2026"
    dates = ['"15-Jan-2025 10:00:00 +0000"', '"10-Feb-2026 10:00:00 +0000"', '"11-Feb-2026 10:00:00 +0000"']
    for index, date in enumerate(dates):
        message = simple_message("live-%d" % index, sender="alice@remote.example" if index else "old@remote.example",
                                 subject="live %d" % index)
        ok(client.append(quote(target), None, date, message), "APPEND %d" % index)

    _, out, _ = tern(args, "mailbox", "search", args.user, target, "BEFORE 1-Jun-2025")
    old_uids = out.split()
    check(old_uids == ["1"], "search BEFORE finds the old message: %r" % out)
    _, out, _ = tern(args, "mailbox", "search", args.user, target, "FROM", "alice", "SINCE", "1-Jan-2026", "--verbose")
    lines = out.strip().split("\n")
    check(len(lines) == 2 and all(len(line.split("\t")) == 4 for line in lines),
          "search --verbose: a tab-separated line per message: %r" % out)
    check(lines[0].split("\t")[0] == "2" and "alice@remote.example" in lines[0] and lines[0].endswith("live 1"),
          "uid, date, from and subject: %r" % lines[0])

    # An idling session on that mailbox hears the CLI's expunge (RFC 2177, RFC 9051 §7.5.1).
    raw = raw_login(args)
    lines = raw.command(b"S1", b"SELECT " + quote(target).encode())
    check(lines[-1].startswith(b"S1 OK") and b"* 3 EXISTS" in lines, "SELECT: %r" % lines)
    raw.send(b"I1 IDLE\r\n")
    check(raw.line().startswith(b"+"), "IDLE")
    _, out, _ = tern(args, "mailbox", "expunge", args.user, target, "BEFORE 1-Jun-2025")
    check("expunged 1 messages" in out, "expunge reports one message: %r" % out)
    line = raw.line()
    check(line == b"* 1 EXPUNGE", "the idling session hears the expunge: %r" % line)
    raw.send(b"DONE\r\n")
    check(raw.until_tagged(b"I1")[-1].startswith(b"I1 OK"), "DONE")
    lines = raw.command(b"U1", b"UID SEARCH ALL")
    check(b"* SEARCH 2 3" in lines, "what remains: %r" % lines)
    raw.command(b"Z1", b"LOGOUT")
    raw.close()

    # delete: a mailbox with messages is refused without a terminal and --yes.
    status, _, err = tern(args, "mailbox", "delete", args.user, target, expect_ok=False)
    check("use --yes" in err, "refused without confirmation: %r" % err)
    check(target in mailbox_names(client), "still listed after the refusal")
    tern(args, "mailbox", "delete", args.user, target, "--yes")
    tern(args, "mailbox", "delete", args.user, "Templates")
    names = mailbox_names(client)
    check(target not in names and "Templates" not in names, "the connected session's LIST no longer shows them: %r"
          % names)
    logout(client)
    print("live: all checks passed")


# MARK: flags

# (subject, header lines, expected IMAP flags, expected keywords)
FLAG_CASES = [
    ("unread", "", [], []),
    ("old unread", "Status: O\n", [], []),
    ("read", "Status: RO\n", ["\\Seen"], []),
    ("replied", "Status: RO\nX-Status: A\n", ["\\Seen", "\\Answered"], []),
    ("flagged draft", "X-Status: FT\n", ["\\Flagged", "\\Draft"], []),
    ("deleted", "Status: R\nX-Status: D\n", ["\\Seen", "\\Deleted"], []),
    ("keywords", "Status: RO\nX-Keywords: $Label1 NonJunk\n", ["\\Seen"], ["$Label1", "NonJunk"]),
    ("thunderbird", "X-Mozilla-Status: 1005\nX-Mozilla-Keys: todo\n", ["\\Seen", "\\Flagged"],
     ["$Forwarded", "todo"]),
]


def write_mbox(args):
    with open(args.path, "w") as mbox:
        for index, (subject, fields, _, _) in enumerate(FLAG_CASES):
            mbox.write("From sender@remote.example Mon Mar  2 10:%02d:00 2026\n" % index)
            mbox.write("From: sender@remote.example\nTo: user@example.test\nSubject: %s\n%s" % (subject, fields))
            mbox.write("Message-ID: <flags-%d@e2e.test>\n\nBody of %s.\n\n" % (index, subject))
    print("wrote %d messages to %s" % (len(FLAG_CASES), args.path))


def check_flags(args):
    client = connect(args, mode="ssl")
    ok(client.select("INBOX"), "SELECT INBOX")
    data = ok(client.fetch("1:*", "(FLAGS BODY.PEEK[HEADER])"), "FETCH FLAGS")
    found = {}
    for item in data:
        if not isinstance(item, tuple):
            continue
        prefix, header = item
        subject = [line for line in header.decode().split("\r\n") if line.startswith("Subject: ")][0][9:]
        flags = prefix.decode().split("FLAGS (", 1)[1].split(")", 1)[0].split()
        # \Recent is the session's (RFC 3501 §2.3.2), not an imported flag.
        found[subject] = ([flag for flag in flags if flag != "\\Recent"], header)
    check(len(found) == len(FLAG_CASES), "every message imported: %r" % sorted(found))
    for subject, _, flags, keywords in FLAG_CASES:
        got, header = found[subject]
        check(sorted(got) == sorted(flags + keywords), "%s: FLAGS %r, expected %r" % (subject, got, flags + keywords))
        lower = header.lower()
        check(b"\r\nstatus:" not in lower and b"x-status:" not in lower and b"x-keywords:" not in lower
              and b"x-mozilla-" not in lower, "%s: the flag fields are gone from the stored header" % subject)
    # Flags and keywords are real IMAP state: SEARCH sees them.
    data = ok(client.search(None, "KEYWORD", "NonJunk"), "SEARCH KEYWORD")
    check(len(data[0].split()) == 1, "SEARCH KEYWORD NonJunk finds one message: %r" % data)
    logout(client)
    print("check-flags: all checks passed")


# MARK: login

def login(args):
    want = args.expect == "ok"
    try:
        client = imaplib.IMAP4_SSL("127.0.0.1", args.imaps_port, ssl_context=tls_context(), timeout=TIMEOUT)
        client.login(args.user, args.password)
        logout(client)
        imap = True
    except imaplib.IMAP4.error as error:
        check("AUTHENTICATIONFAILED" in str(error), "IMAP refusal is the normal authentication failure: %s" % error)
        imap = False
    check(imap == want, "IMAP LOGIN %s" % ("succeeds" if want else "fails"))

    pop = poplib.POP3_SSL("127.0.0.1", args.pop3s_port, context=tls_context(), timeout=TIMEOUT)
    try:
        pop.user(args.user)
        pop.pass_(args.password)
        pop3 = True
    except poplib.error_proto as error:
        check(str(error).startswith("b'-ERR"), "POP3 refusal: %s" % error)
        pop3 = False
    finally:
        try:
            pop.quit()
        except (poplib.error_proto, OSError):
            pass
    check(pop3 == want, "POP3 USER/PASS %s" % ("succeeds" if want else "fails"))

    with smtplib.SMTP("127.0.0.1", args.submission_port, timeout=TIMEOUT) as smtp:
        smtp.starttls(context=tls_context())
        try:
            smtp.login(args.user, args.password)
            submission = True
        except smtplib.SMTPAuthenticationError as error:
            check(error.smtp_code == 535, "SMTP refusal is 535: %s" % error)
            submission = False
    check(submission == want, "SMTP AUTH %s" % ("succeeds" if want else "fails"))
    print("login: all checks passed")


def deliver(args):
    with smtplib.SMTP("127.0.0.1", args.smtp_port, timeout=TIMEOUT) as smtp:
        refused = smtp.sendmail("sender@remote.example", [args.to],
                                simple_message("deliver-%d" % int(time.time() * 1000), subject=args.subject))
    check(not refused, "SMTP accepted the message for %s" % args.to)
    print("deliver: all checks passed")


# MARK: confirm

def confirm(args):
    """Runs the command with a pseudo-terminal as stdin, stdout and stderr;
    waits (bounded) for the question, answers it, collects the output."""
    command = args.rest
    check(command, "a command to run after --")
    main_fd, child_fd = pty.openpty()
    process = subprocess.Popen(command, stdin=child_fd, stdout=child_fd, stderr=child_fd, close_fds=True)
    os.close(child_fd)
    output = b""
    answered = False
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([main_fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(main_fd, 4096)
            except OSError:
                break  # the child closed the terminal
            if not chunk:
                break
            output += chunk
            if not answered and b"[y/N]" in output:
                os.write(main_fd, args.answer.encode() + b"\n")
                answered = True
        elif process.poll() is not None:
            break
    if process.poll() is None:
        process.kill()
    status = process.wait(timeout=30)
    os.close(main_fd)
    print("exit %d" % status)
    print(output.decode(errors="replace"))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["live", "write-mbox", "check-flags", "login", "deliver", "confirm"])
    parser.add_argument("path", nargs="?")
    parser.add_argument("--tern")
    parser.add_argument("--config")
    parser.add_argument("--imap-port", type=int)
    parser.add_argument("--imaps-port", type=int)
    parser.add_argument("--pop3s-port", type=int)
    parser.add_argument("--smtp-port", type=int)
    parser.add_argument("--submission-port", type=int)
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--expect", choices=["ok", "fail"], default="ok")
    parser.add_argument("--to")
    parser.add_argument("--subject", default="delivered")
    parser.add_argument("--answer", default="n")
    # confirm: the command to run follows "--".
    argv = sys.argv[1:]
    rest = argv[argv.index("--") + 1:] if "--" in argv else []
    args = parser.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    args.rest = rest
    {"live": live, "write-mbox": write_mbox, "check-flags": check_flags, "login": login, "deliver": deliver,
     "confirm": confirm}[args.command](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
