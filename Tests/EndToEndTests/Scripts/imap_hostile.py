#!/usr/bin/env python3
"""Hostile input to Tern's IMAP listener over IMAPS, with a raw client:
overlong lines, literals over APPENDLIMIT, unbalanced parentheses, NUL
bytes, bad sequence sets, deep nesting (parentheses, NOT/OR search chains, MIME
parts, address groups), bad mailbox names and a stream of garbage. Each gets BAD or NO (garbage in a row ends with * BYE), the
server's memory stays bounded, and a normal imaplib session works after.

Loopback only; every socket has a timeout. Exit status 0 when every check passed.
"""
import re
import sys

from imap_common import RawIMAP, check, connect, logout, ok, raw_login, rss_kib, server_parser

MIB = 1024 * 1024


def status_of(lines, tag):
    last = lines[-1] if lines else b""
    return last[len(tag) + 1:].split(b" ", 1)[0] if last.startswith(tag + b" ") else b""


def refused(raw, tag, text, allow_no=True):
    """Sends one command that must be refused with BAD (or NO) while the session goes on."""
    lines = raw.command(tag, text)
    status = status_of(lines, tag)
    allowed = (b"BAD", b"NO") if allow_no else (b"BAD",)
    shown = text if len(text) < 80 else text[:60] + b"...(%d octets)" % len(text)
    check(status in allowed, "%r -> %s (%r)" % (shown, status.decode() or "?", lines[-1][:120]))
    return lines


def alive(raw, tag=b"N1"):
    lines = raw.command(tag, b"NOOP")
    check(lines[-1].startswith(tag + b" OK"), "NOOP still answered after that: %r" % lines[-1])


def appendlimit(args):
    raw = raw_login(args)
    caps = b" ".join(raw.command(b"C1", b"CAPABILITY"))
    match = re.search(rb"APPENDLIMIT=(\d+)", caps)
    check(match is not None, "APPENDLIMIT advertised (RFC 7889)")
    limit = int(match.group(1))
    check(limit == args.max_message_size, "APPENDLIMIT is max_message_size (%d)" % limit)
    # A synchronising literal over the limit: refused without a continuation.
    raw.send(b"A1 APPEND INBOX {%d}\r\n" % (limit + 1))
    line = raw.line()
    check(not line.startswith(b"+"), "no continuation for a literal over APPENDLIMIT: %r" % line)
    check(line.startswith(b"A1 NO") or line.startswith(b"A1 BAD"), "literal over APPENDLIMIT refused: %r" % line)
    alive(raw)
    raw.send(b"A2 APPEND INBOX {99999999999999999999}\r\n")
    line = raw.line()
    check(line.startswith(b"A2 NO") or line.startswith(b"A2 BAD"), "absurd literal size refused: %r" % line)
    alive(raw, b"N2")
    # A non-synchronising literal over the limit (RFC 7888 §4): BAD or BYE; the bytes never land.
    raw.send(b"A3 APPEND INBOX {%d+}\r\n" % (limit + 1))
    line = raw.line()
    check(line.startswith(b"A3 BAD") or line.startswith(b"A3 NO") or line.startswith(b"* BYE"),
          "non-synchronising literal over APPENDLIMIT refused: %r" % line)
    raw.close()


def overlong(args):
    before = rss_kib(args.server_pid) if args.server_pid else None
    raw = raw_login(args)
    chunk = b"A" * 65536
    closed = False
    try:
        raw.send(b"X1 NOOP ")
        for _ in range(256):  # 16 MiB without a line end
            raw.send(chunk)
        raw.send(b"\r\n")
    except OSError:
        closed = True
    if not closed:
        line = raw.line()
        check(b"BAD" in line or line.startswith(b"* BYE"), "16 MiB line: BAD or BYE (%r)" % line[:100])
        if b"BAD" in line:
            alive(raw)
    raw.close()
    if before is not None:
        grown = rss_kib(args.server_pid) - before
        check(grown < 64 * 1024, "server memory grew by %d KiB (< 64 MiB) for a 16 MiB line" % grown)


