#!/usr/bin/env python3
"""SMTP load and crash checks for Tern: many concurrent smtplib connections,
then a read-back over POP3 that compares the store with the client's log.

Loopback only: every address is SMTP envelope data for the local server under
test. Every socket has a timeout and every loop a deadline.

Subcommands:
  send    THREADS threads share COUNT messages (token i goes to thread i % THREADS).
          Each thread keeps one SMTP connection for --per-connection messages, then
          QUITs and reconnects (so both reuse and reconnects are exercised).
          Token i is sent to recipient i % len(recipients); every 10th token to all
          recipients at once. Before DATA the token is appended to --attempted-log,
          after a 250 to --accepted-log (one line "TOKEN RCPT[,RCPT]" each, flushed).
          With --tolerate-errors a failed message is given up (not retried) and the
          thread reconnects with a back-off until --deadline (a server that was killed
          and restarted); without it the first failure ends the run with exit 1.
  verify  For each account: RETR every message over POP3 and check that every stored
          message parses, is complete (body exactly as generated from its token), is
          stored at most once, was attempted for that account, and that every token
          of the accepted log for that account is present. The body size of each
          message is in its X-Load-Size header (the body itself is checked byte-exact).
"""
import argparse
import email
import email.policy
import os
import poplib
import smtplib
import sys
import threading
import time

TIMEOUT = 30


def body_lines(token, size):
    """Deterministic body for a token: numbered lines, ~`size` bytes, an END line."""
    lines = []
    total = 0
    n = 0
    while total < size:
        line = "%s line %05d %s" % (token, n, "x" * 40)
        if n % 7 == 3:
            line = "." + line  # dot-stuffing on the way in, undone on the way out
        lines.append(line)
        total += len(line) + 2
        n += 1
    lines.append("END " + token)
    return lines


def message_bytes(token, rcpts, size):
    head = ("From: load-sender@remote.example\r\n"
            "To: %s\r\n"
            "Subject: load %s\r\n"
            "Message-ID: <%s@load.test>\r\n"
            "X-Load-Size: %d\r\n"
            "\r\n" % (", ".join(rcpts), token, token, size))
    return (head + "\r\n".join(body_lines(token, size)) + "\r\n").encode()


def recipients_for(index, recipients):
    if len(recipients) > 1 and index % 10 == 0:
        return list(recipients)
    return [recipients[index % len(recipients)]]


class Log:
    def __init__(self, path):
        self.file = open(path, "a", encoding="ascii")
        self.lock = threading.Lock()

    def write(self, token, rcpts):
        with self.lock:
            self.file.write("%s %s\n" % (token, ",".join(rcpts)))
            self.file.flush()

    def close(self):
        self.file.close()


def send(args):
    recipients = args.recipients.split(",")
    attempted = Log(args.attempted_log)
    accepted = Log(args.accepted_log)
    deadline = time.monotonic() + args.deadline
    errors = []
    stats = {"accepted": 0, "failed": 0, "connections": 0}
    stats_lock = threading.Lock()

    def connect():
        while True:
            try:
                client = smtplib.SMTP("127.0.0.1", args.port, local_hostname="load.client.test", timeout=TIMEOUT)
                client.ehlo()
                with stats_lock:
                    stats["connections"] += 1
                return client
            except (OSError, smtplib.SMTPException) as error:
                if not args.tolerate_errors or time.monotonic() > deadline:
                    raise
                del error
                time.sleep(0.2)

    def worker(thread_index):
        client = None
        sent_on_connection = 0
        try:
            for index in range(thread_index, args.count, args.threads):
                if time.monotonic() > deadline:
                    errors.append("thread %d: deadline reached at message %d" % (thread_index, index))
                    return
                token = "%s%06d" % (args.prefix, index)
                rcpts = recipients_for(index, recipients)
                if client is None:
                    client = connect()
                    sent_on_connection = 0
                attempted.write(token, rcpts)
                try:
                    refused = client.sendmail("load-sender@remote.example", rcpts,
                                              message_bytes(token, rcpts, args.size))
                    if refused:
                        raise smtplib.SMTPRecipientsRefused(refused)
                    accepted.write(token, rcpts)
                    with stats_lock:
                        stats["accepted"] += 1
                except (OSError, smtplib.SMTPException) as error:
                    with stats_lock:
                        stats["failed"] += 1
                    try:
                        client.close()
                    except OSError:
                        pass
                    client = None
                    if not args.tolerate_errors:
                        errors.append("thread %d, %s: %r" % (thread_index, token, error))
                        return
                    continue
                sent_on_connection += 1
                if sent_on_connection >= args.per_connection:
                    try:
                        client.quit()
                    except (OSError, smtplib.SMTPException):
                        client.close()
                    client = None
            if client is not None:
                client.quit()
        except Exception as error:  # reported below, the run fails
            errors.append("thread %d: %r" % (thread_index, error))

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(args.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(1.0, deadline - time.monotonic() + TIMEOUT + 5))
    elapsed = time.monotonic() - started
    attempted.close()
    accepted.close()
    alive = sum(1 for thread in threads if thread.is_alive())
    print("send: accepted=%d failed=%d connections=%d elapsed=%.2fs rate=%.1f/s"
          % (stats["accepted"], stats["failed"], stats["connections"], elapsed, stats["accepted"] / max(elapsed, 1e-6)))
    for error in errors[:20]:
        print("error:", error)
    if alive or errors:
        print("send: FAILED (%d threads still running, %d errors)" % (alive, len(errors)))
        return 1
    print("send: done")
    return 0


