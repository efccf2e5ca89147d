#!/usr/bin/env python3
"""End-to-end helpers for mail that must arrive in a given account: send
over SMTP (MX, smtplib, STARTTLS, no AUTH) to exact RCPT TO paths, and
read an account's INBOX over IMAPS (imaplib).

Loopback only: every address is envelope data for the Tern server under
test. Every socket has a timeout, every wait a deadline. Exit status 0
when every check passed; the first failure raises.

Subcommands:
  send   --smtp-port P --marker M --to PATH... [--refused PATH...]
         one message to the accepted paths (each RCPT must get 250); each
         --refused path must get a 5xx at RCPT
  find   --imaps-port P --user U --password PW --marker M [--count N]
         [--expect TEXT...] [--absent TEXT...] [--timeout S]
         waits until exactly N messages (default 1) with the marker are in
         the INBOX, then checks each contains every --expect and no --absent
  none   --imaps-port P --user U --password PW --marker M
         no message with the marker is in the INBOX
"""
import argparse
import imaplib
import smtplib
import sys
import time

from imap_common import TIMEOUT, check, tls_context


def send(args):
    client = smtplib.SMTP("127.0.0.1", args.smtp_port, timeout=TIMEOUT)
    try:
        client.ehlo("client.e2e.test")
        client.starttls(context=tls_context())
        client.ehlo("client.e2e.test")
        code, reply = client.mail("reporter@remote.e2e.test")
        check(code == 250, "MAIL FROM: %d %r" % (code, reply))
        for path in args.refused or []:
            code, reply = client.docmd("RCPT TO:" + path)
            check(500 <= code < 600, "RCPT TO:%s refused: %d %r" % (path, code, reply))
        for path in args.to:
            code, reply = client.docmd("RCPT TO:" + path)
            check(code == 250, "RCPT TO:%s accepted: %d %r" % (path, code, reply))
        message = ("From: reporter@remote.e2e.test\r\nTo: postmaster\r\nSubject: %s\r\n"
                   "Message-ID: <%s@remote.e2e.test>\r\n\r\nReport %s.\r\n" % (args.marker, args.marker, args.marker))
        code, reply = client.data(message.encode())
        check(code == 250, "DATA accepted: %d %r" % (code, reply))
        client.quit()
    finally:
        client.close()


def inbox_messages(args):
    client = imaplib.IMAP4_SSL("127.0.0.1", args.imaps_port, ssl_context=tls_context(), timeout=TIMEOUT)
    try:
        typ, data = client.login(args.user, args.password)
        check(typ == "OK", "LOGIN %s" % args.user)
        typ, data = client.select("INBOX", readonly=True)
        count = int(data[0])
        messages = []
        if count:
            typ, data = client.fetch("1:*", "(BODY.PEEK[])")
            messages = [item[1] for item in data if isinstance(item, tuple)]
        client.logout()
        return messages
    finally:
        try:
            client.shutdown()
        except OSError:
            pass


def with_marker(args):
    return [m for m in inbox_messages(args) if args.marker.encode() in m]


def find(args):
    deadline = time.time() + args.timeout
    found = with_marker(args)
    while len(found) < args.count and time.time() < deadline:
        time.sleep(0.3)
        found = with_marker(args)
    check(len(found) == args.count, "%s: %d message(s) in %s's INBOX (found %d)"
          % (args.marker, args.count, args.user, len(found)))
    for message in found:
        for text in args.expect or []:
            check(text.encode() in message, "%s contains %r\n%s" % (args.marker, text, message[:1500]))
        for text in args.absent or []:
            check(text.encode() not in message, "%s lacks %r\n%s" % (args.marker, text, message[:1500]))
        sys.stdout.write(message.decode("utf-8", "replace"))
        print()


def none(args):
    found = with_marker(args)
    check(not found, "no message with %s in %s's INBOX" % (args.marker, args.user))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    sender = sub.add_parser("send")
    sender.add_argument("--smtp-port", type=int, required=True)
    sender.add_argument("--marker", required=True)
    sender.add_argument("--to", action="append", required=True)
    sender.add_argument("--refused", action="append")
    for name in ("find", "none"):
        reader = sub.add_parser(name)
        reader.add_argument("--imaps-port", type=int, required=True)
        reader.add_argument("--user", required=True)
        reader.add_argument("--password", required=True)
        reader.add_argument("--marker", required=True)
        reader.add_argument("--count", type=int, default=1)
        reader.add_argument("--expect", action="append")
        reader.add_argument("--absent", action="append")
        reader.add_argument("--timeout", type=float, default=30)
    args = parser.parse_args()
    {"send": send, "find": find, "none": none}[args.command](args)
    print("%s: all checks passed" % args.command)


if __name__ == "__main__":
    main()
