#!/usr/bin/env python3
"""IMAP load generator for Benchmarks/imap-bench.sh (loopback only, bounded).

Subcommands (every one refuses a non-loopback host and stops at --max-secs):

  fill   --users N --count M         APPENDs M messages to each user's INBOX
  load   --users N --clients C --iterations I
         C concurrent clients, each running I rounds of a mail client's
         work: LOGIN, LIST, STATUS, SELECT, FETCH (FLAGS, ENVELOPE of the
         newest ten), UID FETCH BODY.PEEK[] of one message, STORE +FLAGS
         \\Seen, APPEND, STORE +FLAGS \\Deleted of the appended message,
         EXPUNGE, LOGOUT. Prints commands per second and latency
         percentiles per command.
  idle   --users N --connections K --pid PID
         K connections that LOGIN, SELECT INBOX and IDLE; reads the server
         process tree's resident memory (/proc) before and after, and
         reports kilobytes per idle connection; then delivers nothing,
         sends DONE and LOGOUT on every connection.

User names are --user-format % number (1-based, cycling over --users), all
with --password. The same client runs against Tern and Dovecot.
"""
import argparse
import asyncio
import os
import random
import re
import sys
import time

LITERAL = re.compile(rb"\{(\d+)\+?\}\r\n$")


def loopback_only(host):
    if not (host.startswith("127.") or host == "::1" or host == "localhost"):
        sys.exit("refusing non-loopback host %s" % host)


class Client:
    """A minimal IMAP client over asyncio streams: tagged commands,
    literals in responses, synchronising literals in APPEND."""

    def __init__(self, reader, writer):
        self.reader, self.writer, self.counter = reader, writer, 0

    @classmethod
    async def connect(cls, host, port):
        reader, writer = await asyncio.open_connection(host, port, limit=1 << 24)
        client = cls(reader, writer)
        greeting = await reader.readline()
        if not greeting.startswith(b"* OK"):
            raise RuntimeError("greeting %r" % greeting)
        return client

    async def read_response_line(self):
        """One response line with any literals it announces folded in."""
        line = await self.reader.readline()
        if not line:
            raise ConnectionError("server closed the connection")
        while True:
            match = LITERAL.search(line)
            if not match:
                return line
            line += await self.reader.readexactly(int(match.group(1)))
            line += await self.reader.readline()

    async def command(self, text, literal=None):
        self.counter += 1
        tag = b"b%d" % self.counter
        if literal is None:
            self.writer.write(tag + b" " + text + b"\r\n")
        else:
            self.writer.write(tag + b" " + text + b" {%d}\r\n" % len(literal))
            await self.writer.drain()
            line = await self.read_response_line()
            if not line.startswith(b"+"):
                raise RuntimeError("no continuation for %r: %r" % (text, line))
            self.writer.write(literal + b"\r\n")
        await self.writer.drain()
        untagged = []
        while True:
            line = await self.read_response_line()
            if line.startswith(tag + b" "):
                status = line[len(tag) + 1:].split(b" ", 1)[0]
                if status != b"OK":
                    raise RuntimeError("%r -> %r" % (text[:60], line))
                return untagged
            untagged.append(line)

    async def close(self):
        try:
            self.writer.close()
            await self.writer.wait_closed()
        except (ConnectionError, OSError):
            pass


def user_name(args, number):
    return args.user_format % ((number % args.users) + 1)


