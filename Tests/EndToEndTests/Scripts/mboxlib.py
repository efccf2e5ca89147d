#!/usr/bin/env python3
"""Deterministic test mail for Tern's end-to-end tests and benchmarks.

usage: mboxlib.py generate OUT --count N [--seed S] [--profile small|bench]
       mboxlib.py count FILE
       mboxlib.py maildir DIR --count N [--seed S]

`maildir` writes a Maildir++ (new/, cur/ with flags, a .Archive subfolder
holding every fifth message) and DIR.inbox.mbox / DIR.archive.mbox with the
same messages, for comparison after `tern import maildir`.

`generate` writes an mboxrd file (RFC 4155 separators, `>From ` quoting) of N
messages built only from a seeded random generator: plain text, multipart/
alternative and multipart/mixed with base64 attachments, varied sizes, UTF-8
8bit bodies, and body lines that start with ".", "..", a lone "." and "From ".
No message ends with an empty line and no original line starts with ">From ",
so mboxrd and mboxo readers agree on every message.

As a module: `generate(...)`, `read_mbox(path)` (messages as bytes with CRLF
line ends), `crlf(bytes)`, `digest(bytes)`.
"""
import argparse
import base64
import hashlib
import random
import sys

WORDS = ("tern gull plover sandpiper dunlin godwit curlew knot sanderling turnstone "
         "harbour tide shingle estuary mudflat saltmarsh breakwater jetty lighthouse "
         "message mailbox folder retrieve delete archive server client protocol octet").split()


def crlf(data):
    """The same bytes with every line ending (LF or CRLF) as CRLF."""
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def digest(data):
    return hashlib.sha256(data).hexdigest()


def _sentence(rng, lo=4, hi=14):
    words = [rng.choice(WORDS) for _ in range(rng.randint(lo, hi))]
    return " ".join(words).capitalize() + "."


def _paragraphs(rng, target):
    """Plain-text lines (no line ending) totalling about `target` bytes."""
    lines = []
    size = 0
    while size < target:
        kind = rng.random()
        if kind < 0.06:
            line = "." + _sentence(rng, 1, 6)          # dot-stuffing on RETR
        elif kind < 0.09:
            line = "."                                  # would end RETR if unstuffed
        elif kind < 0.11:
            line = ".."
        elif kind < 0.15:
            line = "From " + _sentence(rng, 2, 8)       # mbox quoting
        elif kind < 0.18:
            line = ""
        elif kind < 0.20:
            line = "Ünïcødé straße – " + _sentence(rng, 2, 6)
        elif kind < 0.21:
            line = "x" * rng.randint(200, 990)          # long, under RFC 5322's 998
        else:
            line = " ".join(_sentence(rng) for _ in range(rng.randint(1, 3)))
        lines.append(line)
        size += len(line.encode()) + 2
    # never end on an empty or lone-dot-looking-empty line
    lines.append("-- " + rng.choice(WORDS))
    return lines


def _attachment(rng, nbytes):
    raw = rng.randbytes(nbytes)
    b64 = base64.b64encode(raw).decode()
    return [b64[i:i + 76] for i in range(0, len(b64), 76)] or [""]


def _size_for(rng, profile):
    if profile == "bench":
        # mean about 53 KB, like /work/shared/peers' 1,000-message set
        r = rng.random()
        if r < 0.55:
            return rng.randint(500, 8000)
        if r < 0.9:
            return rng.randint(8000, 100000)
        return rng.randint(100000, 300000)
    r = rng.random()
    if r < 0.7:
        return rng.randint(200, 3000)
    if r < 0.97:
        return rng.randint(3000, 20000)
    return rng.randint(20000, 120000)


