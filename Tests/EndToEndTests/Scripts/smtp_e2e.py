#!/usr/bin/env python3
"""End-to-end checks of Tern's SMTP listeners with Python's smtplib and raw
sockets, reading delivered mail back over POP3S (poplib).

Loopback only: every address below is SMTP envelope data sent to the Tern
server under test; nothing is ever sent anywhere else. Every socket has a
timeout. Exit status 0 when every check passed; the first failure raises.

Subcommands (each prints one line per check):
  deliver    MX: plain, STARTTLS, pipelined, BDAT, SMTPUTF8, size, smuggling
  submit     submission: implicit TLS with AUTH PLAIN / LOGIN, STARTTLS,
             530 without AUTH, 553 foreign sender, authenticated relay
  relay      MX: unknown user 550 5.1.1, relay tricks refused without AUTH
  hostile    MX: endless lines and garbage stay bounded; 421 after max_errors
  readback   POP3: the message with the given marker is there exactly N times
"""
import argparse
import poplib
import re
import smtplib
import socket
import ssl
import sys
import time

TIMEOUT = 20


def tls_context():
    # The server under test uses a generated self-signed certificate.
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def check(condition, what):
    if not condition:
        raise AssertionError(what)
    print("ok:", what.split("\n")[0][:160])


def message(marker, subject="test", extra=b""):
    """A small RFC 5322 message with CRLF line endings and a unique marker."""
    return (b"From: sender@remote.example\r\n"
            b"To: user@example.test\r\n"
            b"Subject: " + subject.encode() + b"\r\n"
            b"Message-ID: <" + marker.encode() + b"@e2e.test>\r\n"
            b"\r\n"
            b"Hello from the " + marker.encode() + b" test.\r\n"
            b".A line that starts with a dot.\r\n"
            b"..and one with two.\r\n" + extra)


# MARK: POP3 read-back

def pop3_messages(args):
    client = poplib.POP3_SSL("127.0.0.1", args.pop3s_port, timeout=TIMEOUT, context=tls_context())
    try:
        client.user(args.user)
        client.pass_(args.password)
        count = len(client.list()[1])
        result = []
        for number in range(1, count + 1):
            _, lines, _ = client.retr(number)
            # poplib strips the CRLFs and undoes the dot-stuffing (RFC 1939 §3).
            result.append(b"".join(line + b"\r\n" for line in lines))
        client.quit()
        return result
    finally:
        try:
            client.close()
        except OSError:
            pass


TRACE_FIELD = re.compile(rb"^(Return-Path|Received):", re.IGNORECASE)


def split_trace(stored):
    """(trace header lines, rest): the Return-Path/Received fields Tern adds on top."""
    lines = stored.split(b"\r\n")
    index = 0
    while index < len(lines) and (TRACE_FIELD.match(lines[index])
                                  or (index > 0 and lines[index][:1] in (b" ", b"\t"))):
        index += 1
    trace = lines[:index]
    rest = b"\r\n".join(lines[index:])
    return trace, rest


def expect_delivered(args, marker, sent, sender, count=1, tls=False):
    """The message with `marker` was delivered `count` times, byte-exact:
    Return-Path, then Received, then exactly the sent octets. With `tls`,
    the Received: field notes the TLS version."""
    found = [m for m in pop3_messages(args) if marker.encode() in m]
    check(len(found) == count, "%s: %d copy(ies) in INBOX (found %d)" % (marker, count, len(found)))
    for stored in found:
        trace, rest = split_trace(stored)
        check(trace and trace[0] == b"Return-Path: <" + sender.encode() + b">",
              "%s: starts with Return-Path <%s>: %r" % (marker, sender, trace[:1]))
        check(any(line.startswith(b"Received: ") for line in trace),
              "%s: has a Received: field" % marker)
        if tls:
            check(any(b"(using TLSv1." in line for line in trace), "%s: Received: notes TLS: %r" % (marker, trace))
        check(rest == sent, "%s: body byte-exact after the trace fields\n%r\n%r" % (marker, rest[:300], sent[:300]))
    return found


def expect_absent(args, text):
    found = [m for m in pop3_messages(args) if text.encode() in m]
    check(not found, "nothing containing %r was delivered" % text)


# MARK: raw SMTP over a socket