def message(number, size=4096):
    body = ("Line %d of a benchmark message with some text to fill it up.\r\n" % number) * (size // 64)
    return ("From: Bench Sender <sender@bench.test>\r\nTo: bench@bench.test\r\n"
            "Subject: benchmark message %d\r\nDate: Sun, 22 Nov 2026 05:00:00 +0000\r\n"
            "Message-ID: <bench-%d-%d@bench.test>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=us-ascii\r\n\r\n%s"
            % (number, number, random.randrange(1 << 30), body)).encode()


async def login(args, number):
    client = await Client.connect(args.host, args.port)
    await client.command(b'LOGIN "%s" "%s"' % (user_name(args, number).encode(), args.password.encode()))
    return client


async def fill(args):
    deadline = time.monotonic() + args.max_secs

    async def one(number):
        client = await login(args, number)
        for index in range(args.count):
            if time.monotonic() > deadline:
                raise TimeoutError("fill exceeded --max-secs")
            await client.command(b"APPEND INBOX (\\Seen)", message(index))
        await client.command(b"LOGOUT")
        await client.close()

    # A few users at a time: the fill is not what is measured.
    for start in range(0, args.users, 10):
        await asyncio.gather(*(one(n) for n in range(start, min(start + 10, args.users))))
    print("filled %d users with %d messages each" % (args.users, args.count))


async def load(args):
    latencies = {}
    errors = []
    deadline = time.monotonic() + args.max_secs

    async def timed(client, name, text, literal=None):
        started = time.perf_counter()
        result = await client.command(text, literal)
        latencies.setdefault(name, []).append(time.perf_counter() - started)
        return result

    async def round_trip(number, iteration):
        started = time.perf_counter()
        client = await Client.connect(args.host, args.port)
        latencies.setdefault("CONNECT", []).append(time.perf_counter() - started)
        try:
            await timed(client, "LOGIN", b'LOGIN "%s" "%s"' % (user_name(args, number).encode(), args.password.encode()))
            await timed(client, "LIST", b'LIST "" "*"')
            await timed(client, "STATUS", b"STATUS INBOX (MESSAGES UNSEEN UIDNEXT)")
            selected = await timed(client, "SELECT", b"SELECT INBOX")
            exists = max([int(l.split()[1]) for l in selected if l.endswith(b"EXISTS\r\n")] or [0])
            if exists:
                low = max(1, exists - 9)
                await timed(client, "FETCH", b"FETCH %d:%d (FLAGS ENVELOPE)" % (low, exists))
                await timed(client, "FETCH", b"FETCH 1:* (FLAGS)")
                pick = random.randint(1, exists)
                await timed(client, "FETCH", b"FETCH %d (UID BODY.PEEK[])" % pick)
                await timed(client, "STORE", b"STORE %d +FLAGS (\\Seen)" % pick)
            appended = await timed(client, "APPEND", b"APPEND INBOX", message(iteration))
            # Mark the newest message deleted and expunge it: the mailbox stays the same size.
            await timed(client, "NOOP", b"NOOP")
            await timed(client, "STORE", b"UID STORE * +FLAGS.SILENT (\\Deleted)")
            await timed(client, "EXPUNGE", b"EXPUNGE")
            await timed(client, "LOGOUT", b"LOGOUT")
        finally:
            await client.close()

    async def worker(number):
        for iteration in range(args.iterations):
            if time.monotonic() > deadline:
                return
            try:
                await round_trip(number, iteration)
            except Exception as error:  # noqa: BLE001 - counted and reported
                errors.append(repr(error))
                if len(errors) > 50:
                    return

    started = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in range(args.clients)))
    elapsed = time.perf_counter() - started
    commands = sum(len(v) for k, v in latencies.items() if k != "CONNECT")
    print("%s: %d commands by %d clients in %.2f s" % (args.label, commands, args.clients, elapsed))
    for name in sorted(latencies):
        values = sorted(latencies[name])
        pct = lambda p: values[min(len(values) - 1, int(p * len(values)))] * 1000
        print("  %-8s n=%6d p50=%7.2f ms p90=%7.2f ms p99=%7.2f ms" % (name, len(values), pct(0.5), pct(0.9), pct(0.99)))
    all_values = sorted(v for k, vs in latencies.items() if k != "CONNECT" for v in vs)
    p = lambda q: all_values[min(len(all_values) - 1, int(q * len(all_values)))] * 1000 if all_values else 0
    if errors:
        print("  errors: %d, first: %s" % (len(errors), errors[0]))
    print("SUMMARY label=%s commands=%d errors=%d secs=%.2f commands_per_s=%.1f p50_ms=%.2f p99_ms=%.2f"
          % (args.label, commands, len(errors), elapsed, commands / elapsed, p(0.5), p(0.99)))
    if errors:
        sys.exit(1)


