#!/usr/bin/env python3
"""Outbound delivery timing for Tern: submit to the sending instance (smtplib,
STARTTLS + AUTH PLAIN), count arrivals at the receiving one (poplib STAT).

usage:
  outbound_bench_client.py submit --port P --user U --password PW --domains N
                           [--count 2000] [--connections 4] [--size 4096] [--label L]
      COUNT messages from U, message i to bench@d<(i mod N)+1>.test, over
      CONNECTIONS threads each keeping one connection. Prints
      SUMMARY label submitted=.. submit_s=.. submit_msgs_per_s=.. and the
      wall-clock start in start_epoch=.. (for `wait --since`).
  wait --pop3-port P --user U --password PW --count N [--batch B] [--since EPOCH]
       [--max-secs 300] [--label L]
      Polls POP3 STAT every 0.1 s until the mailbox holds N messages; prints
      SUMMARY label arrived=.. arrived_s=.. msgs_per_s=.. (B messages, default
      N, over the time from --since, default the start of the wait).
Loopback only; every loop is bounded.
"""
import argparse
import poplib
import smtplib
import ssl
import sys
import threading
import time

HOST = "127.0.0.1"
TIMEOUT = 60


def message(sender, rcpt, token, size):
    head = ("From: <%s>\r\nTo: <%s>\r\nSubject: outbound bench %s\r\n"
            "Message-ID: <%s@sender.bench>\r\n\r\n" % (sender, rcpt, token, token)).encode()
    line = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789\r\n"
    return head + line * max(1, (size - len(head)) // len(line))


def submit(a):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    errors, done, lock = [], [0], threading.Lock()
    deadline = time.monotonic() + a.max_secs

    def worker(numbers):
        try:
            client = smtplib.SMTP(HOST, a.port, timeout=TIMEOUT, local_hostname="bench.client")
            client.starttls(context=context)
            client.login(a.user, a.password)
            for n in numbers:
                if time.monotonic() > deadline:
                    raise TimeoutError("max-secs reached")
                rcpt = "bench@d%d.test" % (n % a.domains + 1)
                client.sendmail(a.user, [rcpt], message(a.user, rcpt, "%s-%d" % (a.label, n), a.size))
                with lock:
                    done[0] += 1
            client.quit()
        except Exception as error:
            with lock:
                errors.append(repr(error))

    start_epoch = time.time()
    start = time.monotonic()
    threads = [threading.Thread(target=worker, args=(list(range(a.count))[i::a.connections],))
               for i in range(a.connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(a.max_secs + 30)
    elapsed = time.monotonic() - start
    if errors:
        print("errors: %s" % errors[:3], file=sys.stderr)
    print("SUMMARY %s submitted=%d submit_s=%.3f submit_msgs_per_s=%.1f start_epoch=%.3f"
          % (a.label, done[0], elapsed, done[0] / elapsed, start_epoch))
    return 0 if done[0] == a.count else 1


def stat(a):
    client = poplib.POP3(HOST, a.pop3_port, timeout=TIMEOUT)
    try:
        client.user(a.user)
        client.pass_(a.password)
        count = client.stat()[0]
        client.quit()
        return count
    finally:
        try:
            client.close()
        except OSError:
            pass


def wait(a):
    since = a.since if a.since else time.time()
    deadline = time.monotonic() + a.max_secs
    count = 0
    while time.monotonic() < deadline:
        try:
            count = stat(a)
        except (poplib.error_proto, OSError):
            pass  # [IN-USE] or a busy moment: poll again
        if count >= a.count:
            break
        time.sleep(0.1)
    elapsed = time.time() - since
    batch = a.batch or a.count
    print("SUMMARY %s arrived=%d arrived_s=%.3f msgs_per_s=%.1f" % (a.label, count, elapsed, batch / elapsed))
    return 0 if count >= a.count else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("submit")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--domains", type=int, default=1)
    p.add_argument("--count", type=int, default=2000)
    p.add_argument("--connections", type=int, default=4)
    p.add_argument("--size", type=int, default=4096)
    p.add_argument("--max-secs", type=float, default=600)
    p.add_argument("--label", default="outbound")
    p = sub.add_parser("wait")
    p.add_argument("--pop3-port", type=int, required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--since", type=float, default=0)
    p.add_argument("--batch", type=int, default=0, help="messages of this run, for the rate (default: --count)")
    p.add_argument("--max-secs", type=float, default=300)
    p.add_argument("--label", default="outbound")
    a = parser.parse_args()
    return submit(a) if a.command == "submit" else wait(a)


if __name__ == "__main__":
    sys.exit(main())