def read_log(path):
    """token -> list of recipients, from a log written by `send`."""
    result = {}
    if not os.path.exists(path):
        return result
    with open(path, encoding="ascii") as file:
        for line in file:
            parts = line.split()
            if len(parts) == 2:  # a torn last line cannot happen (flushed per line), but skip it
                result[parts[0]] = parts[1].split(",")
    return result


def pop3_messages(port, user, password):
    client = poplib.POP3("127.0.0.1", port, timeout=TIMEOUT)
    try:
        client.user(user)
        client.pass_(password)
        count, _ = client.stat()
        listed = len(client.list()[1])
        if listed != count:
            raise AssertionError("STAT says %d messages, LIST %d" % (count, listed))
        for number in range(1, count + 1):
            _, lines, _ = client.retr(number)
            yield number, b"".join(line + b"\r\n" for line in lines)
        client.quit()
    finally:
        try:
            client.close()
        except OSError:
            pass


def verify(args):
    attempted = read_log(args.attempted_log)
    accepted = read_log(args.accepted_log)
    problems = []
    total = 0
    for account in args.accounts.split(","):
        seen = {}
        for number, raw in pop3_messages(args.pop3_port, account, args.password):
            total += 1
            parsed = email.message_from_bytes(raw, policy=email.policy.compat32)
            message_id = (parsed.get("Message-ID") or "").strip()
            if not (message_id.startswith("<") and message_id.endswith("@load.test>")):
                problems.append("%s #%d: no load Message-ID (%r)" % (account, number, raw[:200]))
                continue
            token = message_id[1:-len("@load.test>")]
            if parsed.get("Subject") != "load " + token or not parsed.get("Received") or not parsed.get("Return-Path"):
                problems.append("%s #%d %s: Subject/Received/Return-Path wrong" % (account, number, token))
            rcpts = attempted.get(token)
            if rcpts is None or account not in rcpts:
                problems.append("%s #%d %s: never attempted for this account" % (account, number, token))
                continue
            try:
                size = int(parsed.get("X-Load-Size") or "")
            except ValueError:
                problems.append("%s #%d %s: no X-Load-Size" % (account, number, token))
                continue
            expected = ("\r\n".join(body_lines(token, size)) + "\r\n").encode()
            body = raw.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in raw else b""
            if body != expected:
                problems.append("%s #%d %s: body incomplete or altered (%d bytes, expected %d)"
                                % (account, number, token, len(body), len(expected)))
            seen[token] = seen.get(token, 0) + 1
        duplicates = [token for token, n in seen.items() if n > 1]
        if duplicates:
            problems.append("%s: %d tokens stored more than once, e.g. %s" % (account, len(duplicates), duplicates[:5]))
        wanted = {token for token, rcpts in accepted.items() if account in rcpts}
        missing = sorted(wanted - set(seen))
        if missing:
            problems.append("%s: %d accepted (250) tokens missing, e.g. %s" % (account, len(missing), missing[:10]))
        extra = len(set(seen) - wanted)
        print("verify %s: stored=%d distinct=%d accepted_for_account=%d in_flight_extra=%d"
              % (account, sum(seen.values()), len(seen), len(wanted), extra))
    print("verify: attempted=%d accepted=%d stored_total=%d" % (len(attempted), len(accepted), total))
    if len(accepted) < args.min_accepted:
        problems.append("only %d messages were accepted, expected at least %d" % (len(accepted), args.min_accepted))
    for problem in problems[:30]:
        print("problem:", problem)
    if problems:
        print("verify: FAILED (%d problems)" % len(problems))
        return 1
    print("verify: all checks passed")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("send")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--recipients", required=True)
    s.add_argument("--count", type=int, default=5000)
    s.add_argument("--threads", type=int, default=20)
    s.add_argument("--per-connection", type=int, default=50)
    s.add_argument("--size", type=int, default=1024)
    s.add_argument("--prefix", default="t")
    s.add_argument("--attempted-log", required=True)
    s.add_argument("--accepted-log", required=True)
    s.add_argument("--deadline", type=float, default=100)
    s.add_argument("--tolerate-errors", action="store_true")
    v = sub.add_parser("verify")
    v.add_argument("--pop3-port", type=int, required=True)
    v.add_argument("--accounts", required=True)
    v.add_argument("--password", required=True)
    v.add_argument("--attempted-log", required=True)
    v.add_argument("--accepted-log", required=True)
    v.add_argument("--min-accepted", type=int, default=1)
    args = parser.parse_args()
    return send(args) if args.command == "send" else verify(args)


if __name__ == "__main__":
    sys.exit(main())
