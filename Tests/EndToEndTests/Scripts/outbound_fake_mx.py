#!/usr/bin/env python3
"""A deliberately flaky SMTP server on a loopback port for Tern's outbound
tests: the first RCPT TO of each recipient gets "451 4.3.0", later ones
"250"; each accepted message is written to DIR/NNNN.eml and every reply is
logged to DIR/replies.log ("rcpt ADDRESS 451" ...).

No STARTTLS, no PIPELINING, no SIZE: the client's cleartext path without
extensions. Serves until killed; every connection has an idle timeout and
every line and message a size bound.

  outbound_fake_mx.py --port P --dir DIR [--lifetime SECONDS]
"""
import argparse
import os
import socket
import sys
import threading
import time

MAX_LINE = 4096
MAX_MESSAGE = 10 * 1024 * 1024


class State:
    def __init__(self, directory):
        self.directory = directory
        self.lock = threading.Lock()
        self.seen = set()
        self.stored = 0

    def log(self, text):
        with self.lock:
            with open(os.path.join(self.directory, "replies.log"), "a") as log:
                log.write(text + "\n")

    def first_time(self, recipient):
        with self.lock:
            if recipient in self.seen:
                return False
            self.seen.add(recipient)
            return True

    def store(self, data):
        with self.lock:
            self.stored += 1
            path = os.path.join(self.directory, "%04d.eml" % self.stored)
        with open(path + ".tmp", "wb") as out:
            out.write(data)
        os.rename(path + ".tmp", path)


def serve(connection, state):
    connection.settimeout(60)
    reader = connection.makefile("rb")

    def reply(text):
        connection.sendall(text.encode() + b"\r\n")

    def line():
        data = reader.readline(MAX_LINE)
        if not data:
            raise EOFError
        return data.rstrip(b"\r\n").decode("utf-8", "replace")

    reply("220 fake.test ESMTP flaky")
    recipients = []
    while True:
        command = line()
        verb = command.split(" ", 1)[0].upper()
        if verb in ("EHLO", "HELO"):
            reply("250-fake.test\r\n250 8BITMIME" if verb == "EHLO" else "250 fake.test")
        elif verb == "MAIL":
            recipients = []
            reply("250 2.1.0 ok")
        elif verb == "RCPT":
            address = command.split(":", 1)[1].strip().split(" ")[0].strip("<>").lower()
            if state.first_time(address):
                state.log("rcpt %s 451" % address)
                reply("451 4.3.0 try again later")
            else:
                state.log("rcpt %s 250" % address)
                recipients.append(address)
                reply("250 2.1.5 ok")
        elif verb == "DATA":
            if not recipients:
                reply("554 5.5.1 no valid recipients")
                continue
            reply("354 go ahead")
            data = bytearray()
            while True:
                chunk = reader.readline(MAX_LINE)
                if not chunk:
                    raise EOFError
                if chunk in (b".\r\n", b".\n"):
                    break
                if chunk.startswith(b"."):
                    chunk = chunk[1:]
                data += chunk
                if len(data) > MAX_MESSAGE:
                    reply("552 5.3.4 too big")
                    return
            state.store(bytes(data))
            state.log("data %s 250" % ",".join(recipients))
            reply("250 2.0.0 stored")
        elif verb == "RSET":
            recipients = []
            reply("250 2.0.0 ok")
        elif verb == "NOOP":
            reply("250 2.0.0 ok")
        elif verb == "QUIT":
            reply("221 2.0.0 bye")
            return
        else:
            reply("502 5.5.2 not implemented")


def handle(connection, state):
    try:
        serve(connection, state)
    except (EOFError, OSError, socket.timeout):
        pass
    finally:
        connection.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--lifetime", type=float, default=600, help="exit after this many seconds")
    args = parser.parse_args()
    state = State(args.dir)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", args.port))
    listener.listen(16)
    listener.settimeout(1)
    end = time.monotonic() + args.lifetime
    while time.monotonic() < end:
        try:
            connection, _ = listener.accept()
        except socket.timeout:
            continue
        threading.Thread(target=handle, args=(connection, state), daemon=True).start()
    listener.close()


if __name__ == "__main__":
    sys.exit(main())
