#!/usr/bin/env python3
"""Big messages over SMTP, read back over POP3 and IMAP (BigMessageTests,
BigAppendTests, Benchmarks/big-message-bench.sh).

Every message is multipart/mixed: a short text part (some lines start with
".", for dot-stuffing) and a base64 attachment of pseudo-random octets that
fills it to SIZE, so BODY[1] and BODY[2] exist; its Subject carries a token
from which the whole message can be made again.

send:   N concurrent smtplib connections, one message of SIZE octets each;
        writes "token sha256 size" per accepted message to --log.
partial: starts a message and sends only part of its DATA, then waits.
verify: over POP3 (one thread per account) RETRs every message, finds its
        token and checks that the stored message ends with exactly the bytes
        sent (SHA-256) and that what comes before them is only the server's
        trace fields (Return-Path:, Received:); with --imap-port, over IMAP
        (--threads connections at once, one account) FETCHes each message's
        BODY.PEEK[HEADER], BODY.PEEK[], BODY.PEEK[]<1000000.500000>,
        BODY.PEEK[1] and BODY.PEEK[2] and checks each against what was sent.
"""
import argparse
import base64
import hashlib
import imaplib
import poplib
import random
import re
import smtplib
import sys
import threading
import time

PARTIAL_ORIGIN = 1_000_000
PARTIAL_LENGTH = 500_000


