#!/usr/bin/env python3
"""POP3 end-to-end checks against a running server, with Python's poplib and raw sockets.

usage: pop3e2e.py COMMAND --port P [--host 127.0.0.1] [--mode plain|stls|ssl]
                  --user U --password PW [command options]

commands
  session  --mbox F [--auth user|plain|plain-ir|login]
           CAPA, login, STAT/LIST/UIDL/RETR/TOP/NOOP/DELE/RSET, pipelining, QUIT;
           every RETR byte-identical to the mbox's messages; a second session sees
           the same UIDLs. Nothing is deleted.
  policy   --policy delete|keep|mark-read|move --mbox F [--deleted-out F]
           DELE 1 and 2 then QUIT; a new session sees what the policy says.
  inuse    a second session of a logged-in account gets -ERR [IN-USE].
  hostile  malformed and hostile input over a raw socket, each answered by -ERR,
           and the server still serves a fresh login after each.
  stat     [--expect N] [--min N]      prints the message count.
  verify   --mbox F [--min N] [--exact]
           every message retrieved is one of the mbox's messages (no duplicates);
           with --exact, exactly the mbox's messages.
  samemsgs A.mbox B.mbox               the two mbox files hold the same messages.
Exit status 0 when every check passed; failures are printed as "FAIL: ...".
RFCs: 1939 (POP3), 2449 (CAPA, RESP-CODES, PIPELINING), 2595 (STLS), 5034 (AUTH).
"""
import argparse
import base64
import collections
import poplib
import socket
import ssl
import sys
import time

import mboxlib

TIMEOUT = 20


class CheckFailed(Exception):
    pass


def check(cond, what):
    if not cond:
        raise CheckFailed(what)


def ssl_ctx():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def connect(a, mode=None):
    mode = mode or a.mode
    if mode == "ssl":
        return poplib.POP3_SSL(a.host, a.port, timeout=TIMEOUT, context=ssl_ctx())
    p = poplib.POP3(a.host, a.port, timeout=TIMEOUT)
    if mode == "stls":
        caps = p.capa()
        check("STLS" in caps, "CAPA before login lists STLS: %r" % caps)
        try:
            p.stls(context=ssl_ctx())
        except (TimeoutError, socket.timeout) as e:
            raise CheckFailed("STLS answered +OK but the TLS handshake that followed at once timed out "
                              "(the server lost the ClientHello sent right after +OK?): %r" % e)
        caps = p.capa()
        check("STLS" not in caps, "CAPA after STLS no longer lists STLS: %r" % caps)
    return p


def b64(s):
    return base64.b64encode(s.encode()).decode()


def login(a, p, auth="user"):
    if auth == "user":
        check(p.user(a.user).startswith(b"+OK"), "USER")
        check(p.pass_(a.password).startswith(b"+OK"), "PASS")
    elif auth == "plain-ir":
        # RFC 5034 §4 initial response
        r = p._shortcmd("AUTH PLAIN " + b64("\0%s\0%s" % (a.user, a.password)))
        check(r.startswith(b"+OK"), "AUTH PLAIN with initial response: %r" % r)
    elif auth == "plain":
        p._putcmd("AUTH PLAIN")
        line, _ = p._getline()
        check(line.startswith(b"+"), "AUTH PLAIN continuation: %r" % line)
        p._putcmd(b64("\0%s\0%s" % (a.user, a.password)))
        r = p._getresp()
        check(r.startswith(b"+OK"), "AUTH PLAIN: %r" % r)
    elif auth == "login":
        p._putcmd("AUTH LOGIN")
        line, _ = p._getline()
        check(line.startswith(b"+"), "AUTH LOGIN username prompt: %r" % line)
        p._putcmd(b64(a.user))
        line, _ = p._getline()
        check(line.startswith(b"+"), "AUTH LOGIN password prompt: %r" % line)
        p._putcmd(b64(a.password))
        r = p._getresp()
        check(r.startswith(b"+OK"), "AUTH LOGIN: %r" % r)
    else:
        raise ValueError(auth)


def session_login(a, auth="user", mode=None):
    p = connect(a, mode)
    login(a, p, auth)
    return p


def retr_bytes(p, n):
    resp, lines, octets = p.retr(n)
    data = b"".join(l + b"\r\n" for l in lines)
    check(octets == len(data), "RETR %d: poplib counted %d octets, got %d" % (n, octets, len(data)))
    return data


def uidl_map(p):
    resp, lines, _ = p.uidl()
    out = {}
    for l in lines:
        num, uid = l.split(None, 1)
        out[int(num)] = uid.decode()
    return out


