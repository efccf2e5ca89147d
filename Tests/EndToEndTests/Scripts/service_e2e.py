"""Clients for the service end-to-end tests (ServiceUserTests,
StartupTests, ReloadAndLoggingTests): an IMAPS login, one SMTP RCPT, and a
fake systemd notification socket that records what it receives.

Loopback only; every socket has a timeout.
"""
import argparse
import imaplib
import os
import smtplib
import socket
import sys
import time

from imap_common import TIMEOUT, tls_context


def imap_login(args):
    client = imaplib.IMAP4_SSL("127.0.0.1", args.port, ssl_context=tls_context(), timeout=TIMEOUT)
    typ, data = client.login(args.user, args.password)
    if typ != "OK":
        sys.exit("LOGIN failed: %s %r" % (typ, data))
    typ, data = client.select("INBOX")
    if typ != "OK":
        sys.exit("SELECT INBOX failed: %s %r" % (typ, data))
    print("ok: LOGIN and SELECT INBOX (%s messages)" % data[0].decode())
    client.logout()


def rcpt(args):
    client = smtplib.SMTP("127.0.0.1", args.port, timeout=TIMEOUT)
    client.ehlo("client.example")
    code, reply = client.mail("sender@client.example")
    if code != 250:
        sys.exit("MAIL FROM got %d %r" % (code, reply))
    code, reply = client.rcpt(args.to)
    print("RCPT TO:<%s> got %d %s" % (args.to, code, reply.decode(errors="replace")))
    client.quit()
    if code != args.expect:
        sys.exit("expected %d" % args.expect)


def notify_listen(args):
    """Binds a datagram socket at --socket and appends every datagram to
    --out, followed by a line '--', until --seconds passed."""
    if os.path.exists(args.socket):
        os.unlink(args.socket)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(args.socket)
    os.chmod(args.socket, 0o777)
    server.settimeout(0.5)
    with open(args.out + ".ready", "w") as ready:
        ready.write("listening\n")
    deadline = time.time() + args.seconds
    with open(args.out, "a") as out:
        while time.time() < deadline:
            try:
                data = server.recv(4096)
            except socket.timeout:
                continue
            out.write(data.decode(errors="replace") + "--\n")
            out.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    login = commands.add_parser("imap-login")
    login.add_argument("--port", type=int, required=True)
    login.add_argument("--user", required=True)
    login.add_argument("--password", required=True)
    login.set_defaults(run=imap_login)
    recipient = commands.add_parser("rcpt")
    recipient.add_argument("--port", type=int, required=True)
    recipient.add_argument("--to", required=True)
    recipient.add_argument("--expect", type=int, required=True)
    recipient.set_defaults(run=rcpt)
    listen = commands.add_parser("notify-listen")
    listen.add_argument("--socket", required=True)
    listen.add_argument("--out", required=True)
    listen.add_argument("--seconds", type=float, default=300)
    listen.set_defaults(run=notify_listen)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
