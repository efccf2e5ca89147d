#!/usr/bin/env python3
"""Sends a bounded stream of messages over SMTP (smtplib, STARTTLS, no
AUTH) to one local account, for `tern backup` under load.

Loopback only. After each message's 250 to DATA, its marker is appended
to --log and flushed: a line in the log is a message the server
acknowledged. Exit status 0 when every message was accepted.

  backup_load.py --smtp-port P --to ADDRESS --count N --log FILE
"""
import argparse
import smtplib
import sys

from imap_common import TIMEOUT, check, tls_context


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--smtp-port", type=int, required=True)
    parser.add_argument("--to", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    client = smtplib.SMTP("127.0.0.1", args.smtp_port, timeout=TIMEOUT)
    client.ehlo("load.e2e.test")
    client.starttls(context=tls_context())
    client.ehlo("load.e2e.test")
    with open(args.log, "a") as log:
        for index in range(args.count):
            marker = "backup-load-%04d" % index
            message = ("From: load@remote.e2e.test\r\nTo: %s\r\nSubject: %s\r\n"
                       "Message-ID: <%s@remote.e2e.test>\r\n\r\nBody of %s.\r\n"
                       % (args.to, marker, marker, marker))
            code, reply = client.mail("load@remote.e2e.test")
            check(code == 250, "MAIL FROM: %d %r" % (code, reply))
            code, reply = client.rcpt(args.to)
            check(code == 250, "RCPT TO: %d %r" % (code, reply))
            code, reply = client.data(message.encode())
            check(code == 250, "DATA %s: %d %r" % (marker, code, reply))
            log.write(marker + "\n")
            log.flush()
    client.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