def expected_top(msg, nlines):
    head, sep, body = msg.partition(b"\r\n\r\n")
    check(sep, "source message has a header/body separator")
    body_lines = body.split(b"\r\n")[:-1] if body else []
    out = head + b"\r\n\r\n"
    for l in body_lines[:nlines]:
        out += l + b"\r\n"
    return out


def compare_sets(got, sources, exact, what):
    src = collections.Counter(mboxlib.digest(m) for m in sources)
    seen = collections.Counter()
    for i, m in enumerate(got, 1):
        d = mboxlib.digest(m)
        if d not in src:
            near = [s for s in sources if s.split(b"\r\n\r\n")[0] == m.split(b"\r\n\r\n")[0]]
            detail = ""
            if near:
                s = near[0]
                k = next((j for j in range(min(len(s), len(m))) if s[j] != m[j]), min(len(s), len(m)))
                detail = "; first difference at byte %d of %d/%d: source %r got %r" % (
                    k, len(s), len(m), s[max(0, k - 40):k + 40], m[max(0, k - 40):k + 40])
            raise CheckFailed("%s message %d (%d bytes) is not one of the source messages%s"
                              % (what, i, len(m), detail))
        seen[d] += 1
        check(seen[d] <= src[d], "%s message %d is a duplicate" % (what, i))
    if exact:
        check(seen == src, "%s: %d messages, expected exactly the %d source messages"
              % (what, len(got), len(sources)))


def cmd_session(a):
    sources = mboxlib.read_mbox(a.mbox)
    p = connect(a)
    caps = p.capa()
    for c in ("TOP", "UIDL", "USER", "RESP-CODES", "PIPELINING", "SASL"):
        check(c in caps, "CAPA lists %s: %r" % (c, caps))
    check("PLAIN" in caps.get("SASL", []), "CAPA SASL lists PLAIN: %r" % caps)
    login(a, p, a.auth)
    n, total = p.stat()
    check(n == len(sources), "STAT count %d == %d imported" % (n, len(sources)))
    check(total == sum(map(len, sources)), "STAT size %d == %d" % (total, sum(map(len, sources))))
    resp, listing, _ = p.list()
    sizes = {}
    for l in listing:
        num, size = l.split()
        sizes[int(num)] = int(size)
    check(sorted(sizes) == list(range(1, n + 1)), "LIST numbers 1..%d" % n)
    check(sum(sizes.values()) == total, "LIST sizes add up to STAT's")
    r = p.list(2)
    check(r.split()[1:3] == [b"2", str(sizes[2]).encode()], "LIST 2: %r" % r)
    uids = uidl_map(p)
    check(sorted(uids) == list(range(1, n + 1)), "UIDL numbers")
    check(len(set(uids.values())) == n, "UIDL values unique")
    for u in uids.values():
        check(1 <= len(u) <= 70 and all(0x21 <= ord(c) <= 0x7E for c in u), "UIDL value %r (RFC 1939 §7)" % u)
    r = p.uidl(3)
    check(r.split()[1:] == [b"3", uids[3].encode()], "UIDL 3: %r" % r)
    got = []
    for k in range(1, n + 1):
        data = retr_bytes(p, k)
        check(len(data) == sizes[k], "RETR %d sent %d octets, LIST said %d" % (k, len(data), sizes[k]))
        got.append(data)
    compare_sets(got, sources, True, "RETR")
    in_order = got == sources
    for k in (1, 2, n):
        for nl in (0, 3):
            resp, lines, _ = p.top(k, nl)
            data = b"".join(l + b"\r\n" for l in lines)
            check(data == expected_top(got[k - 1], nl), "TOP %d %d" % (k, nl))
    check(p.noop().startswith(b"+OK"), "NOOP")
    check(p.dele(1).startswith(b"+OK"), "DELE 1")
    n2, total2 = p.stat()
    check((n2, total2) == (n - 1, total - sizes[1]), "STAT after DELE 1: %r" % ((n2, total2),))
    for bad in ("RETR 1", "LIST 1", "DELE 1", "TOP 1 0", "UIDL 1"):
        try:
            r = p._shortcmd(bad)
            raise CheckFailed("%s of a deleted message answered %r" % (bad, r))
        except poplib.error_proto:
            pass
    check(p.rset().startswith(b"+OK"), "RSET")
    check(p.stat() == (n, total), "STAT after RSET")
    check(retr_bytes(p, 1) == got[0], "RETR 1 after RSET")
    # RFC 2449 §6.6 PIPELINING: several commands in one write, answers in order
    p.sock.sendall(b"STAT\r\nNOOP\r\nLIST 2\r\nUIDL 2\r\n")
    r1, r2, r3, r4 = p._getresp(), p._getresp(), p._getresp(), p._getresp()
    check(r1 == b"+OK %d %d" % (n, total), "pipelined STAT: %r" % r1)
    check(r2.startswith(b"+OK"), "pipelined NOOP: %r" % r2)
    check(r3.split()[1:3] == [b"2", str(sizes[2]).encode()], "pipelined LIST 2: %r" % r3)
    check(r4.split()[1:] == [b"2", uids[2].encode()], "pipelined UIDL 2: %r" % r4)
    check(p.quit().startswith(b"+OK"), "QUIT")
    # a new session: nothing deleted, same UIDLs
    p = session_login(a)
    check(p.stat() == (n, total), "second session STAT")
    check(uidl_map(p) == uids, "UIDLs stable across sessions")
    p.quit()
    print("OK session mode=%s auth=%s messages=%d bytes=%d in_order=%s" % (a.mode, a.auth, n, total, in_order))


