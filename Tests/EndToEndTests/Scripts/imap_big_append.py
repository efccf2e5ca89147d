#!/usr/bin/env python3
"""Big IMAP APPENDs read back over IMAP and POP3 (BigAppendTests,
Benchmarks/big-message-bench.sh).

append: N concurrent imaplib connections each APPEND one message of SIZE
        octets to INBOX (a synchronising literal; the server spools it as it
        arrives); the messages are those of big_messages.py (multipart, a
        base64 attachment); writes "token sha256 size" per message to --log.
verify: with --threads connections at once FETCHes every message's
        BODY.PEEK[HEADER], BODY.PEEK[], BODY.PEEK[]<1000000.500000>,
        BODY.PEEK[1] and BODY.PEEK[2] and checks each against what was sent;
        with --pop3-port also RETRs every message. Prints "append: all N
        messages byte-identical" on success.
"""
import argparse
import hashlib
import imaplib
import sys
import threading
import time

from big_messages import make_message, read_log, verify_imap, verify_pop3


def append(args):
    sent = {}
    errors = []
    lock = threading.Lock()

    def one(index):
        token = f"append{index:03d}"
        body = make_message(token, args.size)
        try:
            imap = imaplib.IMAP4("127.0.0.1", args.port)
            imap.login(args.user, args.password)
            typ, data = imap.append("INBOX", None, None, body)
            imap.logout()
            with lock:
                if typ != "OK":
                    errors.append(f"{token}: {typ} {data}")
                else:
                    sent[token] = (hashlib.sha256(body).hexdigest(), len(body))
        except Exception as error:  # noqa: BLE001 - reported below
            with lock:
                errors.append(f"{token}: {error!r}")

    started = time.monotonic()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(args.count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"appended in {time.monotonic() - started:.1f} s (making the messages included)")
    if errors:
        print("append failed: " + "; ".join(errors))
        return 1
    with open(args.log, "w") as log:
        for token, (digest, size) in sorted(sent.items()):
            log.write(f"{token} {digest} {size}\n")
    print(f"appended={len(sent)}", flush=True)
    return 0


def verify(args):
    expected = read_log(args.log)
    failures = []
    started = time.monotonic()
    verify_imap(args.port, args.user, args.password, expected, args.threads, failures)
    print(f"imap read back in {time.monotonic() - started:.1f} s", flush=True)
    if args.pop3_port:
        started = time.monotonic()
        verify_pop3(args.pop3_port, [args.user], args.password, expected, failures)
        print(f"pop3 read back in {time.monotonic() - started:.1f} s", flush=True)
    for failure in failures:
        print(failure)
    if failures:
        return 1
    print(f"append: all {len(expected)} messages byte-identical")
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["append", "verify"])
    parser.add_argument("--log", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--count", type=int, default=3)
    parser.add_argument("--size", type=int, default=30_000_000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--pop3-port", type=int)
    args = parser.parse_args()
    return {"append": append, "verify": verify}[args.mode](args)


if __name__ == "__main__":
    sys.exit(main())