def malformed(args):
    raw = raw_login(args)
    check(raw.command(b"S1", b"SELECT INBOX")[-1].startswith(b"S1 OK"), "SELECT INBOX")
    target = b"Subject: target\r\n\r\nhello!\r\n"
    lines = raw.command(b"P0", b"APPEND INBOX {%d+}\r\n%s" % (len(target), target))
    check(lines[-1].startswith(b"P0 OK"), "APPEND with a non-synchronising literal (RFC 7888): %r" % lines[-1])
    cases = [
        b"FETCH 1 (FLAGS",                 # unbalanced parentheses
        b"FETCH 1 FLAGS)",
        b"STORE 1 +FLAGS (\\Seen))",
        b"SEARCH (((ALL)",
        b"SEARCH " + b"(" * 100 + b"ALL" + b")" * 100,  # nesting deeper than the bound
        b"NOOP\x00",                        # NUL bytes
        b"SELECT \"IN\x00BOX\"",
        b"FETCH 0 FLAGS",                   # bad sequence sets
        b"FETCH 1:x FLAGS",
        b"FETCH ,, FLAGS",
        b"FETCH 4294967296 FLAGS",
        b"FETCH -1 FLAGS",
        b"FETCH 1 BODY[1.0]",
        b"FETCH 1 BODY[]<5.0.1>",
        b"STORE 1 FLAGS.LOUD (\\Seen)",
        b"SELECT \"&Jjo\"",                 # invalid modified UTF-7
        b"\"tag\" NOOP",
        b"UID",
        b"XYZZY",
    ]
    for number, text in enumerate(cases):
        if text.startswith(b'"'):
            raw.send(text + b"\r\n")
            line = raw.line()
            check(b"BAD" in line, "%r -> BAD (%r)" % (text, line))
        else:
            refused(raw, b"M%d" % number, text)
        alive(raw, b"N%d" % number)
    # A failed SELECT leaves no mailbox selected (RFC 9051 §6.3.2).
    check(raw.command(b"S2", b"SELECT INBOX")[-1].startswith(b"S2 OK"), "SELECT INBOX again")
    lines = raw.command(b"F1", b"FETCH 999999 FLAGS")
    check(status_of(lines, b"F1") in (b"BAD", b"NO", b"OK") and not any(b"999999 FETCH" in l for l in lines),
          "FETCH of a message that does not exist returns nothing: %r" % lines[-1])
    lines = raw.command(b"U1", b"UID FETCH 1:* FLAGS")
    check(lines[-1].startswith(b"U1 OK"), "a valid command still works: %r" % lines[-1])
    raw.command(b"Z1", b"LOGOUT")
    raw.close()


def deep_search(args):
    """Search programs nested far past the bound (issue 9: a deep NOT or OR
    chain crashed the server): BAD each, the session goes on; at the bound
    the search still runs."""
    raw = raw_login(args)
    check(raw.command(b"D0", b"SELECT INBOX")[-1].startswith(b"D0 OK"), "SELECT INBOX")
    depth_bound = 100
    lines = raw.command(b"D1", b"SEARCH " + b"NOT " * 3000 + b"ALL")
    check(status_of(lines, b"D1") == b"BAD" and b"nested too deeply" in lines[-1],
          "3,000 NOTs -> BAD: %r" % lines[-1][:120])
    alive(raw, b"D1N")
    # 60,000 chained ORs, 1.1 MB, each line short thanks to LITERAL+ (RFC 7888).
    chain = b"OR SUBJECT {1+}\r\nx " * 60000
    lines = raw.command(b"D2", b"SEARCH " + chain + b"ALL")
    check(status_of(lines, b"D2") == b"BAD", "60,000 chained ORs -> BAD: %r" % lines[-1][:120])
    alive(raw, b"D2N")
    mixed = b"NOT (OR " * 2000 + b"ALL ALL" + b")" * 2000
    lines = raw.command(b"D3", b"SEARCH " + mixed)
    check(status_of(lines, b"D3") == b"BAD", "NOT/OR/parentheses mixed 4,000 deep -> BAD: %r" % lines[-1][:120])
    alive(raw, b"D3N")
    # Just inside the bound: an ordinary answer (an even number of NOTs is ALL).
    lines = raw.command(b"D4", b"SEARCH " + b"NOT " * (depth_bound - 2) + b"ALL")
    check(lines[-1].startswith(b"D4 OK") and any(l.startswith(b"* SEARCH") for l in lines),
          "%d NOTs still searched: %r" % (depth_bound - 2, lines[-1][:120]))
    lines = raw.command(b"D5", b"SEARCH " + b"OR SUBJECT x " * (depth_bound - 1) + b"ALL")
    check(lines[-1].startswith(b"D5 OK"), "%d chained ORs still searched: %r" % (depth_bound - 1, lines[-1][:120]))
    raw.command(b"D9", b"LOGOUT")
    raw.close()