def cmd_policy(a):
    sources = mboxlib.read_mbox(a.mbox)
    p = session_login(a)
    n, total = p.stat()
    check(n == len(sources), "STAT %d == %d imported" % (n, len(sources)))
    uids = uidl_map(p)
    deleted = [retr_bytes(p, 1), retr_bytes(p, 2)]
    p.dele(1)
    p.dele(2)
    check(p.quit().startswith(b"+OK"), "QUIT")
    p = None
    deadline = time.monotonic() + 5
    while True:
        try:
            p = session_login(a)
            break
        except poplib.error_proto as e:
            # the first session's lock may take a moment to go
            if b"IN-USE" not in str(e).encode() or time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    n2, _ = p.stat()
    uids2 = uidl_map(p)
    remaining = [retr_bytes(p, k) for k in range(1, n2 + 1)]
    p.quit()
    if a.policy in ("delete", "move"):
        check(n2 == n - 2, "policy %s: %d messages after DELE 1, 2 + QUIT, expected %d" % (a.policy, n2, n - 2))
        check(sorted(uids2.values()) == sorted(u for k, u in uids.items() if k > 2),
              "remaining UIDLs unchanged")
        compare_sets(remaining + deleted, sources, True, "remaining + deleted")
        for d in deleted:
            check(d not in remaining, "deleted message still in INBOX")
    else:
        check(n2 == n, "policy %s: %d messages after DELE + QUIT, expected all %d kept" % (a.policy, n2, n))
        check(uids2 == uids, "UIDLs unchanged")
        compare_sets(remaining, sources, True, "kept")
    if a.deleted_out:
        with open(a.deleted_out, "wb") as f:
            for m in deleted:
                f.write(b"From MAILER-DAEMON Sat Nov 21 12:00:00 2026\n")
                for line in m.split(b"\r\n")[:-1]:
                    if line.lstrip(b">").startswith(b"From "):
                        line = b">" + line
                    f.write(line + b"\n")
                f.write(b"\n")
    print("OK policy %s: %d -> %d" % (a.policy, n, n2))


def cmd_inuse(a):
    first = session_login(a)
    n, _ = first.stat()
    second = connect(a)
    second.user(a.user)
    try:
        r = second.pass_(a.password)
        raise CheckFailed("second concurrent session logged in: %r" % r)
    except poplib.error_proto as e:
        check(b"[IN-USE]" in e.args[0], "second session's error has [IN-USE] (RFC 2449 §8.1.2): %r" % e.args[0])
    try:
        second.quit()
    except (poplib.error_proto, OSError, EOFError):
        pass
    # the first session still works
    check(first.stat()[0] == n, "first session still serves STAT")
    first.quit()
    deadline = time.monotonic() + 5
    while True:
        try:
            third = session_login(a)
            break
        except poplib.error_proto as e:
            if b"IN-USE" not in e.args[0] or time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    check(third.stat()[0] == n, "a session after QUIT logs in")
    third.quit()
    print("OK inuse")


