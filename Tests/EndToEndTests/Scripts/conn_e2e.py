#!/usr/bin/env python3
"""Connection budgets, login timeouts, login throttle, `tern who`/`kick` and
unauthenticated SMTP limits of a real `tern serve`, with real clients
(imaplib, poplib, smtplib) and raw sockets bound to other loopback source
addresses (127.0.0.2 ... 127.0.0.60, all on Linux's lo).

Loopback only; every socket has a timeout, every loop a bound in count and
time. The listeners are plain (tls = "none"); loopback clients may send
passwords in clear.

Subcommands:
  flood     ~1,000 idle sockets from 40 addresses against IMAP, then POP3,
            then SMTP: each flood evicts its own protocol's idle pre-login
            connections, never another protocol's; normal logins and a
            delivery from 127.0.0.1 still work; one address past its bound
            is refused; a logged-in IMAP session survives everything.
  prelogin  with idle_timeout_seconds = 5: an IMAP connection that never
            logs in gets "* BYE" and is closed (idle, or busy past the login
            timeout); a logged-in one is still open after both.
  login     one login attempt from a source address: --expect ok|no|locked.
  hold      an IMAP (SELECT INBOX) and a POP3 session as --user, a line
            "ready" in --ready-file, then waits (bounded) until the server
            closes both and prints what each received last.
  bigmail   unauthenticated mail on the MX port: one 40 MB message (552),
            several big DATA messages from one address at once (in-flight
            bound: 452 or 552, none stored), BDAT chunks against the
            in-flight bound (exactly the ones that fit are accepted), then
            a normal delivery.
"""
import argparse
import imaplib
import poplib
import resource
import smtplib
import socket
import subprocess
import sys
import time

TIMEOUT = 20


def check(condition, what):
    if not condition:
        raise AssertionError(what)
    print("ok:", what.split("\n")[0][:200], flush=True)


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, 8192) if hard != resource.RLIM_INFINITY else 8192
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


class Line:
    """A raw line client from a chosen loopback source address."""

    def __init__(self, port, source="127.0.0.1", timeout=TIMEOUT):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout, source_address=(source, 0))
        self.buffer = b""

    def readline(self, timeout=None):
        """The next line without CRLF; None once the server closed (or on a timeout)."""
        if timeout is not None:
            self.sock.settimeout(timeout)
        try:
            while b"\n" not in self.buffer:
                data = self.sock.recv(65536)
                if not data:
                    return None
                self.buffer += data
        except (socket.timeout, OSError):
            return None
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.rstrip(b"\r").decode("utf-8", "replace")

    def send(self, text):
        self.sock.sendall(text.encode() if isinstance(text, str) else text)

    def lines_until_closed(self, limit=50, timeout=TIMEOUT):
        lines = []
        deadline = time.time() + timeout
        while len(lines) < limit and time.time() < deadline:
            line = self.readline(timeout=max(0.1, deadline - time.time()))
            if line is None:
                break
            lines.append(line)
        return lines

    def alive(self, command, expect_prefix, timeout=TIMEOUT):
        """Sends `command`; true when a line starting with `expect_prefix` comes back."""
        try:
            self.send(command)
        except OSError:
            return False
        deadline = time.time() + timeout
        while time.time() < deadline:
            line = self.readline(timeout=max(0.1, deadline - time.time()))
            if line is None:
                return False
            if line.startswith(expect_prefix):
                return True
        return False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def greeted(port, prefix, what, source_address="127.0.0.1"):
    """A Line client whose greeting starts with `prefix`."""
    connection = Line(port, source=source_address)
    check((connection.readline() or "").startswith(prefix), what + " greeted")
    return connection


def source(index):
    """The index-th of 40 flood source addresses: 127.0.0.2 ... 127.0.0.41."""
    return "127.0.0.%d" % (2 + index % 40)


def who(args, protocol):
    """`tern who --protocol P`: the rows (lists of columns) after the header."""
    result = subprocess.run([args.tern, "who", "--protocol", protocol, "--config", args.config],
                            capture_output=True, text=True, timeout=60)
    check(result.returncode == 0, "tern who --protocol %s: %s %s" % (protocol, result.stdout, result.stderr))
    lines = result.stdout.strip().splitlines()
    if lines == ["no connections"]:
        return []
    return [line.split() for line in lines[1:]]


# MARK: normal clients from 127.0.0.1

def imap_login_select(args):
    client = imaplib.IMAP4("127.0.0.1", args.imap_port, timeout=TIMEOUT)
    typ, _ = client.login(args.user, args.password)
    check(typ == "OK", "IMAP LOGIN")
    typ, data = client.select("INBOX")
    check(typ == "OK", "IMAP SELECT INBOX: %r" % (data,))
    client.logout()


