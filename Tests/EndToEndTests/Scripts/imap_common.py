"""Shared pieces of the IMAP end-to-end scripts: TLS context, checks,
imaplib connections (STARTTLS or implicit TLS), a raw IMAP client for what
imaplib cannot do (IDLE, hostile bytes), and the test messages.

Loopback only; every socket has a timeout.
"""
import argparse
import imaplib
import re
import socket
import ssl

TIMEOUT = 20


def tls_context():
    # The server under test uses a generated self-signed certificate.
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def rss_kib(pid):
    """The resident memory of process `pid` in KiB (Linux /proc)."""
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for pid %d" % pid)


def check(condition, what):
    if not condition:
        raise AssertionError(what)
    print("ok:", what.split("\n")[0][:200])


def ok(result, what):
    """An imaplib (typ, data) pair that must be OK; returns data."""
    typ, data = result
    check(typ == "OK", "%s: %s %r" % (what, typ, data))
    return data


def connect(args, mode=None):
    """A logged-in imaplib client: mode 'starttls' (imap port) or 'ssl' (imaps port)."""
    mode = mode or args.mode
    if mode == "ssl":
        client = imaplib.IMAP4_SSL("127.0.0.1", args.imaps_port, ssl_context=tls_context(), timeout=TIMEOUT)
    else:
        client = imaplib.IMAP4("127.0.0.1", args.imap_port, timeout=TIMEOUT)
        check("STARTTLS" in client.capabilities, "STARTTLS offered: %r" % (client.capabilities,))
        ok(client.starttls(ssl_context=tls_context()), "STARTTLS")
    ok(client.login(args.user, args.password), "LOGIN %s" % mode)
    return client


def logout(client):
    try:
        client.logout()
    except (imaplib.IMAP4.error, OSError):
        pass


def untagged(client, name):
    """Pops the untagged responses of this kind that imaplib collected."""
    return client.untagged_responses.pop(name.upper(), [])


def fetch_parts(data):
    """imaplib FETCH data as a list of (prefix, literal or None) per item."""
    parts = []
    for item in data:
        if isinstance(item, tuple):
            parts.append((item[0], item[1]))
        elif item not in (b")", None):
            parts.append((item, None))
    return parts


def section_value(data, item):
    """The value of one FETCH item (e.g. b"BODY[1.2]") in imaplib FETCH data:
    a literal, a quoted string (nstring, RFC 9051 §4.3) or None for NIL."""
    for index, entry in enumerate(data):
        if isinstance(entry, tuple) and entry[0].rstrip().rsplit(b" ", 1)[0].endswith(item):
            return entry[1]
        text = entry[0] if isinstance(entry, tuple) else entry
        if not text:
            continue
        match = re.search(re.escape(item) + rb' "((?:[^"\\]|\\.)*)"', text)
        if match:
            return re.sub(rb"\\(.)", rb"\1", match.group(1))
        if re.search(re.escape(item) + rb" NIL", text):
            return None
    raise AssertionError("no %r in FETCH data %r" % (item, data))


def list_entries(client, reference='""', pattern="*"):
    """(attributes, name) from LIST; the name unquoted, as sent (modified UTF-7 for rev1)."""
    entries = []
    for line in ok(client.list(reference, pattern), "LIST %s %s" % (reference, pattern)):
        if line is None:
            continue
        if isinstance(line, tuple):  # the name came as a literal
            match = re.match(rb'\((?P<attrs>[^)]*)\) (?P<delim>"[^"]*"|NIL) \{\d+\}$', line[0])
            check(match is not None, "LIST line parses: %r" % (line,))
            entries.append((match.group("attrs").decode(), line[1].decode()))
            continue
        match = re.match(rb'\((?P<attrs>[^)]*)\) (?P<delim>"[^"]*"|NIL) (?P<name>.*)$', line)
        check(match is not None, "LIST line parses: %r" % line)
        name = match.group("name")
        if name.startswith(b'"') and name.endswith(b'"'):
            name = name[1:-1].replace(b'\\"', b'"').replace(b"\\\\", b"\\")
        entries.append((match.group("attrs").decode(), name.decode()))
    return entries


def mailbox_names(client):
    """Names from LIST "" "*"."""
    return [name for _, name in list_entries(client)]


def quote(name):
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


# MARK: raw IMAP over a socket

