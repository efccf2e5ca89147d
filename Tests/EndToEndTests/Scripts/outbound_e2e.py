#!/usr/bin/env python3
"""End-to-end checks of Tern's outbound delivery: mail is submitted to one
Tern instance (smtplib, STARTTLS + AUTH) and read back from another one, or
as a bounce from the first (poplib over implicit TLS).

Loopback only: every domain here (sender.test, remote.test, d1.test, ...)
exists only in the dnsmasq the test started on a loopback port, and every
MX points at 127.0.0.1. Every socket has a timeout and every wait a bound.
Exit status 0 when every check passed; the first failure raises.

Subcommands:
  submit      send N messages (one recipient each, round robin over --to)
  wait-count  wait until a mailbox holds exactly N messages (with --marker)
  dkim        verify the DKIM signature of the message with --marker
              (dkimpy, public key read from the dnsmasq TXT record)
  metric      print the value of one /metrics series (plain HTTP)
  bounce      find the RFC 3464 report about --recipient in the mailbox and
              check its structure with Python's email package
"""
import argparse
import email
import email.policy
import poplib
import smtplib
import ssl
import sys
import threading
import time

TIMEOUT = 30


def tls_context():
    # The servers under test use generated self-signed certificates.
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def check(condition, what):
    if not condition:
        raise AssertionError(what)
    print("ok:", what.split("\n")[0][:200])


def message(sender, recipient, marker, number):
    return ("From: <%s>\r\n"
            "To: <%s>\r\n"
            "Subject: %s #%d\r\n"
            "Message-ID: <%s-%d@outbound.e2e>\r\n"
            "Date: Sun, 22 Nov 2026 05:00:00 +0000\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "\r\n"
            "Outbound test message %d of run %s.\r\n"
            ".A line that starts with a dot.\r\n"
            "Tschüss.\r\n" % (sender, recipient, marker, number, marker, number, number, marker)).encode("utf-8")


# MARK: submit