def pop3_login(args):
    client = poplib.POP3("127.0.0.1", args.pop3_port, timeout=TIMEOUT)
    client.user(args.user)
    client.pass_(args.password)
    count, _ = client.stat()
    check(count >= 0, "POP3 login and STAT")
    client.quit()


def smtp_deliver(args, subject):
    with smtplib.SMTP("127.0.0.1", args.smtp_port, timeout=TIMEOUT) as client:
        client.ehlo("e2e.example")
        refused = client.sendmail("sender@remote.example", [args.user],
                                  "Subject: %s\r\nFrom: sender@remote.example\r\n\r\nbody\r\n" % subject)
        check(refused == {}, "SMTP delivery %s" % subject)


# MARK: flood

def open_flood(port, count, greeting, deadline):
    """Opens `count` sockets from the 40 source addresses; each reads its greeting (or eviction) line."""
    sockets = []
    answered = 0
    for index in range(count):
        if time.time() > deadline:
            raise AssertionError("flood did not finish in time")
        connection = Line(port, source=source(index), timeout=10)
        line = connection.readline(timeout=10)
        if line is not None and line.startswith(greeting):
            answered += 1
        sockets.append(connection)
    return sockets, answered


def cmd_flood(args):
    raise_fd_limit()
    deadline = time.time() + args.deadline
    per_flood = args.sockets // 3
    # Reference connections from 127.0.0.1, opened first (so the longest idle):
    # one waiting for a login on each protocol, and one logged-in IMAP session.
    imap_ref = greeted(args.imap_port, "* OK", "IMAP reference")
    pop3_ref = greeted(args.pop3_port, "+OK", "POP3 reference")
    smtp_ref = greeted(args.smtp_port, "220", "SMTP reference")
    check(smtp_ref.alive("EHLO ref.example\r\n", "250 "), "SMTP reference EHLO")
    logged_in = imaplib.IMAP4("127.0.0.1", args.imap_port, timeout=TIMEOUT)
    check(logged_in.login(args.user, args.password)[0] == "OK", "logged-in IMAP session")
    check(logged_in.select("INBOX")[0] == "OK", "logged-in IMAP session SELECT")

    everything = [imap_ref, pop3_ref, smtp_ref]
    floods = [("imap", args.imap_port, "* ", imap_ref, "* BYE [UNAVAILABLE] connection queue full"),
              ("pop3", args.pop3_port, "+OK", pop3_ref, "-ERR [SYS/TEMP] connection queue full"),
              ("smtp", args.smtp_port, "220", smtp_ref, "421 4.7.0")]
    others_alive = {
        "imap": lambda: imap_ref.alive("a NOOP\r\n", "a OK"),
        "pop3": lambda: pop3_ref.alive("CAPA\r\n", "+OK"),
        "smtp": lambda: smtp_ref.alive("NOOP\r\n", "250 "),
    }
    flooded = []
    for name, port, greeting, reference, eviction in floods:
        sockets, answered = open_flood(port, per_flood, greeting, deadline)
        everything += sockets
        print("flood %s: %d sockets from 40 addresses, %d greeted" % (name, len(sockets), answered), flush=True)
        check(answered >= len(sockets) // 2, "%s: the flood's connections were admitted (evicting older ones)" % name)
        # Server side: the protocol holds at most its budget of connections waiting for a login.
        rows = who(args, name)
        waiting = [row for row in rows if row[4] == "-"]
        check(len(waiting) <= args.max_unauthenticated[name],
              "%s: %d connections before login <= budget %d" % (name, len(waiting), args.max_unauthenticated[name]))
        # The flooded protocol's idle reference was evicted, with the protocol's own words.
        lines = reference.lines_until_closed(timeout=15)
        check(any(line.startswith(eviction) for line in lines), "%s reference evicted: %r" % (name, lines))
        flooded.append(name)
        # Every other protocol's waiting reference is untouched.
        for other in others_alive:
            if other not in flooded:
                check(others_alive[other](), "%s reference still served after the %s flood" % (other, name))
        check(logged_in.noop()[0] == "OK", "logged-in IMAP session still served after the %s flood" % name)
        # A normal client of the flooded protocol still gets in.
        {"imap": imap_login_select, "pop3": pop3_login,
         "smtp": lambda a: smtp_deliver(a, "after the smtp flood")}[name](args)

    # Far past the per-address bound: one address opens 3x its bound; the rest are refused.
    bound = args.per_address_unauthenticated
    refused = 0
    for _ in range(bound * 3):
        connection = Line(args.imap_port, source="127.0.0.50", timeout=10)
        everything.append(connection)
        line = connection.readline(timeout=10)
        if line is not None and line.startswith("* BYE too many connections"):
            refused += 1
    check(refused >= bound * 2 - 1, "one address past its bound: %d of %d refused" % (refused, bound * 3))
    imap_login_select(args)
    pop3_login(args)
    smtp_deliver(args, "after every flood")
    check(logged_in.noop()[0] == "OK", "logged-in IMAP session survived every flood")
    logged_in.logout()
    for connection in everything:
        connection.close()
    print("flood: all checks passed", flush=True)


# MARK: pre-login timeouts

def cmd_prelogin(args):
    deadline = time.time() + args.deadline
    silent = greeted(args.imap_port, "* OK", "silent IMAP connection")
    busy = greeted(args.imap_port, "* OK", "busy IMAP connection")
    pop3_silent = greeted(args.pop3_port, "+OK", "silent POP3 connection")
    logged_in = imaplib.IMAP4("127.0.0.1", args.imap_port, timeout=TIMEOUT)
    check(logged_in.login(args.user, args.password)[0] == "OK", "LOGIN")
    check(logged_in.select("INBOX")[0] == "OK", "SELECT")
    # The busy one sends NOOP every second, never idle, never logged in.
    busy_lines = []
    tag = 0
    while time.time() < deadline:
        tag += 1
        try:
            busy.send("n%d NOOP\r\n" % tag)
        except OSError:
            pass
        line = busy.readline(timeout=5)
        if line is None:
            break
        busy_lines.append(line)
        if line.startswith("* BYE"):
            busy_lines += busy.lines_until_closed(timeout=5)
            break
        if line.startswith("n%d OK" % tag):
            time.sleep(1)
    check(any(line.startswith("* BYE login timeout") for line in busy_lines),
          "busy connection without login closed by the login timeout: %r" % busy_lines[-3:])
    check(tag >= 3, "the busy connection was served until then (%d NOOPs)" % tag)
    silent_lines = silent.lines_until_closed(timeout=max(1, deadline - time.time()))
    check(silent_lines and silent_lines[0].startswith("* BYE"), "silent connection got * BYE: %r" % silent_lines)
    pop3_lines = pop3_silent.lines_until_closed(timeout=max(1, deadline - time.time()))
    check(pop3_lines == ["-ERR idle timeout"], "silent POP3 connection closed: %r" % pop3_lines)
    # Past both timeouts: the logged-in session (30-minute minimum) still answers.
    time.sleep(args.idle_timeout + 1)
    check(logged_in.noop()[0] == "OK", "logged-in IMAP session still open after the pre-login timeouts")
    check(logged_in.select("INBOX")[0] == "OK", "and still works")
    logged_in.logout()
    print("prelogin: all checks passed", flush=True)


# MARK: one login

def cmd_login(args):
    """IMAP: tagged OK / NO [AUTHENTICATIONFAILED] / NO [UNAVAILABLE]; POP3: +OK / -ERR [AUTH] / -ERR [SYS/TEMP]."""
    if args.protocol == "imap":
        connection = greeted(args.imap_port, "* OK", "IMAP", args.source)
        connection.send('a LOGIN "%s" "%s"\r\n' % (args.login_user, args.login_password))
        line = None
        for _ in range(20):
            line = connection.readline()
            if line is None or line.startswith("a "):
                break
        outcomes = {"ok": "a OK", "no": "a NO [AUTHENTICATIONFAILED]", "locked": "a NO [UNAVAILABLE]"}
    else:
        connection = greeted(args.pop3_port, "+OK", "POP3", args.source)
        connection.send("USER %s\r\n" % args.login_user)
        connection.readline()
        connection.send("PASS %s\r\n" % args.login_password)
        line = connection.readline()
        outcomes = {"ok": "+OK", "no": "-ERR [AUTH]", "locked": "-ERR [SYS/TEMP]"}
    connection.close()
    check(line is not None and line.startswith(outcomes[args.expect]),
          "%s login of %s from %s: expected %s, got %r" % (args.protocol, args.login_user, args.source,
                                                            args.expect, line))


# MARK: hold (who / kick)

def cmd_hold(args):
    imap = greeted(args.imap_port, "* OK", "IMAP", args.source)
    check(imap.alive('a LOGIN "%s" "%s"\r\n' % (args.user, args.password), "a OK"), "IMAP LOGIN")
    check(imap.alive("b SELECT INBOX\r\n", "b OK"), "IMAP SELECT")
    pop3 = greeted(args.pop3_port, "+OK", "POP3", args.source)
    check(pop3.alive("USER %s\r\n" % args.user, "+OK"), "POP3 USER")
    check(pop3.alive("PASS %s\r\n" % args.password, "+OK"), "POP3 PASS")
    with open(args.ready_file, "w") as ready:
        ready.write("ready\n")
    imap_lines = imap.lines_until_closed(timeout=args.deadline)
    pop3_lines = pop3.lines_until_closed(timeout=args.deadline)
    print("imap closed with: %r" % (imap_lines,), flush=True)
    print("pop3 closed with: %r" % (pop3_lines,), flush=True)
    check(imap_lines[-1:] == ["* BYE disconnected by the administrator"], "IMAP session kicked with * BYE")
    check(pop3_lines[-1:] == ["-ERR disconnected by the administrator"], "POP3 session kicked with -ERR")
    print("hold: all checks passed", flush=True)


# MARK: office behind NAT (per address, per user and address)

def cmd_userip(args):
    """With the shipped defaults: `--office` IMAP connections from one
    address are all greeted; one account logs in at most `--per-user`
    times from it (the next gets NO [LIMIT]), another account still logs
    in, and a LOGOUT frees a place."""
    office = [greeted(args.imap_port, "* OK", "IMAP connection %d from one address" % index)
              for index in range(args.office)]
    sessions = []
    for index in range(args.per_user):
        session = imaplib.IMAP4("127.0.0.1", args.imap_port, timeout=TIMEOUT)
        session.login(args.user, args.password)
        sessions.append(session)
    extra = imaplib.IMAP4("127.0.0.1", args.imap_port, timeout=TIMEOUT)
    try:
        extra.login(args.user, args.password)
        check(False, "login %d of one user from one address is refused" % (args.per_user + 1))
    except imaplib.IMAP4.error as error:
        check("[LIMIT]" in str(error), "refused with NO [LIMIT]: %s" % error)
    other = imaplib.IMAP4("127.0.0.1", args.imap_port, timeout=TIMEOUT)
    other.login(args.second_user, args.password)
    other.logout()
    sessions.pop().logout()
    # The LOGOUT's connection is released when it closes: retry briefly.
    deadline = time.time() + 10
    while True:
        try:
            extra.login(args.user, args.password)
            break
        except imaplib.IMAP4.error as error:
            check(time.time() < deadline and "[LIMIT]" in str(error), "a place is freed by LOGOUT: %s" % error)
            time.sleep(0.2)
    extra.logout()
    for session in sessions:
        session.logout()
    for connection in office:
        check(connection.alive("z NOOP\r\n", "z OK"), "office connections stay")
        connection.close()
    print("userip: all checks passed", flush=True)


# MARK: unauthenticated SMTP

def smtp_raw(port, source_address="127.0.0.1"):
    connection = Line(port, source=source_address, timeout=120)
    greeting = connection.readline(timeout=30)
    if greeting is None or not greeting.startswith("220"):
        raise AssertionError("SMTP greeting: %r" % greeting)
    connection.send("EHLO big.example\r\n")
    lines = []
    while True:
        line = connection.readline(timeout=30)
        if line is None:
            raise AssertionError("no EHLO reply: %r" % lines)
        lines.append(line)
        if line[3:4] == " ":
            break
    return connection, lines


def reply(connection, timeout=300):
    """One (possibly multi-line) SMTP reply's last line."""
    while True:
        line = connection.readline(timeout=timeout)
        if line is None or line[3:4] != "-":
            return line


def big_body(size):
    line = b"x" * 998 + b"\r\n"
    return b"Subject: big\r\n\r\n" + line * (size // len(line))


def cmd_bigmail(args):
    user = args.user
    # SIZE before AUTH says the unauthenticated limit.
    connection, ehlo = smtp_raw(args.smtp_port)
    check("250-SIZE %d" % args.unauthenticated_size in ehlo, "SIZE %d in EHLO: %r" % (args.unauthenticated_size, ehlo))
    # One 40 MB message without AUTH and without SIZE=: read to its end, then 552.
    connection.send("MAIL FROM:<big@remote.example>\r\nRCPT TO:<%s>\r\nDATA\r\n" % user)
    codes = [reply(connection) for _ in range(3)]
    check([code[:3] for code in codes] == ["250", "250", "354"], "DATA accepted: %r" % codes)
    connection.send(big_body(40 * 1000 * 1000) + b".\r\n")
    line = reply(connection)
    check(line is not None and line.startswith("552 5.3.4"), "40 MB message refused with 552: %r" % line)
    check(connection.alive("NOOP\r\n", "250 "), "the session goes on")
    connection.close()

    # Several big DATA messages from one address at once: the in-flight bound drops some (452),
    # the size limit the rest (552); none is stored, none is held whole.
    sessions = []
    for _ in range(args.parallel):
        session, _ = smtp_raw(args.smtp_port, "127.0.0.55")
        session.send("MAIL FROM:<big@remote.example>\r\nRCPT TO:<%s>\r\nDATA\r\n" % user)
        codes = [reply(session) for _ in range(3)]
        check(codes[2] is not None and codes[2].startswith("354"), "parallel DATA: %r" % codes)
        sessions.append(session)
    body = big_body(args.parallel_size)
    step = 1 << 20
    for offset in range(0, len(body), step):
        for session in sessions:
            session.send(body[offset:offset + step])
    outcomes = []
    for session in sessions:
        session.send(b".\r\n")
        outcomes.append(reply(session))
        session.close()
    print("parallel outcomes: %r" % outcomes, flush=True)
    check(all(o is not None and (o.startswith("452 4.3.1") or o.startswith("552 5.3.4")) for o in outcomes),
          "every big message refused")
    check(any(o.startswith("452 4.3.1") for o in outcomes), "the in-flight bound answered 452 4.3.1")

    # BDAT declares its chunks: exactly those that fit in the in-flight bound are taken.
    chunk = big_body(args.chunk_size + 2000)[:args.chunk_size]
    holders = []
    outcomes = []
    for _ in range(4):
        session, _ = smtp_raw(args.smtp_port, "127.0.0.56")
        session.send("MAIL FROM:<chunks@remote.example>\r\nRCPT TO:<%s>\r\n" % user)
        check(reply(session).startswith("250") and reply(session).startswith("250"), "BDAT envelope")
        session.send(b"BDAT %d\r\n" % len(chunk) + chunk)
        outcomes.append(reply(session))
        holders.append(session)
    print("chunk outcomes: %r" % outcomes, flush=True)
    fits = args.in_flight // args.chunk_size
    check([o[:9] for o in outcomes] == ["250 2.0.0"] * fits + ["452 4.3.1"] * (4 - fits),
          "the first %d chunks fit, the others get 452 4.3.1" % fits)
    for index, session in enumerate(holders[:fits]):
        session.send(b"BDAT 2 LAST\r\n\r\n")
        line = reply(session)
        check(line.startswith("250 2.0.0"), "chunked message %d delivered: %r" % (index, line))
    for session in holders:
        session.close()
    # And a normal delivery still works.
    smtp_deliver(args, "after the big mail")
    print("bigmail: all checks passed", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["flood", "prelogin", "login", "hold", "bigmail", "userip"])
    parser.add_argument("--imap-port", type=int, default=0)
    parser.add_argument("--pop3-port", type=int, default=0)
    parser.add_argument("--smtp-port", type=int, default=0)
    parser.add_argument("--user", default="")
    parser.add_argument("--password", default="")
    parser.add_argument("--tern", default="")
    parser.add_argument("--config", default="")
    parser.add_argument("--deadline", type=float, default=240)
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--max-unauthenticated", default="imap=60,pop3=60,smtp=80",
                        help="flood: each protocol's max_unauthenticated")
    parser.add_argument("--per-address-unauthenticated", type=int, default=12)
    parser.add_argument("--idle-timeout", type=float, default=5)
    parser.add_argument("--protocol", default="imap")
    parser.add_argument("--office", type=int, default=120)
    parser.add_argument("--per-user", type=int, default=10)
    parser.add_argument("--second-user", default="")
    parser.add_argument("--source", default="127.0.0.1")
    parser.add_argument("--login-user", default="")
    parser.add_argument("--login-password", default="")
    parser.add_argument("--expect", choices=["ok", "no", "locked"], default="ok")
    parser.add_argument("--ready-file", default="")
    parser.add_argument("--unauthenticated-size", type=int, default=0)
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument("--parallel-size", type=int, default=30 * 1000 * 1000)
    parser.add_argument("--chunk-size", type=int, default=15 * 1000 * 1000)
    parser.add_argument("--in-flight", type=int, default=40 * 1000 * 1000)
    args = parser.parse_args()
    args.max_unauthenticated = dict((key, int(value)) for key, value in
                                    (item.split("=") for item in args.max_unauthenticated.split(",")))
    {"flood": cmd_flood, "prelogin": cmd_prelogin, "login": cmd_login, "hold": cmd_hold,
     "bigmail": cmd_bigmail, "userip": cmd_userip}[args.command](args)


if __name__ == "__main__":
    try:
        main()
    except AssertionError as error:
        print("FAIL:", error, flush=True)
        sys.exit(1)