class RawIMAP:
    """A raw IMAP client: exact bytes out, responses (with literals) in."""

    def __init__(self, port, tls=False):
        sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        if tls:
            sock = tls_context().wrap_socket(sock)
        self.sock = sock
        self.buffer = b""

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("connection closed")
        self.buffer += chunk

    def line(self):
        """One response line without CRLF; a literal {n} it announces is appended with its bytes."""
        while b"\r\n" not in self.buffer:
            self._fill()
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        literal = re.search(rb"\{(\d+)\}$", line)
        if literal:
            size = int(literal.group(1))
            while len(self.buffer) < size:
                self._fill()
            data, self.buffer = self.buffer[:size], self.buffer[size:]
            return line + b"\r\n" + data + self.line()
        return line

    def until_tagged(self, tag):
        """Lines up to and including the tagged completion of `tag`."""
        lines = []
        while True:
            line = self.line()
            lines.append(line)
            if line.startswith(tag + b" "):
                return lines

    def command(self, tag, text):
        self.send(tag + b" " + text + b"\r\n")
        return self.until_tagged(tag)

    def closed(self):
        """True when the server closed the connection (after what is buffered)."""
        try:
            while True:
                self._fill()
        except EOFError:
            return True
        except (socket.timeout, TimeoutError, ssl.SSLError, OSError):
            return False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def raw_login(args, tls=True):
    """A raw client on the IMAPS port (or the plain port, loopback cleartext), logged in."""
    raw = RawIMAP(args.imaps_port if tls else args.imap_port, tls=tls)
    greeting = raw.line()
    check(greeting.startswith(b"* OK"), "greeting: %r" % greeting)
    lines = raw.command(b"L1", b"LOGIN " + quote(args.user).encode() + b" " + quote(args.password).encode())
    check(lines[-1].startswith(b"L1 OK"), "raw LOGIN: %r" % lines[-1])
    return raw


# MARK: messages

def simple_message(marker, sender="alice@remote.example", subject="note", body="Hello.", date=None):
    date = date or "Mon, 02 Mar 2026 10:00:00 +0000"
    return ("From: %s\r\nTo: user@example.test\r\nSubject: %s\r\nDate: %s\r\n"
            "Message-ID: <%s@e2e.test>\r\n\r\n%s\r\n" % (sender, subject, date, marker, body)).encode()


MULTIPART_TEXT = "The quarterly report is attached.\r\nRegards, Bob\r\n"
MULTIPART_HTML = "<p>The quarterly <b>report</b> is attached.</p>\r\n"
ATTACHMENT = bytes(range(256)) * 8


def multipart_message(marker):
    """multipart/mixed: multipart/alternative (text, html) and a PDF-like attachment."""
    import base64
    encoded = base64.encodebytes(ATTACHMENT).replace(b"\n", b"\r\n")
    return (b"From: Bob Example <bob@remote.example>\r\n"
            b"To: user@example.test\r\n"
            b"Subject: Quarterly report\r\n"
            b"Date: Tue, 03 Mar 2026 09:30:00 +0100\r\n"
            b"Message-ID: <" + marker.encode() + b"@e2e.test>\r\n"
            b"MIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
            b"\r\n"
            b"This is a multi-part message in MIME format.\r\n"
            b"--outer\r\n"
            b"Content-Type: multipart/alternative; boundary=\"inner\"\r\n"
            b"\r\n"
            b"--inner\r\n"
            b"Content-Type: text/plain; charset=utf-8\r\n"
            b"\r\n" + MULTIPART_TEXT.encode() +
            b"--inner\r\n"
            b"Content-Type: text/html; charset=utf-8\r\n"
            b"\r\n" + MULTIPART_HTML.encode() +
            b"--inner--\r\n"
            b"--outer\r\n"
            b"Content-Type: application/pdf; name=\"report.pdf\"\r\n"
            b"Content-Disposition: attachment; filename=\"report.pdf\"\r\n"
            b"Content-Transfer-Encoding: base64\r\n"
            b"\r\n" + encoded +
            b"--outer--\r\n")


def server_parser(doc):
    """The command line every script against a running Tern takes: its
    IMAP and IMAPS ports and one account's user and password."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--imap-port", type=int, required=True)
    parser.add_argument("--imaps-port", type=int, required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    return parser