def submit(args):
    sender = args.sender or args.user
    numbers = list(range(args.count))
    lock = threading.Lock()
    failures = []
    sent = [0]

    def worker(mine):
        try:
            client = smtplib.SMTP("127.0.0.1", args.port, timeout=TIMEOUT, local_hostname="client.e2e")
            client.starttls(context=tls_context())
            client.login(args.user, args.password)
            for number in mine:
                recipient = args.to[number % len(args.to)]
                refused = client.sendmail(sender, [recipient], message(sender, recipient, args.marker, number))
                if refused:
                    raise AssertionError("refused: %r" % refused)
                with lock:
                    sent[0] += 1
            client.quit()
        except Exception as error:  # reported below, with the count sent
            with lock:
                failures.append(repr(error))

    connections = max(1, min(args.connections, args.count))
    threads = [threading.Thread(target=worker, args=(numbers[index::connections],)) for index in range(connections)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    elapsed = time.monotonic() - started
    check(not failures, "submission without errors: %s" % failures[:3])
    check(sent[0] == args.count, "submitted %d of %d messages in %.2f s" % (sent[0], args.count, elapsed))


# MARK: POP3 read-back

def pop3_client(args):
    client = poplib.POP3_SSL("127.0.0.1", args.pop3s_port, timeout=TIMEOUT, context=tls_context())
    client.user(args.user)
    client.pass_(args.password)
    return client


def messages_with(args, marker):
    """The full text of every message whose header section holds `marker`."""
    client = pop3_client(args)
    try:
        found = []
        count = len(client.list()[1])
        for number in range(1, count + 1):
            _, lines, _ = client.top(number, 0)
            if marker.encode() in b"\n".join(lines):
                _, lines, _ = client.retr(number)
                found.append(b"".join(line + b"\r\n" for line in lines))
        client.quit()
        return found, count
    finally:
        try:
            client.close()
        except OSError:
            pass


def stat_count(args):
    client = pop3_client(args)
    try:
        count = client.stat()[0]
        client.quit()
        return count
    finally:
        try:
            client.close()
        except OSError:
            pass


def wait_count(args):
    """Waits until the mailbox holds `count` messages with the marker (or,
    without a marker, `count` messages in all); more is a failure (sent twice)."""
    deadline = time.monotonic() + args.timeout
    started = time.monotonic()
    seen = -1
    while True:
        if args.marker:
            found, _ = messages_with(args, args.marker)
            seen = len(found)
        else:
            seen = stat_count(args)
        if seen >= args.count or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    elapsed = time.monotonic() - started
    check(seen == args.count, "%s holds %d message(s)%s, expected %d (after %.1f s)"
          % (args.user, seen, " with %s" % args.marker if args.marker else "", args.count, elapsed))
    if args.settle > 0:
        # Nothing more may arrive: a second copy would come within a few polls.
        time.sleep(args.settle)
        again = len(messages_with(args, args.marker)[0]) if args.marker else stat_count(args)
        check(again == args.count, "still %d message(s) after %.0f s more (no duplicate)" % (again, args.settle))
    print("elapsed: %.3f" % elapsed)


def one_message(args, marker):
    deadline = time.monotonic() + args.timeout
    while True:
        found, _ = messages_with(args, marker)
        if found or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    check(len(found) == 1, "exactly one message with %s in %s (found %d)" % (marker, args.user, len(found)))
    return found[0]


# MARK: DKIM

def dkim_check(args):
    import dkim
    import dns.resolver

    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = ["127.0.0.1"]
    resolver.port = args.dns_port
    resolver.lifetime = 5
    asked = []

    def dnsfunc(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode("ascii")
        asked.append(name)
        try:
            answer = resolver.resolve(name, "TXT")
        except Exception:
            return None
        for record in answer:
            return b"".join(record.strings)
        return None

    raw = one_message(args, args.marker)
    parsed = email.message_from_bytes(raw, policy=email.policy.compat32)
    signatures = parsed.get_all("DKIM-Signature") or []
    check(len(signatures) == 1, "one DKIM-Signature header: %r" % [s[:80] for s in signatures])
    tags = dict(part.strip().split("=", 1) for part in signatures[0].replace("\r\n", "").split(";") if "=" in part)
    tags = {key.strip(): "".join(value.split()) for key, value in tags.items()}
    check(tags.get("d") == args.domain, "d=%s" % tags.get("d"))
    check(tags.get("a") == args.algorithm, "a=%s" % tags.get("a"))
    check(tags.get("c") == "relaxed/relaxed", "c=%s" % tags.get("c"))
    check("from" in tags.get("h", "").lower().split(":"), "h= covers From: %s" % tags.get("h"))
    check(dkim.verify(raw, dnsfunc=dnsfunc), "dkimpy verifies the signature (key looked up: %s)" % asked)
    # The same bytes with a changed body must fail: the verifier really checks.
    tampered = raw.replace(b"Outbound test message", b"Outbound test massage", 1)
    check(tampered != raw and not dkim.verify(tampered, dnsfunc=dnsfunc), "a changed body fails verification")


# MARK: bounces

def bounce(args):
    """The DSN about `recipient` for the message with `marker` (RFC 3464,
    RFC 6522 multipart/report)."""
    deadline = time.monotonic() + args.timeout
    report = None
    while report is None:
        client = pop3_client(args)
        try:
            count = len(client.list()[1])
            for number in range(1, count + 1):
                _, lines, _ = client.retr(number)
                raw = b"".join(line + b"\r\n" for line in lines)
                parsed = email.message_from_bytes(raw, policy=email.policy.default)
                if parsed.get_content_type() != "multipart/report":
                    continue
                if args.marker.encode() in raw and args.recipient.encode() in raw:
                    report = parsed
                    break
            client.quit()
        finally:
            try:
                client.close()
            except OSError:
                pass
        if report is None:
            if time.monotonic() > deadline:
                check(False, "a report about %s arrives within %d s" % (args.recipient, args.timeout))
            time.sleep(0.5)

    check(report.get_param("report-type") == "delivery-status", "report-type=delivery-status")
    check(report.get("From") is not None, "the report has a From: %s" % report.get("From"))
    parts = report.get_payload()
    check(len(parts) >= 2, "at least two parts (%d)" % len(parts))
    check(parts[0].get_content_type() == "text/plain", "first part is human-readable text/plain")
    check(parts[1].get_content_type() == "message/delivery-status", "second part is message/delivery-status")
    # email parses message/delivery-status as a list of header blocks:
    # the per-message fields, then one block per recipient.
    blocks = parts[1].get_payload()
    check(len(blocks) >= 2, "per-message and per-recipient fields (%d blocks)" % len(blocks))
    check(blocks[0].get("Reporting-MTA") is not None, "Reporting-MTA: %s" % blocks[0].get("Reporting-MTA"))
    recipient_blocks = [block for block in blocks[1:]
                        if args.recipient.lower() in str(block.get("Final-Recipient", "")).lower()]
    check(len(recipient_blocks) == 1, "one block for %s" % args.recipient)
    block = recipient_blocks[0]
    check(str(block.get("Action", "")).strip().lower() == "failed", "Action: %s" % block.get("Action"))
    check(str(block.get("Status", "")).strip() == args.status, "Status: %s (expected %s)"
          % (block.get("Status"), args.status))
    if args.diagnostic:
        check(args.diagnostic in str(block.get("Diagnostic-Code", "")),
              "Diagnostic-Code: %s" % block.get("Diagnostic-Code"))
    if len(parts) >= 3:
        returned = parts[2]
        check(returned.get_content_type() in ("message/rfc822", "text/rfc822-headers", "message/global",
                                              "message/global-headers"),
              "third part returns the message: %s" % returned.get_content_type())
        check(args.marker in returned.as_string(), "the returned part holds the original's Subject")


def metric(args):
    import urllib.request
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % args.http_port, timeout=TIMEOUT) as response:
        text = response.read().decode()
    values = [line.split()[-1] for line in text.splitlines() if line.startswith(args.series + " ")]
    check(len(values) == 1, "series %s is in /metrics" % args.series)
    print("value: %s" % values[0])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("submit")
    p.add_argument("--port", type=int, required=True, help="submission port (STARTTLS)")
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--sender")
    p.add_argument("--to", action="append", required=True)
    p.add_argument("--marker", required=True)
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--connections", type=int, default=1)

    p = sub.add_parser("metric")
    p.add_argument("--http-port", type=int, required=True)
    p.add_argument("--series", required=True)

    for name in ("wait-count", "dkim", "bounce"):
        p = sub.add_parser(name)
        p.add_argument("--pop3s-port", type=int, required=True)
        p.add_argument("--user", required=True)
        p.add_argument("--password", required=True)
        p.add_argument("--timeout", type=float, default=60)
        if name == "wait-count":
            p.add_argument("--marker")
            p.add_argument("--count", type=int, required=True)
            p.add_argument("--settle", type=float, default=0)
        if name == "dkim":
            p.add_argument("--marker", required=True)
            p.add_argument("--dns-port", type=int, required=True)
            p.add_argument("--domain", required=True)
            p.add_argument("--algorithm", default="rsa-sha256")
        if name == "bounce":
            p.add_argument("--marker", required=True)
            p.add_argument("--recipient", required=True)
            p.add_argument("--status", required=True)
            p.add_argument("--diagnostic")

    args = parser.parse_args()
    {"submit": submit, "wait-count": wait_count, "dkim": dkim_check, "bounce": bounce,
     "metric": metric}[args.command](args)
    print("%s: all checks passed" % args.command)


if __name__ == "__main__":
    try:
        main()
    except AssertionError as failure:
        print("FAILED:", failure)
        sys.exit(1)