class Raw:
    """A POP3 connection over a plain socket, for input poplib would not send."""

    def __init__(self, a):
        self.sock = socket.create_connection((a.host, a.port), timeout=TIMEOUT)
        self.buf = b""
        g = self.line()
        check(g.startswith(b"+OK"), "greeting: %r" % g)

    def send(self, data):
        self.sock.sendall(data)

    def line(self):
        """One response line, or None when the server closed the connection."""
        while b"\r\n" not in self.buf:
            try:
                chunk = self.sock.recv(65536)
            except (ConnectionResetError, BrokenPipeError):
                chunk = b""
            if not chunk:
                return None
            self.buf += chunk
            check(len(self.buf) < 1 << 20, "response line under 1 MiB")
        l, self.buf = self.buf.split(b"\r\n", 1)
        return l

    def cmd(self, data):
        self.send(data + b"\r\n")
        return self.line()

    def multiline(self):
        lines = []
        while True:
            l = self.line()
            check(l is not None, "multi-line response complete")
            if l == b".":
                return lines
            lines.append(l)

    def login(self, a):
        r = self.cmd(b"USER " + a.user.encode())
        check(r and r.startswith(b"+OK"), "USER: %r" % r)
        r = self.cmd(b"PASS " + a.password.encode())
        check(r and r.startswith(b"+OK"), "PASS: %r" % r)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def hostile_cases():
    """(name, needs login, bytes to send). Each must be answered by -ERR."""
    ir = base64.b64encode(b"no-nul-separators-here").decode()
    return [
        ("unknown command", False, b"FROBNICATE"),
        ("empty line", False, b""),
        ("line of 300 octets (RFC 2449 §4: 255 at most)", False, b"USER " + b"z" * 295),
        ("overlong line (10,000 octets)", False, b"USER " + b"x" * 10000),
        ("overlong line after login", True, b"NOOP " + b"y" * 10000),
        ("NUL bytes", False, b"\x00\x00\x00"),
        ("binary garbage", False, bytes(range(0x80, 0x100)) + b"\x1b[31m\x7f"),
        ("STAT before login", False, b"STAT"),
        ("RETR before login", False, b"RETR 1"),
        ("PASS before USER", False, b"PASS secret"),
        ("USER without a name", False, b"USER"),
        ("RETR 0", True, b"RETR 0"),
        ("RETR -1", True, b"RETR -1"),
        ("RETR 999999", True, b"RETR 999999"),
        ("RETR abc", True, b"RETR abc"),
        ("RETR 99999999999999999999999", True, b"RETR 99999999999999999999999"),
        ("LIST 0", True, b"LIST 0"),
        ("UIDL 999999", True, b"UIDL 999999"),
        ("DELE 0", True, b"DELE 0"),
        ("TOP without arguments", True, b"TOP"),
        ("TOP without a line count", True, b"TOP 1"),
        ("TOP with a negative line count", True, b"TOP 1 -5"),
        ("AUTH with bad base64", False, b"AUTH PLAIN !!!not*base64==="),
        ("AUTH PLAIN without NUL separators", False, b"AUTH PLAIN " + ir.encode()),
        ("AUTH with an unknown mechanism", False, b"AUTH X-UNKNOWN-MECH"),
        ("STLS after login", True, b"STLS"),
        ("USER after login", True, b"USER someone"),
        ("AUTH after login", True, b"AUTH PLAIN " + base64.b64encode(b"\0a\0b")),
    ]


def fresh_login_works(a, expect_n):
    r = Raw(a)
    try:
        r.login(a)
        s = r.cmd(b"STAT")
        check(s and s.startswith(b"+OK %d " % expect_n), "STAT in a fresh session: %r" % s)
        r.cmd(b"QUIT")
    finally:
        r.close()