def deep_mime(args):
    """Messages whose MIME nesting and address groups go far past the
    parser's bounds: stored, and FETCH BODYSTRUCTURE, ENVELOPE and a deep
    section answer without a crash."""
    raw = raw_login(args)
    levels = 5000
    multipart = b"".join(b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (n, n)
                         for n in range(levels)) + b"\r\ninnermost\r\n"
    rfc822 = b"Content-Type: message/rfc822\r\n\r\n" * levels + b"Subject: inner\r\n\r\nbody\r\n"
    groups = b"From: " + b"g: " * levels + b"a@example.test" + b";" * levels + b"\r\nSubject: groups\r\n\r\nx\r\n"
    for number, message in enumerate([multipart, rfc822, groups]):
        tag = b"E%d" % number
        lines = raw.command(tag, b"APPEND INBOX {%d+}\r\n%s" % (len(message), message))
        check(lines[-1].startswith(tag + b" OK"), "APPEND of a deeply nested message: %r" % lines[-1][:120])
    check(raw.command(b"E5", b"SELECT INBOX")[-1].startswith(b"E5 OK"), "SELECT INBOX")
    lines = raw.command(b"E6", b"UID FETCH 1:* (BODYSTRUCTURE ENVELOPE)")
    check(lines[-1].startswith(b"E6 OK"), "FETCH BODYSTRUCTURE ENVELOPE of deep messages: %r" % lines[-1][:120])
    section = b".".join([b"1"] * 2000)
    lines = raw.command(b"E7", b"FETCH 1:* (BODY.PEEK[" + section + b"])")
    check(status_of(lines, b"E7") in (b"OK", b"BAD"), "FETCH of a 2,000-level section: %r" % lines[-1][:120])
    lines = raw.command(b"E8", b"SEARCH TEXT innermost")
    check(lines[-1].startswith(b"E8 OK"), "SEARCH TEXT over deep messages: %r" % lines[-1][:120])
    alive(raw, b"E8N")
    raw.command(b"E9", b"LOGOUT")
    raw.close()


def garbage(args):
    raw = RawIMAP(args.imaps_port, tls=True)
    raw.line()
    answers = []
    closed = False
    for number in range(60):
        try:
            raw.send(b"\xff\xfe garbage %d \x01\r\n" % number)
            line = raw.line()
        except (EOFError, OSError):
            closed = True
            break
        answers.append(line)
        if line.startswith(b"* BYE"):
            closed = raw.closed()
            break
    check(answers and answers[-1].startswith(b"* BYE"), "garbage ends with * BYE: %r" % answers[-3:])
    check(closed, "the connection is closed after BYE")
    check(all(b"BAD" in a for a in answers[:-1]), "every garbage line got BAD before that")
    raw.close()


def main():
    parser = server_parser(__doc__)
    parser.add_argument("--max-message-size", type=int, required=True)
    parser.add_argument("--server-pid", type=int)
    parser.add_argument("--mode", default="ssl")
    args = parser.parse_args()
    appendlimit(args)
    overlong(args)
    malformed(args)
    deep_search(args)
    deep_mime(args)
    garbage(args)
    # The server is still up: a whole normal session works.
    client = connect(args, mode="ssl")
    ok(client.select("INBOX"), "SELECT after the hostile input")
    ok(client.noop(), "NOOP")
    logout(client)
    client = connect(args, mode="starttls")
    ok(client.noop(), "NOOP over STARTTLS")
    logout(client)
    print("hostile: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
