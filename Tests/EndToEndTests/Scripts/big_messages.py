#!/usr/bin/env python3
"""Big messages over SMTP, read back over POP3 (BigMessageTests).

send:   N concurrent smtplib connections, one message of SIZE octets each,
        every message with a token in its Subject; writes "token sha256 size"
        per accepted message to --log.
partial: starts a message and sends only part of its DATA, then waits.
verify: logs in over POP3 as each account, RETRs every message, finds its
        token and checks that the stored message ends with exactly the bytes
        sent (SHA-256 of that part equal) and that what comes before them is
        only the server's trace fields (Return-Path:, Received:).
"""
import argparse
import hashlib
import poplib
import re
import smtplib
import sys
import threading


def make_message(token, size):
    head = (f"From: sender@client.example\r\nTo: big@example.test\r\nSubject: big {token}\r\n"
            f"Message-ID: <{token}@client.example>\r\n\r\n").encode()
    line = 0
    parts = [head]
    total = len(head)
    while total < size:
        piece = f"{token} line {line:08d} " .encode() + b"x" * 60 + b"\r\n"
        # A line starting with "." needs dot-stuffing: smtplib does it; include some.
        if line % 1000 == 0:
            piece = b"." + piece
        parts.append(piece)
        total += len(piece)
        line += 1
    return b"".join(parts)


def send(args):
    results = []
    errors = []
    lock = threading.Lock()

    def one(index):
        token = f"{args.prefix}{index:03d}"
        body = make_message(token, args.size)
        try:
            with smtplib.SMTP("127.0.0.1", args.port, timeout=300) as client:
                client.ehlo("client.example")
                client.sendmail("sender@client.example", args.recipients.split(","), body)
            with lock:
                results.append((token, hashlib.sha256(body).hexdigest(), len(body)))
        except Exception as error:  # reported, the test fails on it
            with lock:
                errors.append(f"{token}: {error!r}")

    threads = [threading.Thread(target=one, args=(i,)) for i in range(args.count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with open(args.log, "w") as log:
        for token, digest, size in sorted(results):
            log.write(f"{token} {digest} {size}\n")
    print(f"accepted={len(results)} failed={len(errors)}")
    for error in errors:
        print(error)
    return 0 if not errors else 1


def partial(args):
    """Starts a message and stops in the middle of its DATA, then waits (to be killed)."""
    import socket
    import time
    sock = socket.create_connection(("127.0.0.1", args.port), timeout=60)
    reader = sock.makefile("rb")

    def reply():
        while True:
            line = reader.readline()
            if not line or line[3:4] != b"-":
                return line

    reply()
    for command in [b"EHLO client.example", b"MAIL FROM:<sender@client.example>",
                    b"RCPT TO:<" + args.recipient.encode() + b">", b"DATA"]:
        sock.sendall(command + b"\r\n")
        answer = reply()
        if not answer[:1] in (b"2", b"3"):
            print(f"refused: {command!r} -> {answer!r}")
            return 1
    sock.sendall(make_message("partial", args.size))
    print("sent part of the DATA", flush=True)
    time.sleep(600)
    return 0


def verify(args):
    expected = {}
    with open(args.log) as log:
        for line in log:
            token, digest, size = line.split()
            expected[token] = (digest, int(size))
    failures = []
    for account in args.accounts.split(","):
        client = poplib.POP3("127.0.0.1", args.pop3_port, timeout=300)
        client.user(account)
        client.pass_(args.password)
        count, _ = client.stat()
        seen = set()
        for number in range(1, count + 1):
            _, lines, _ = client.retr(number)
            stored = b"\r\n".join(lines) + b"\r\n"
            match = re.search(rb"Subject: big (\S+)\r\n", stored)
            if not match:
                failures.append(f"{account} #{number}: no token")
                continue
            token = match.group(1).decode()
            if token not in expected:
                continue
            digest, size = expected[token]
            content = stored[-size:]
            if hashlib.sha256(content).hexdigest() != digest:
                failures.append(f"{account} {token}: SHA-256 differs")
            trace = stored[:-size]
            for field in re.split(rb"\r\n(?![ \t])", trace.rstrip(b"\r\n")):
                if field and not (field.startswith(b"Return-Path:") or field.startswith(b"Received:")):
                    failures.append(f"{account} {token}: unexpected field before the content: {field[:60]!r}")
            seen.add(token)
        client.quit()
        missing = set(expected) - seen
        if missing:
            failures.append(f"{account}: missing {sorted(missing)}")
    for failure in failures:
        print(failure)
    if failures:
        return 1
    print(f"verify: all {len(expected)} messages byte-identical for every account")
    return 0


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("send")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--recipients", required=True)
    s.add_argument("--count", type=int, default=5)
    s.add_argument("--size", type=int, default=30_000_000)
    s.add_argument("--prefix", default="big")
    s.add_argument("--log", required=True)
    p = sub.add_parser("partial")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--recipient", required=True)
    p.add_argument("--size", type=int, default=2_000_000)
    v = sub.add_parser("verify")
    v.add_argument("--pop3-port", type=int, required=True)
    v.add_argument("--accounts", required=True)
    v.add_argument("--password", required=True)
    v.add_argument("--log", required=True)
    args = parser.parse_args()
    return {"send": send, "partial": partial, "verify": verify}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