def tree_memory_kb(root):
    """Resident memory (RSS and PSS, KiB) of a process and its descendants."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    stat = f.read()
                children.setdefault(int(stat[stat.rindex(")") + 2:].split()[1]), []).append(int(entry))
            except (OSError, ValueError):
                pass
    rss = pss = 0
    todo = [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            with open("/proc/%d/smaps_rollup" % pid) as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except OSError:
            pass
    return rss, pss


async def idle(args):
    deadline = time.monotonic() + args.max_secs
    before_rss, before_pss = tree_memory_kb(args.pid)
    clients = []
    semaphore = asyncio.Semaphore(args.parallel)

    async def open_one(number):
        async with semaphore:
            if time.monotonic() > deadline:
                raise TimeoutError("idle setup exceeded --max-secs")
            client = await login(args, number)
            await client.command(b"SELECT INBOX")
            client.counter += 1
            client.idle_tag = b"b%d" % client.counter
            client.writer.write(client.idle_tag + b" IDLE\r\n")
            await client.writer.drain()
            line = await client.read_response_line()
            if not line.startswith(b"+"):
                raise RuntimeError("IDLE refused: %r" % line)
            clients.append(client)

    started = time.perf_counter()
    await asyncio.gather(*(open_one(n) for n in range(args.connections)))
    setup = time.perf_counter() - started
    await asyncio.sleep(args.settle)
    after_rss, after_pss = tree_memory_kb(args.pid)
    per_rss = (after_rss - before_rss) / args.connections
    per_pss = (after_pss - before_pss) / args.connections
    print("%s: %d idle connections set up in %.1f s; server tree RSS %d -> %d KiB, PSS %d -> %d KiB"
          % (args.label, args.connections, setup, before_rss, after_rss, before_pss, after_pss))
    print("SUMMARY label=%s connections=%d rss_before_kb=%d rss_after_kb=%d kb_per_connection_rss=%.1f "
          "kb_per_connection_pss=%.1f" % (args.label, args.connections, before_rss, after_rss, per_rss, per_pss))

    async def close_one(client):
        try:
            client.writer.write(b"DONE\r\n")
            await client.writer.drain()
            while True:
                line = await asyncio.wait_for(client.read_response_line(), 30)
                if line.startswith(client.idle_tag + b" "):
                    break
            await asyncio.wait_for(client.command(b"LOGOUT"), 30)
        except Exception:  # noqa: BLE001 - closing anyway
            pass
        await client.close()

    for start in range(0, len(clients), args.parallel):
        await asyncio.gather(*(close_one(c) for c in clients[start:start + args.parallel]))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["fill", "load", "idle"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--user-format", default="bench%d@bench.test")
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--password", required=True)
    parser.add_argument("--count", type=int, default=50, help="fill: messages per user")
    parser.add_argument("--clients", type=int, default=20, help="load: concurrent clients")
    parser.add_argument("--iterations", type=int, default=20, help="load: rounds per client")
    parser.add_argument("--connections", type=int, default=1000, help="idle: connections")
    parser.add_argument("--parallel", type=int, default=50, help="idle: connections set up at once")
    parser.add_argument("--settle", type=float, default=3.0, help="idle: seconds before measuring")
    parser.add_argument("--pid", type=int, default=0, help="idle: server process (tree) to measure")
    parser.add_argument("--label", default="tern")
    parser.add_argument("--max-secs", type=float, default=300)
    args = parser.parse_args()
    loopback_only(args.host)
    random.seed(7)
    asyncio.run({"fill": fill, "load": load, "idle": idle}[args.mode](args))


if __name__ == "__main__":
    main()