def make_message(rng, i, seed, profile):
    """One message as LF-terminated bytes."""
    size = _size_for(rng, profile)
    mid = "<e2e-%d-%d@example.test>" % (seed, i)
    day = 1 + i % 28
    hdr = [
        "Return-Path: <sender%d@example.org>" % (i % 17),
        "From: Sender %d <sender%d@example.org>" % (i % 17, i % 17),
        "To: user@example.test",
        "Subject: Test message %d %s" % (i, _sentence(rng, 1, 5)),
        "Date: %s, %02d Nov 2026 %02d:%02d:%02d +0000" % (
            ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")[day % 7], day, i % 24, i % 60, (i * 7) % 60),
        "Message-ID: %s" % mid,
    ]
    if rng.random() < 0.2:
        hdr.append("X-Long-Header: " + " ".join(rng.choice(WORDS) for _ in range(30)))
        hdr.append("\t" + " ".join(rng.choice(WORDS) for _ in range(10)))
    kind = rng.random()
    if kind < 0.45:
        hdr += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: 8bit"]
        body = _paragraphs(rng, size)
    elif kind < 0.7:
        b = "=_alt_%d_%d" % (seed, i)
        hdr += ["MIME-Version: 1.0", 'Content-Type: multipart/alternative; boundary="%s"' % b]
        text = _paragraphs(rng, size // 2)
        body = ["This is a multi-part message in MIME format.", "", "--" + b,
                "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit", ""]
        body += text
        body += ["", "--" + b, "Content-Type: text/html; charset=utf-8", "", "<html><body>"]
        body += ["<p>%s</p>" % line.replace("<", "&lt;") for line in text if line]
        body += ["</body></html>", "", "--" + b + "--"]
    else:
        b = "=_mix_%d_%d" % (seed, i)
        hdr += ["MIME-Version: 1.0", 'Content-Type: multipart/mixed; boundary="%s"' % b]
        body = ["--" + b, "Content-Type: text/plain; charset=utf-8", ""]
        body += _paragraphs(rng, max(100, size // 5))
        body += ["", "--" + b, "Content-Type: application/octet-stream; name=\"blob%d.bin\"" % i,
                 "Content-Transfer-Encoding: base64",
                 "Content-Disposition: attachment; filename=\"blob%d.bin\"" % i, ""]
        body += _attachment(rng, max(1, size * 3 // 4 * 4 // 5))
        body += ["", "--" + b + "--"]
    while body and body[-1] == "":
        body.pop()
    lines = hdr + [""] + body
    return ("\n".join(lines) + "\n").encode()


def generate(path, count, seed=1, profile="small"):
    """Writes the mbox; returns the messages as CRLF bytes, in order."""
    rng = random.Random(seed)
    out = []
    with open(path, "wb") as f:
        for i in range(count):
            msg = make_message(rng, i, seed, profile)
            out.append(crlf(msg))
            f.write(b"From sender%d@example.org Sat Nov %2d 12:%02d:%02d 2026\n" % (
                i % 17, 1 + i % 28, i % 60, (i * 13) % 60))
            for line in msg.split(b"\n")[:-1]:
                if line.lstrip(b">").startswith(b"From "):
                    line = b">" + line
                f.write(line + b"\n")
            f.write(b"\n")
    return out


def write_mbox(path, msgs):
    """Writes CRLF messages as an mboxrd file."""
    with open(path, "wb") as f:
        for m in msgs:
            f.write(b"From MAILER-DAEMON Sat Nov 21 12:00:00 2026\n")
            for line in m.split(b"\r\n")[:-1]:
                if line.lstrip(b">").startswith(b"From "):
                    line = b">" + line
                f.write(line + b"\n")
            f.write(b"\n")


def generate_maildir(root, count, seed=1):
    import os
    rng = random.Random(seed)
    inbox, archive = [], []
    for sub in ("", ".Archive"):
        for d in ("new", "cur", "tmp"):
            os.makedirs(os.path.join(root, sub, d), exist_ok=True)
    for i in range(count):
        msg = make_message(rng, i, seed, "small")
        folder = ".Archive" if i % 5 == 4 else ""
        (archive if folder else inbox).append(crlf(msg))
        if i % 3 == 0:
            name = os.path.join(root, folder, "new", "17000%05d.M%dP1.e2e" % (i, i))
        else:
            flags = ("S", "RS", "FS", "")[i % 4]
            name = os.path.join(root, folder, "cur", "17000%05d.M%dP1.e2e:2,%s" % (i, i, flags))
        with open(name, "wb") as f:
            f.write(msg)
    write_mbox(root.rstrip("/") + ".inbox.mbox", inbox)
    write_mbox(root.rstrip("/") + ".archive.mbox", archive)
    return inbox, archive


def read_mbox(path):
    """The messages of an mboxrd file as bytes with CRLF line ends."""
    msgs = []
    cur = None
    with open(path, "rb") as f:
        for line in f:
            if line.startswith(b"From "):
                if cur is not None:
                    msgs.append(_finish(cur))
                cur = []
                continue
            if cur is None:
                continue
            s = line.rstrip(b"\n").rstrip(b"\r")
            if s.startswith(b">") and s.lstrip(b">").startswith(b"From "):
                s = s[1:]
            cur.append(s)
    if cur is not None:
        msgs.append(_finish(cur))
    return msgs


def _finish(lines):
    while lines and lines[-1] == b"":
        lines.pop()
    return b"\r\n".join(lines) + b"\r\n"


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate")
    g.add_argument("out")
    g.add_argument("--count", type=int, required=True)
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--profile", choices=("small", "bench"), default="small")
    c = sub.add_parser("count")
    c.add_argument("file")
    m = sub.add_parser("maildir")
    m.add_argument("dir")
    m.add_argument("--count", type=int, required=True)
    m.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if a.cmd == "maildir":
        inbox, archive = generate_maildir(a.dir, a.count, a.seed)
        print("wrote %d INBOX and %d Archive messages to %s" % (len(inbox), len(archive), a.dir))
    elif a.cmd == "generate":
        msgs = generate(a.out, a.count, a.seed, a.profile)
        print("wrote %d messages, %d bytes (CRLF) to %s" % (len(msgs), sum(map(len, msgs)), a.out))
    else:
        print(len(read_mbox(a.file)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