def make_parts(token, size):
    """(message, content header, BODY[1], BODY[2]) of the message for `token`."""
    boundary = f"=_{token}_part"
    header = (f"From: sender@client.example\r\nTo: big@example.test\r\nSubject: big {token}\r\n"
              f"Message-ID: <{token}@client.example>\r\nMIME-Version: 1.0\r\n"
              f"Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n").encode()
    lines = []
    for number in range(200):
        # A line starting with "." needs dot-stuffing: smtplib does it; include some.
        prefix = "." if number % 50 == 0 else ""
        lines.append(f"{prefix}{token} text line {number:04d}")
    text = "\r\n".join(lines).encode()
    before = (header + f"preamble\r\n--{boundary}\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n".encode()
              + text + f"\r\n--{boundary}\r\nContent-Type: application/octet-stream; name=\"{token}.bin\"\r\n"
              "Content-Transfer-Encoding: base64\r\n\r\n".encode())
    after = f"\r\n--{boundary}--\r\n".encode()
    # 57 octets make one 76-character base64 line, 78 with its CRLF.
    room = max(size - len(before) - len(after), 78)
    raw = random.Random(token).randbytes((room + 2) // 78 * 57)
    attachment = base64.encodebytes(raw).replace(b"\n", b"\r\n")[:-2]
    message = before + attachment + after
    return message, header, text, attachment


def make_message(token, size):
    return make_parts(token, size)[0]


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

    started = time.monotonic()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(args.count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with open(args.log, "w") as log:
        for token, digest, size in sorted(results):
            log.write(f"{token} {digest} {size}\n")
    print(f"sent in {time.monotonic() - started:.1f} s (making the messages included)")
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


def read_log(path):
    """token -> (sha256, size) from a send or append log."""
    expected = {}
    with open(path) as log:
        for line in log:
            token, digest, size = line.split()
            expected[token] = (digest, int(size))
    return expected


def check_content(stored, token, expected, where, failures):
    """The stored message ends with the content sent, after trace fields only."""
    digest, size = expected[token]
    if hashlib.sha256(stored[-size:]).hexdigest() != digest or len(stored) < size:
        failures.append(f"{where} {token}: SHA-256 differs")
        return
    trace = stored[:-size]
    for field in re.split(rb"\r\n(?![ \t])", trace.rstrip(b"\r\n")):
        if field and not (field.startswith(b"Return-Path:") or field.startswith(b"Received:")):
            failures.append(f"{where} {token}: unexpected field before the content: {field[:60]!r}")


def verify_pop3(port, accounts, password, expected, failures):
    """RETR of every message of each account, one thread per account."""
    lock = threading.Lock()

    def one(account):
        problems = []
        try:
            client = poplib.POP3("127.0.0.1", port, timeout=300)
            client.user(account)
            client.pass_(password)
            count, _ = client.stat()
            seen = set()
            for number in range(1, count + 1):
                _, lines, _ = client.retr(number)
                stored = b"\r\n".join(lines) + b"\r\n"
                match = re.search(rb"Subject: big (\S+)\r\n", stored)
                if not match:
                    problems.append(f"pop3 {account} #{number}: no token")
                    continue
                token = match.group(1).decode()
                if token not in expected:
                    continue
                check_content(stored, token, expected, f"pop3 {account}", problems)
                seen.add(token)
            client.quit()
            missing = set(expected) - seen
            if missing:
                problems.append(f"pop3 {account}: missing {sorted(missing)}")
        except Exception as error:  # reported, the test fails on it
            problems.append(f"pop3 {account}: {error!r}")
        with lock:
            failures.extend(problems)

    threads = [threading.Thread(target=one, args=(account,)) for account in accounts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def fetch_literal(imap, uid, item):
    typ, data = imap.uid("FETCH", uid, f"({item})")
    if typ != "OK" or not data or not isinstance(data[0], tuple):
        raise RuntimeError(f"UID FETCH {uid} ({item}): {typ} {str(data)[:200]}")
    return data[0][1]


def imap_login(port, user, password):
    imap = imaplib.IMAP4("127.0.0.1", port)
    imap.login(user, password)
    imap.select("INBOX", readonly=True)
    return imap


def verify_imap(port, user, password, expected, threads, failures):
    """Every message of INBOX through `threads` connections at once: the
    whole message, a <partial>, each MIME part and the header."""
    imap = imap_login(port, user, password)
    typ, data = imap.uid("SEARCH", None, "ALL")
    uids = data[0].split()
    tokens = {}
    for uid in uids:
        subject = fetch_literal(imap, uid, "BODY.PEEK[HEADER.FIELDS (SUBJECT)]")
        match = re.search(rb"Subject: big (\S+)", subject)
        if match and match.group(1).decode() in expected:
            tokens[uid] = match.group(1).decode()
    imap.logout()
    missing = set(expected) - set(tokens.values())
    if missing:
        failures.append(f"imap: missing {sorted(missing)}")
    lock = threading.Lock()
    work = sorted(tokens.items())

    def one(index):
        problems = []
        try:
            client = imap_login(port, user, password)
            for uid, token in work[index::threads]:
                where = f"imap uid {uid.decode()}"
                _, content_header, part1, part2 = make_parts(token, expected[token][1])
                header = fetch_literal(client, uid, "BODY.PEEK[HEADER]")
                if not header.endswith(content_header):
                    problems.append(f"{where} {token}: BODY[HEADER] does not end with the header sent")
                whole = fetch_literal(client, uid, "BODY.PEEK[]")
                check_content(whole, token, expected, where, problems)
                if not whole.startswith(header):
                    problems.append(f"{where} {token}: BODY[] does not start with BODY[HEADER]")
                partial = fetch_literal(client, uid, f"BODY.PEEK[]<{PARTIAL_ORIGIN}.{PARTIAL_LENGTH}>")
                if partial != whole[PARTIAL_ORIGIN:PARTIAL_ORIGIN + PARTIAL_LENGTH]:
                    problems.append(f"{where} {token}: BODY[]<{PARTIAL_ORIGIN}.{PARTIAL_LENGTH}> differs")
                if fetch_literal(client, uid, "BODY.PEEK[1]") != part1:
                    problems.append(f"{where} {token}: BODY[1] differs")
                attachment = fetch_literal(client, uid, "BODY.PEEK[2]")
                if hashlib.sha256(attachment).digest() != hashlib.sha256(part2).digest():
                    problems.append(f"{where} {token}: BODY[2] differs ({len(attachment)} of {len(part2)} octets)")
                del whole, attachment, part2
            client.logout()
        except Exception as error:  # reported, the test fails on it
            problems.append(f"imap thread {index}: {error!r}")
        with lock:
            failures.extend(problems)

    workers = [threading.Thread(target=one, args=(i,)) for i in range(max(threads, 1))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def verify(args):
    expected = read_log(args.log)
    failures = []
    started = time.monotonic()
    verify_pop3(args.pop3_port, args.accounts.split(","), args.password, expected, failures)
    print(f"pop3 read back in {time.monotonic() - started:.1f} s", flush=True)
    if args.imap_port:
        started = time.monotonic()
        verify_imap(args.imap_port, args.imap_account or args.accounts.split(",")[0], args.password, expected,
                    args.threads, failures)
        print(f"imap read back in {time.monotonic() - started:.1f} s", flush=True)
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
    v.add_argument("--imap-port", type=int)
    v.add_argument("--imap-account")
    v.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    return {"send": send, "partial": partial, "verify": verify}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
