#!/usr/bin/env python3
"""Big IMAP APPENDs read back with FETCH (BigAppendTests).

append: N concurrent imaplib connections each APPEND one message of SIZE
        octets to INBOX (a synchronising literal; the server spools it as it
        arrives); writes "token sha256" per message to --log.
verify: one connection FETCHes every message and compares its SHA-256 with
        the log. Prints "append: all N messages byte-identical" on success.
"""
import argparse
import hashlib
import imaplib
import sys
import threading


def make_message(token, size):
    head = (f"From: sender@client.example\r\nTo: big@example.test\r\nSubject: big {token}\r\n"
            f"Message-ID: <{token}@client.example>\r\n\r\n").encode()
    parts, total, line = [head], len(head), 0
    while total < size:
        piece = f"{token} line {line:08d} ".encode() + b"y" * 60 + b"\r\n"
        parts.append(piece)
        total += len(piece)
        line += 1
    return b"".join(parts)[:size]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["append", "verify"])
    parser.add_argument("--log", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--count", type=int, default=3)
    parser.add_argument("--size", type=int, default=30_000_000)
    args = parser.parse_args()
    sent = {}
    errors = []

    def append(index):
        token = f"append{index:03d}"
        body = make_message(token, args.size)
        try:
            imap = imaplib.IMAP4("127.0.0.1", args.port)
            imap.login(args.user, args.password)
            typ, data = imap.append("INBOX", None, None, body)
            if typ != "OK":
                errors.append(f"{token}: {typ} {data}")
            imap.logout()
            sent[token] = hashlib.sha256(body).hexdigest()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(f"{token}: {error!r}")

    if args.mode == "verify":
        return verify(args, dict(line.split() for line in open(args.log)))
    threads = [threading.Thread(target=append, args=(i,)) for i in range(args.count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        print("append failed: " + "; ".join(errors))
        return 1
    with open(args.log, "w") as log:
        for token, digest in sent.items():
            log.write(f"{token} {digest}\n")
    print(f"appended={len(sent)}", flush=True)
    return 0


def verify(args, sent):
    imap = imaplib.IMAP4("127.0.0.1", args.port)
    imap.login(args.user, args.password)
    imap.select("INBOX", readonly=True)
    typ, data = imap.uid("SEARCH", None, "ALL")
    uids = data[0].split()
    found = {}
    for uid in uids:
        typ, data = imap.uid("FETCH", uid, "(BODY.PEEK[])")
        body = data[0][1]
        token = next((t for t in sent if f"Subject: big {t}\r\n".encode() in body[:400]), None)
        if token is None:
            print(f"uid {uid!r}: unknown message of {len(body)} octets")
            return 1
        found[token] = hashlib.sha256(body).hexdigest()
    imap.logout()
    if found != sent:
        print(f"mismatch: sent {sent} found {found}")
        return 1
    print(f"append: all {len(sent)} messages byte-identical")
    return 0


if __name__ == "__main__":
    sys.exit(main())