class Raw:
    """A raw SMTP client: send exact bytes, read complete replies."""

    def __init__(self, port, tls=False):
        sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        if tls:
            sock = tls_context().wrap_socket(sock)
        self.sock = sock
        self.buffer = b""

    def send(self, data):
        self.sock.sendall(data)

    def reply(self):
        """One complete (possibly multi-line) reply: (code, text)."""
        lines = []
        while True:
            while b"\r\n" not in self.buffer:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise AssertionError("connection closed; got %r so far" % lines)
                self.buffer += chunk
            line, self.buffer = self.buffer.split(b"\r\n", 1)
            lines.append(line.decode("utf-8", "replace"))
            if len(line) < 4 or line[3:4] != b"-":
                return int(line[:3]), "\n".join(lines)

    def command(self, data):
        self.send(data)
        return self.reply()

    def pending(self):
        """Bytes the server sent beyond the replies read (waits briefly)."""
        self.sock.settimeout(0.5)
        try:
            chunk = self.sock.recv(65536)
            self.buffer += chunk
        except (socket.timeout, TimeoutError):
            pass
        finally:
            self.sock.settimeout(TIMEOUT)
        return self.buffer

    def close(self):
        self.sock.close()


def raw_session(port):
    raw = Raw(port)
    code, text = raw.reply()
    check(code == 220, "greeting 220: %s" % text)
    code, text = raw.command(b"EHLO client.example\r\n")
    check(code == 250, "EHLO 250")
    return raw, text


# MARK: deliver

