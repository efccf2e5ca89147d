#!/usr/bin/env python3
"""POP3 download timing with Python's poplib (the same client for every server).

usage: pop3_bench_client.py retrieve --port P --user U --password PW [--ssl]
                            [--repeat 3] [--max-secs 120] [--label L]
       pop3_bench_client.py fill --imap-port P --user U --password PW --mbox F --pop3-port P
Each run: connect, USER/PASS, LIST, RETR every message, QUIT (no DELE), timed
wall clock (client + server). Prints "SUMMARY label msgs=.. bytes=.. best_s=..
median_s=.. msgs_per_s=.. MiB_per_s=..". `fill` makes a (Dovecot) INBOX hold
exactly the mbox's messages by IMAP APPEND, skipped when POP3 STAT already
shows that many. Loopback hosts only; every loop is bounded.
"""
import argparse
import imaplib
import os
import poplib
import ssl
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "EndToEndTests", "Scripts"))
import mboxlib  # noqa: E402


def ctx():
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE
    return c


def connect(a, port, use_ssl):
    if use_ssl:
        return poplib.POP3_SSL(a.host, port, timeout=60, context=ctx())
    return poplib.POP3(a.host, port, timeout=60)


def one_run(a):
    t0 = time.monotonic()
    p = connect(a, a.port, a.ssl)
    p.user(a.user)
    p.pass_(a.password)
    _, listing, _ = p.list()
    nbytes = nmsg = 0
    for entry in listing:
        _, _, octets = p.retr(int(entry.split()[0]))
        nbytes += octets
        nmsg += 1
    p.quit()
    return time.monotonic() - t0, nmsg, nbytes


def retrieve(a):
    deadline = time.monotonic() + a.max_secs
    times = []
    nmsg = nbytes = 0
    for i in range(a.repeat):
        if time.monotonic() >= deadline:
            print("stopping: --max-secs reached")
            break
        t, nmsg, nbytes = one_run(a)
        times.append(t)
        print("run %d: %d messages, %d bytes, %.3f s" % (i + 1, nmsg, nbytes, t))
    best = min(times)
    print("SUMMARY %s msgs=%d bytes=%d runs=%d best_s=%.3f median_s=%.3f msgs_per_s=%.1f MiB_per_s=%.2f" % (
        a.label, nmsg, nbytes, len(times), best, statistics.median(times), nmsg / best,
        nbytes / best / 1048576.0))


def fill(a):
    msgs = mboxlib.read_mbox(a.mbox)
    p = connect(a, a.pop3_port, False)
    p.user(a.user)
    p.pass_(a.password)
    n, _ = p.stat()
    p.quit()
    if n == len(msgs):
        print("INBOX already holds %d messages" % n)
        return
    m = imaplib.IMAP4(a.host, a.imap_port)
    m.login(a.user, a.password)
    _, d = m.select("INBOX")
    if int(d[0]) > 0:
        m.store("1:*", "+FLAGS.SILENT", "(\\Deleted)")
        m.expunge()
    t0 = time.monotonic()
    for msg in msgs:
        typ, d = m.append("INBOX", None, None, msg)
        if typ != "OK":
            sys.exit("APPEND failed: %r" % d)
    m.logout()
    print("filled %s with %d messages by IMAP APPEND in %.1f s" % (a.user, len(msgs), time.monotonic() - t0))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=("retrieve", "fill"))
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int)
    ap.add_argument("--pop3-port", type=int)
    ap.add_argument("--imap-port", type=int)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--mbox")
    ap.add_argument("--ssl", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--max-secs", type=float, default=120)
    ap.add_argument("--label", default="pop3")
    a = ap.parse_args()
    if not (a.host.startswith("127.") or a.host in ("::1", "localhost")):
        sys.exit("refusing non-loopback host")
    retrieve(a) if a.command == "retrieve" else fill(a)


if __name__ == "__main__":
    main()