def cmd_hostile(a):
    failures = []
    r = Raw(a)
    r.login(a)
    n = int(r.cmd(b"STAT").split()[1])
    r.cmd(b"QUIT")
    r.close()
    for name, needs_login, payload in hostile_cases():
        try:
            r = Raw(a)
            try:
                if needs_login:
                    r.login(a)
                resp = r.cmd(payload)
                check(resp is not None and resp.startswith(b"-ERR"),
                      "%s: answered %r, expected -ERR" % (name, resp))
            finally:
                r.close()
            fresh_login_works(a, n)
        except (CheckFailed, OSError) as e:
            failures.append("%s: %s" % (name, e))
    # AUTH continuation answered with bad base64, then with "*" (RFC 5034 §4 cancel)
    for name, answer in (("AUTH continuation with bad base64", b"%%%%"), ("AUTH cancelled with *", b"*")):
        try:
            r = Raw(a)
            try:
                c = r.cmd(b"AUTH PLAIN")
                check(c is not None and c.startswith(b"+"), "%s: continuation %r" % (name, c))
                resp = r.cmd(answer)
                check(resp is not None and resp.startswith(b"-ERR"), "%s: answered %r" % (name, resp))
            finally:
                r.close()
            fresh_login_works(a, n)
        except (CheckFailed, OSError) as e:
            failures.append("%s: %s" % (name, e))
    # repeated errors end the session (bounded)
    try:
        r = Raw(a)
        closed_after = None
        for i in range(1, 101):
            try:
                r.send(b"BOGUS%d\r\n" % i)
            except OSError:
                closed_after = i
                break
            resp = r.line()
            if resp is None:
                closed_after = i
                break
            check(resp.startswith(b"-ERR"), "error %d answered %r" % (i, resp))
        r.close()
        check(closed_after is not None, "server closed the session within 100 errors")
        fresh_login_works(a, n)
        print("repeated errors: closed after %d" % closed_after)
    except (CheckFailed, OSError) as e:
        failures.append("many errors: %s" % e)
    # STLS with a command injected before the handshake (CVE-2011-0411): the
    # injected command must be discarded, not answered inside TLS.
    if a.mode == "stls":
        try:
            r = Raw(a)
            r.send(b"STLS\r\nFROBNICATE\r\n")
            resp = r.line()
            check(resp and resp.startswith(b"+OK"), "STLS: %r" % resp)
            r.sock.settimeout(5)
            try:
                tls = ssl_ctx().wrap_socket(r.sock, server_hostname="localhost")
            except (OSError, ssl.SSLError):
                tls = None  # the server dropped the connection: also safe
            if tls is not None:
                r.sock = tls
                check(r.buf == b"", "no plain-text bytes after STLS's +OK: %r" % r.buf)
                try:
                    resp = r.cmd(b"CAPA")
                except (OSError, ssl.SSLError):
                    resp = None
                if resp is not None:
                    check(resp.startswith(b"+OK"),
                          "first answer inside TLS is CAPA's, not the injected command's: %r" % resp)
                    r.multiline()
                    r.login(a)
                    r.cmd(b"QUIT")
            r.close()
            fresh_login_works(a, n)
        except (CheckFailed, OSError, ssl.SSLError) as e:
            failures.append("STLS injection: %s" % e)
    try:
        fresh_login_works(a, n)
    except (CheckFailed, OSError) as e:
        failures.append("final fresh login: %s" % e)
    for f in failures:
        print("FAIL: " + f)
    if failures:
        raise CheckFailed("%d hostile-input cases failed" % len(failures))
    print("OK hostile (%d cases)" % (len(hostile_cases()) + 4))


def cmd_stat(a):
    p = session_login(a)
    n, total = p.stat()
    p.quit()
    print("STAT %d %d" % (n, total))
    if a.expect is not None:
        check(n == a.expect, "STAT %d, expected %d" % (n, a.expect))
    if a.min is not None:
        check(n >= a.min, "STAT %d, expected at least %d" % (n, a.min))


def cmd_verify(a):
    sources = mboxlib.read_mbox(a.mbox)
    p = session_login(a)
    n, total = p.stat()
    got = [retr_bytes(p, k) for k in range(1, n + 1)]
    p.quit()
    if a.min is not None:
        check(n >= a.min, "%d messages, expected at least %d" % (n, a.min))
    compare_sets(got, sources, a.exact, "RETR")
    print("OK verify: %d messages, every one complete and byte-identical to a source message" % n)


def cmd_samemsgs(a):
    x = mboxlib.read_mbox(a.first)
    y = mboxlib.read_mbox(a.second)
    compare_sets(y, x, True, a.second)
    print("OK samemsgs: %d messages" % len(x))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=("session", "policy", "inuse", "hostile", "stat", "verify", "samemsgs"))
    ap.add_argument("first", nargs="?")
    ap.add_argument("second", nargs="?")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int)
    ap.add_argument("--mode", choices=("plain", "stls", "ssl"), default="plain")
    ap.add_argument("--user")
    ap.add_argument("--password")
    ap.add_argument("--auth", choices=("user", "plain", "plain-ir", "login"), default="user")
    ap.add_argument("--mbox")
    ap.add_argument("--policy", choices=("delete", "keep", "mark-read", "move"))
    ap.add_argument("--deleted-out")
    ap.add_argument("--expect", type=int)
    ap.add_argument("--min", type=int)
    ap.add_argument("--exact", action="store_true")
    a = ap.parse_args()
    if not (a.host.startswith("127.") or a.host in ("::1", "localhost")):
        sys.exit("refusing non-loopback host %s" % a.host)
    try:
        globals()["cmd_" + a.command.replace("-", "_")](a)
    except CheckFailed as e:
        print("FAIL: %s" % e)
        return 1
    except (poplib.error_proto, OSError, EOFError, ssl.SSLError) as e:
        print("FAIL: %s: %r" % (type(e).__name__, e))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
