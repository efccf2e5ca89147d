#!/usr/bin/env python3
"""SMTP acceptance and delivery-visibility timing with Python's smtplib and
poplib (the same client for every server).

usage: smtp_bench_client.py run --smtp-port P --pop3-port P --rcpt ADDR --user U
                            --password PW [--count 1000] [--connections 20]
                            [--size 4096] [--label L] [--max-secs 300] [--reset-imap-port P]
One batch: COUNT messages of about SIZE bytes (each with a unique Message-ID)
to RCPT, spread over CONNECTIONS threads, each keeping ONE SMTP connection
(EHLO once, then MAIL/RCPT/DATA per message, QUIT at the end). Timed from the
first connect to the last 250 ("accept"). Meanwhile and afterwards a poller
logs in over POP3 every 0.1 s and reads STAT, until the mailbox holds the
starting count + COUNT ("visible": time from the start of the batch; "lag":
time after the last 250). With --reset-imap-port the mailbox is first emptied
over IMAP (Dovecot), so every batch starts from an empty mailbox.
Prints: SUMMARY label msgs=.. conns=.. size=.. accept_s=.. accept_msgs_per_s=..
        visible_s=.. lag_s=.. visible_msgs_per_s=..
Loopback only; every loop is bounded by --max-secs.
"""
import argparse
import imaplib
import poplib
import smtplib
import sys
import threading
import time

HOST = "127.0.0.1"
TIMEOUT = 60


def message(token, rcpt, size):
    head = ("From: bench-sender@remote.example\r\nTo: %s\r\nSubject: bench %s\r\n"
            "Message-ID: <%s@bench.test>\r\n\r\n" % (rcpt, token, token)).encode()
    line = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789\r\n"
    body = line * max(1, (size - len(head)) // len(line))
    return head + body


def pop3_count(a):
    client = poplib.POP3(HOST, a.pop3_port, timeout=TIMEOUT)
    try:
        client.user(a.user)
        client.pass_(a.password)
        count, _ = client.stat()
        client.quit()
        return count
    finally:
        try:
            client.close()
        except OSError:
            pass


def reset_mailbox(a):
    imap = imaplib.IMAP4(HOST, a.reset_imap_port)
    imap.login(a.user, a.password)
    typ, data = imap.select("INBOX")
    if typ == "OK" and int(data[0]) > 0:
        imap.store("1:*", "+FLAGS.SILENT", "(\\Deleted)")
        imap.expunge()
    imap.close()
    imap.logout()


def run(a):
    if a.reset_imap_port:
        reset_mailbox(a)
    before = pop3_count(a)
    target = before + a.count
    deadline = time.monotonic() + a.max_secs
    errors = []
    accepted = [0] * a.connections

    def sender(index):
        try:
            client = smtplib.SMTP(HOST, a.smtp_port, local_hostname="bench.client.test", timeout=TIMEOUT)
            client.ehlo()
            for number in range(index, a.count, a.connections):
                if time.monotonic() > deadline:
                    errors.append("connection %d: --max-secs reached" % index)
                    break
                token = "%s-%d-%d" % (a.label, number, int(t0 * 1000))
                client.sendmail("bench-sender@remote.example", [a.rcpt], message(token, a.rcpt, a.size))
                accepted[index] += 1
            client.quit()
        except Exception as error:  # counted; the batch is reported as failed
            errors.append("connection %d: %r" % (index, error))

    visible_at = [None]
    last_count = [before]

    def poller():
        while time.monotonic() < deadline:
            try:
                last_count[0] = pop3_count(a)
            except (OSError, poplib.error_proto):
                pass
            if last_count[0] >= target:
                visible_at[0] = time.monotonic()
                return
            time.sleep(0.1)

    t0 = time.monotonic()
    threads = [threading.Thread(target=sender, args=(i,), daemon=True) for i in range(a.connections)]
    for thread in threads:
        thread.start()
    watcher = threading.Thread(target=poller, daemon=True)
    watcher.start()
    for thread in threads:
        thread.join(max(0.1, deadline - time.monotonic()))
    t1 = time.monotonic()
    watcher.join(max(0.1, deadline - time.monotonic()))
    total = sum(accepted)
    for error in errors[:10]:
        print("error:", error)
    accept_s = t1 - t0
    if visible_at[0] is None:
        print("SUMMARY %s msgs=%d conns=%d size=%d accept_s=%.2f accept_msgs_per_s=%.1f visible_s=timeout "
              "(count %d of %d)" % (a.label, total, a.connections, a.size, accept_s, total / accept_s,
                                    last_count[0], target))
        return 1
    visible_s = visible_at[0] - t0
    print("SUMMARY %s msgs=%d conns=%d size=%d accept_s=%.2f accept_msgs_per_s=%.1f visible_s=%.2f lag_s=%.2f "
          "visible_msgs_per_s=%.1f" % (a.label, total, a.connections, a.size, accept_s, total / accept_s,
                                       visible_s, max(0.0, visible_at[0] - t1), total / visible_s))
    return 1 if errors or total != a.count else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("--smtp-port", type=int, required=True)
    r.add_argument("--pop3-port", type=int, required=True)
    r.add_argument("--reset-imap-port", type=int)
    r.add_argument("--rcpt", required=True)
    r.add_argument("--user", required=True)
    r.add_argument("--password", required=True)
    r.add_argument("--count", type=int, default=1000)
    r.add_argument("--connections", type=int, default=20)
    r.add_argument("--size", type=int, default=4096)
    r.add_argument("--label", default="smtp")
    r.add_argument("--max-secs", type=float, default=300)
    a = parser.parse_args()
    return run(a)


if __name__ == "__main__":
    sys.exit(main())