def deliver(args):
    user = args.user
    # 1. Plain delivery on the MX port.
    sent = message("plain-mx")
    with smtplib.SMTP("127.0.0.1", args.smtp_port, timeout=TIMEOUT) as client:
        code, text = client.ehlo("client.example")
        check(code == 250, "EHLO 250")
        features = text.decode().upper()
        for keyword in ["PIPELINING", "SIZE", "8BITMIME", "ENHANCEDSTATUSCODES", "STARTTLS", "SMTPUTF8",
                        "CHUNKING", "DSN"]:
            check(keyword in features, "EHLO offers %s" % keyword)
        check("AUTH" not in features, "MX offers no AUTH before TLS")
        client.sendmail("sender@remote.example", [user], sent)
    expect_delivered(args, "plain-mx", sent, "sender@remote.example")

    # 2. STARTTLS, then delivery; AUTH is offered only now.
    sent = message("starttls-mx")
    with smtplib.SMTP("127.0.0.1", args.smtp_port, timeout=TIMEOUT) as client:
        client.starttls(context=tls_context())
        code, text = client.ehlo("client.example")
        check(code == 250 and "STARTTLS" not in text.decode().upper(), "EHLO after STARTTLS: no STARTTLS")
        check("AUTH" in text.decode().upper(), "MX offers AUTH after STARTTLS")
        client.sendmail("tls-sender@remote.example", [user], sent)
    expect_delivered(args, "starttls-mx", sent, "tls-sender@remote.example", tls=True)

    # 3. Pipelined commands (RFC 2920): one write for MAIL, RCPT, DATA.
    sent = message("pipelined")
    raw, _ = raw_session(args.smtp_port)
    raw.send(b"MAIL FROM:<pipe@remote.example>\r\nRCPT TO:<" + user.encode() + b">\r\n"
             b"RCPT TO:<nobody-here@example.test>\r\nDATA\r\n")
    codes = [raw.reply()[0] for _ in range(4)]
    check(codes == [250, 250, 550, 354], "pipelined MAIL/RCPT/RCPT/DATA: %s" % codes)
    stuffed = sent.replace(b"\r\n.", b"\r\n..")
    raw.send(stuffed + b".\r\nQUIT\r\n")
    codes = [raw.reply()[0] for _ in range(2)]
    check(codes == [250, 221], "pipelined end of data and QUIT: %s" % codes)
    raw.close()
    expect_delivered(args, "pipelined", sent, "pipe@remote.example")

    # 4. BDAT (RFC 3030), raw, in two chunks, with pipelining.
    sent = message("bdat-chunks", extra=b"binary-ish \x01\x7f line\r\n")
    first, second = sent[:50], sent[50:]
    raw, text = raw_session(args.smtp_port)
    raw.send(b"MAIL FROM:<bdat@remote.example> BODY=BINARYMIME\r\nRCPT TO:<" + user.encode() + b">\r\n"
             + b"BDAT %d\r\n" % len(first) + first + b"BDAT %d LAST\r\n" % len(second) + second)
    codes = [raw.reply()[0] for _ in range(4)]
    check(codes == [250, 250, 250, 250], "BDAT MAIL/RCPT/chunk/LAST: %s" % codes)
    check(raw.command(b"QUIT\r\n")[0] == 221, "QUIT after BDAT")
    raw.close()
    expect_delivered(args, "bdat-chunks", sent, "bdat@remote.example")

    # 5. SMTPUTF8 (RFC 6531): a UTF-8 sender and a plus-addressed UTF-8 recipient.
    sent = ("From: J\u00fcrgen <j\u00fcrgen@b\u00fccher.example>\r\nTo: " + user + "\r\n"
            "Subject: Gr\u00fc\u00dfe\r\nMessage-ID: <utf8-mail@e2e.test>\r\n\r\n"
            "Sch\u00f6ne Gr\u00fc\u00dfe.\r\n").encode()
    local, domain = user.split("@")
    recipient = local + "+t\u00e4g@" + domain
    with smtplib.SMTP("127.0.0.1", args.smtp_port, timeout=TIMEOUT) as client:
        client.ehlo("client.example")
        check(client.has_extn("smtputf8"), "SMTPUTF8 offered")
        refused = client.sendmail("j\u00fcrgen@b\u00fccher.example", [recipient], sent,
                                  mail_options=["SMTPUTF8", "BODY=8BITMIME"])
        check(not refused, "SMTPUTF8 message accepted for %s" % recipient)
    expect_delivered(args, "utf8-mail", sent, "j\u00fcrgen@b\u00fccher.example")

    # 6. Size limit (RFC 1870): declared too big at MAIL, and sent too big.
    raw, text = raw_session(args.smtp_port)
    match = re.search(r"SIZE (\d+)", text)
    check(match is not None, "SIZE advertises the limit")
    limit = int(match.group(1))
    code, text = raw.command(b"MAIL FROM:<big@remote.example> SIZE=%d\r\n" % (limit + 1))
    check(code == 552 and "5.3.4" in text, "SIZE over the limit: 552 5.3.4 (%s)" % text)
    check(raw.command(b"MAIL FROM:<big@remote.example>\r\n")[0] == 250, "MAIL without SIZE")
    check(raw.command(b"RCPT TO:<" + user.encode() + b">\r\n")[0] == 250, "RCPT")
    check(raw.command(b"DATA\r\n")[0] == 354, "DATA")
    line = b"x" * 998 + b"\r\n"
    raw.send(b"Subject: too-big-message\r\n\r\n" + line * (limit // len(line) + 2) + b".\r\n")
    code, text = raw.reply()
    check(code == 552, "message over the limit: 552 (%s)" % text)
    check(raw.command(b"QUIT\r\n")[0] == 221, "QUIT after 552")
    raw.close()
    expect_absent(args, "too-big-message")

    # 7. SMTP smuggling: a lone LF-dot-LF (and CR variants) never ends DATA.
    for name, separator in [("lf", b"\n.\n"), ("crlf-lf", b"\r\n.\n"), ("lf-crlf", b"\n.\r\n"),
                            ("cr", b"\r.\r")]:
        raw, _ = raw_session(args.smtp_port)
        check(raw.command(b"MAIL FROM:<smuggle@remote.example>\r\n")[0] == 250, "smuggle %s: MAIL" % name)
        check(raw.command(b"RCPT TO:<" + user.encode() + b">\r\n")[0] == 250, "smuggle %s: RCPT" % name)
        check(raw.command(b"DATA\r\n")[0] == 354, "smuggle %s: DATA" % name)
        smuggled = (b"MAIL FROM:<evil@remote.example>\r\nRCPT TO:<" + user.encode() + b">\r\nDATA\r\n"
                    b"Subject: smuggled-" + name.encode() + b"\r\n\r\nsmuggled\r\n")
        raw.send(b"Subject: carrier-" + name.encode() + b"\r\n\r\nhello" + separator + smuggled + b".\r\n")
        code, text = raw.reply()
        check(code in (250, 550), "smuggle %s: one reply at the real end of data (%s)" % (name, text))
        check(raw.pending() == b"", "smuggle %s: no further replies" % name)
        check(raw.command(b"QUIT\r\n")[0] == 221, "smuggle %s: QUIT" % name)
        raw.close()
        found = [m for m in pop3_messages(args) if b"smuggled-" + name.encode() in m]
        check(all(b"carrier-" + name.encode() in m for m in found),
              "smuggle %s: no separate smuggled message" % name)
    print("deliver: all checks passed")


# MARK: submit

def submission_client(args, implicit):
    if implicit:
        client = smtplib.SMTP_SSL("127.0.0.1", args.submissions_port, timeout=TIMEOUT, context=tls_context())
    else:
        client = smtplib.SMTP("127.0.0.1", args.submission_port, timeout=TIMEOUT)
        client.starttls(context=tls_context())
    client.ehlo("client.example")
    return client


def submit(args):
    user = args.user
    # 530 without AUTH, on both submission ports.
    for implicit in (True, False):
        client = submission_client(args, implicit)
        code, text = client.mail(user)
        check(code == 530, "submission (%s) without AUTH: 530 (%s)" % ("465" if implicit else "587", text))
        client.quit()

    # AUTH PLAIN and AUTH LOGIN on implicit TLS; local delivery to oneself.
    for mechanism in ("PLAIN", "LOGIN"):
        client = submission_client(args, implicit=True)
        check("auth" in client.esmtp_features and mechanism in client.esmtp_features["auth"].upper(),
              "submissions offers AUTH %s" % mechanism)
        client.user, client.password = user, args.password
        method = client.auth_plain if mechanism == "PLAIN" else client.auth_login
        code, text = client.auth(mechanism, method, initial_response_ok=(mechanism == "PLAIN"))
        check(code == 235, "AUTH %s: 235 (%s)" % (mechanism, text))
        marker = "submit-" + mechanism.lower()
        sent = message(marker)
        client.sendmail(user, [user], sent)
        # 553 5.7.1: an authenticated user sends only as their own addresses.
        code, text = client.mail("someone-else@remote.example")
        check(code == 553 and "5.7.1" in text.decode(), "foreign sender: 553 5.7.1 (%s)" % text)
        client.rset()
        client.quit()
        expect_delivered(args, marker, sent, user, tls=True)

    # A wrong password: 535.
    client = submission_client(args, implicit=True)
    client.user, client.password = user, "wrong-" + args.password
    try:
        client.auth("PLAIN", client.auth_plain)
        check(False, "wrong password refused")
    except smtplib.SMTPAuthenticationError as error:
        check(error.smtp_code == 535, "wrong password: 535 (%s)" % error.smtp_error)
    client.close()

    # Authenticated relay over STARTTLS: accepted and queued (not delivered anywhere).
    client = submission_client(args, implicit=False)
    client.login(user, args.password)
    sent = message("relay-queued")
    refused = client.sendmail(user, [args.relay_recipient], sent)
    check(not refused, "authenticated relay to %s: 250" % args.relay_recipient)
    client.quit()
    expect_absent(args, "relay-queued")
    print("submit: all checks passed")


# MARK: relay

RELAY_TRICKS = [
    "x@other.example",
    "user%other.example@example.test",
    "other.example!user@example.test",
    '"user@other.example"@example.test',
    "@a.example,@b.example:user@other.example",
    "@a.example:user@example.test",
    "user@[192.0.2.1]",
    "user@other.example.",
    "user@example.test.other.example",
]


def relay(args):
    user = args.user
    # Unknown local user: 550 5.1.1 at RCPT (no backscatter later).
    raw, _ = raw_session(args.smtp_port)
    raw.command(b"MAIL FROM:<probe@remote.example>\r\n")
    code, text = raw.command(b"RCPT TO:<no-such-user@example.test>\r\n")
    check(code == 550 and "5.1.1" in text, "unknown local user: 550 5.1.1 (%s)" % text)
    code, text = raw.command(b"VRFY " + user.encode() + b"\r\n")
    check(code == 252, "VRFY: 252, no user enumeration (%s)" % text)
    raw.command(b"QUIT\r\n")
    raw.close()

    # Relay tricks, without AUTH, in cleartext and after STARTTLS.
    for address in RELAY_TRICKS:
        raw, _ = raw_session(args.smtp_port)
        check(raw.command(b"MAIL FROM:<probe@remote.example>\r\n")[0] == 250, "MAIL")
        code, text = raw.command(b"RCPT TO:<" + address.encode() + b">\r\n")
        check(code in (550, 554) and " 5.7.1 " in text, "relay trick <%s> refused: %s" % (address, text))
        check(raw.command(b"DATA\r\n")[0] in (503, 554), "DATA without recipients refused")
        raw.command(b"QUIT\r\n")
        raw.close()
    with smtplib.SMTP("127.0.0.1", args.smtp_port, timeout=TIMEOUT) as client:
        client.starttls(context=tls_context())
        client.ehlo("client.example")
        client.mail("probe@remote.example")
        code, text = client.rcpt("x@other.example")
        check(code == 554 and b"5.7.1" in text, "relay after STARTTLS without AUTH: 554 5.7.1 (%s)" % text)
    print("relay: all checks passed")


# MARK: hostile

def rss_kib(pid):
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for pid %d" % pid)


def hostile(args):
    """Garbage, an endless line and bad commands: bounded replies, bounded
    memory, the session ends after max_errors, and the server goes on."""
    before = rss_kib(args.server_pid) if args.server_pid else None
    # 16 MiB without a line end, then CRLF: one "line too long" reply.
    raw, _ = raw_session(args.smtp_port)
    chunk = b"A" * 65536
    for _ in range(256):
        raw.send(chunk)
    code, text = raw.command(b"\r\n")
    check(code == 500 and "5.5.2" in text, "16 MiB line: 500 5.5.2 (%s)" % text)
    check(raw.command(b"NOOP\r\n")[0] == 250, "NOOP after the long line")
    # The same inside DATA: a text line over 1000 octets refuses the message.
    raw.command(b"MAIL FROM:<long@remote.example>\r\n")
    raw.command(b"RCPT TO:<" + args.user.encode() + b">\r\n")
    check(raw.command(b"DATA\r\n")[0] == 354, "DATA")
    for _ in range(64):
        raw.send(chunk)
    code, text = raw.command(b"\r\nSubject: long-line-message\r\n\r\n.\r\n")
    check(code in (500, 550, 554), "DATA with a 4 MiB line refused (%s)" % text)
    raw.close()
    if before is not None:
        grown = rss_kib(args.server_pid) - before
        check(grown < 64 * 1024, "server memory grew by %d KiB (< 64 MiB) for 20 MiB of garbage" % grown)

    # Garbage commands: errors, then 421 and the end of the session.
    raw, _ = raw_session(args.smtp_port)
    garbage = [b"\x00\x01\x02\xff\r\n", b"MAIL\r\n", b"RCPT TO:<a@b>\r\n", b"MAIL FROM:<<>>\r\n",
               b"BDAT -1\r\n", b"AUTH PLAIN\r\n", b"\xc3\x28 NOOP\r\n", b"EHLO\r\n", b"DATA extra\r\n",
               b"HELO a b c\r\n", b"XYZZY\r\n", b"MAIL FROM:<\"x\r\n"]
    codes = []
    closed = False
    for line in garbage:
        try:
            code, text = raw.command(line)
        except (AssertionError, OSError):
            closed = True
            break
        codes.append(code)
        if code == 421:
            check(raw.pending() == b"" and raw.sock.recv(1) == b"", "closed after 421")
            closed = True
            break
    check(closed and codes and codes[-1] == 421, "garbage ends with 421 after max_errors: %s" % codes)
    check(all(500 <= code < 600 for code in codes[:-1]), "each garbage command gets a 5xx: %s" % codes)
    raw.close()

    # The server still delivers.
    sent = message("after-hostile")
    with smtplib.SMTP("127.0.0.1", args.smtp_port, timeout=TIMEOUT) as client:
        client.sendmail("calm@remote.example", [args.user], sent)
    expect_delivered(args, "after-hostile", sent, "calm@remote.example")
    expect_absent(args, "long-line-message")
    print("hostile: all checks passed")


def readback(args):
    found = [m for m in pop3_messages(args) if args.marker.encode() in m]
    check(len(found) == args.count, "%r: %d message(s) in INBOX (found %d)" % (args.marker, args.count, len(found)))
    for stored in found:
        trace, _ = split_trace(stored)
        check(trace and trace[0].startswith(b"Return-Path: <"), "%r: Return-Path on top" % args.marker)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["deliver", "submit", "relay", "hostile", "readback"])
    parser.add_argument("--smtp-port", type=int)
    parser.add_argument("--submission-port", type=int)
    parser.add_argument("--submissions-port", type=int)
    parser.add_argument("--pop3s-port", type=int, required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--relay-recipient", default="friend@other.example")
    parser.add_argument("--marker")
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--server-pid", type=int)
    args = parser.parse_args()
    started = time.monotonic()
    {"deliver": deliver, "submit": submit, "relay": relay, "hostile": hostile, "readback": readback}[args.command](args)
    print("took %.1f s" % (time.monotonic() - started))


if __name__ == "__main__":
    try:
        main()
    except AssertionError as error:
        print("FAILED:", error, file=sys.stderr)
        sys.exit(1)
