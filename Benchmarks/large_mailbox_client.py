#!/usr/bin/env python3
"""Large-mailbox IMAP benchmark client (Benchmarks/large-mailbox-bench.sh).

  make   --count N --mbox FILE [--maildir DIR]
         writes N deterministic ~1 KiB messages as an mbox (3 of 4 with
         `Status: RO`, i.e. seen), and optionally the same messages as a
         Maildir (flag S in the file name, mtime = internal date) for Dovecot.
  measure --port P --user U --password W --label L [--runs 3]
         times, best and median of RUNS after one warm-up round: STATUS,
         SELECT, FETCH 1:* (UID FLAGS), UID SEARCH UNSEEN,
         SEARCH HEADER Subject quarterly, SEARCH BODY zanzibar (in one message
         of 100), SEARCH TEXT of one Message-ID, and
         FETCH BODY.PEEK[HEADER.FIELDS (From Subject Date)] of the last 500,
         SORT (REVERSE DATE), SORT (SUBJECT), THREAD REFERENCES.
  hold   --port P --user U --password W --sessions 10 --pid PID --label L
         resident memory of the server's process tree (RSS and PSS) before
         and after SESSIONS connections each LOGIN and SELECT INBOX and stay.

A raw socket client (no imaplib parsing), loopback only, every step bounded.
Prints `SUMMARY label=... name=value ...` lines.
"""
import argparse
import os
import random
import socket
import statistics
import sys
import time

SUBJECT_WORD = "quarterly"
# In the body of one message in 100 (SEARCH BODY through the full-text index).
BODY_WORD = "zanzibar"
TOPICS = ["Meeting notes", "Re: build failure", "Invoice", "Release planning", "Lunch?", "Patch review",
          "Server maintenance window", "Holiday schedule", "Customer ticket", "Weekly status"]
WORDS = ("the of and to in is that it for on was with as be at by this had not are but from or have an they "
         "which one you were her all she there would their we him been has when who will more no if out so "
         "server mailbox message folder index cache quota deadline meeting report budget release patch "
         "review build deploy invoice schedule project customer support ticket update").split()
NAMES = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"]


def loopback_only(host):
    if not (host.startswith("127.") or host in ("::1", "localhost")):
        sys.exit("refusing non-loopback host %s" % host)


def message(number, rng):
    """(headers+body bytes without Status, seen?, unix time)."""
    when = 1700000000 + number * 60
    subject = "%s %d" % (TOPICS[number % len(TOPICS)], number)
    if number % 10 == 0:
        subject += " " + SUBJECT_WORD
    sender = NAMES[number % len(NAMES)]
    lines = []
    for _ in range(14):
        lines.append(" ".join(rng.choice(WORDS) for _ in range(11)))
    if number % 100 == 0:
        lines.append(BODY_WORD + " ledger")
    text = ("Message-ID: <%d.bench@example.test>\r\n"
            "Date: %s\r\n"
            "From: %s <%s@example.test>\r\n"
            "To: Bench <bench@bench.test>\r\n"
            "Subject: %s\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "\r\n%s\r\n") % (number, time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(when)),
                             sender.capitalize(), sender, subject, "\r\n".join(lines))
    return text.encode(), number % 4 != 0, when


def make(args):
    rng = random.Random(42)
    if args.maildir:
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(args.maildir, sub), exist_ok=True)
    with open(args.mbox, "wb") as mbox:
        for number in range(1, args.count + 1):
            body, seen, when = message(number, rng)
            mbox.write(b"From bench@example.test " +
                       time.strftime("%a %b %d %H:%M:%S %Y", time.gmtime(when)).encode() + b"\n")
            unix = body.replace(b"\r\n", b"\n")
            head, rest = unix.split(b"\n\n", 1)
            if seen:
                head += b"\nStatus: RO"
            mbox.write(head + b"\n\n" + rest + b"\n")
            if args.maildir:
                name = "%d.M%dP1.bench:2,%s" % (when, number, "S" if seen else "")
                path = os.path.join(args.maildir, "cur", name)
                with open(path, "wb") as f:
                    f.write(unix)
                os.utime(path, (when, when))
    print("SUMMARY label=make messages=%d" % args.count)


class Client:
    def __init__(self, port, timeout):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buffer = b""
        self.counter = 0
        self.read_line()  # greeting

    def read_line(self):
        while b"\r\n" not in self.buffer:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise EOFError("connection closed")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def command(self, text):
        """Sends one command, reads to its tagged answer; returns (seconds, bytes, status line)."""
        self.counter += 1
        tag = b"B%05d" % self.counter
        start = time.perf_counter()
        self.sock.sendall(tag + b" " + text.encode() + b"\r\n")
        total = 0
        received = []
        while True:
            while True:
                index = self.buffer.find(b"\r\n" + tag + b" ")
                if self.buffer.startswith(tag + b" "):
                    index = -2
                if index != -1:
                    break
                # Keep a tail so a tag split across reads is still found.
                if len(self.buffer) > 64:
                    total += len(self.buffer) - 64
                    received.append(self.buffer[:-64])
                    self.buffer = self.buffer[-64:]
                chunk = self.sock.recv(1 << 20)
                if not chunk:
                    raise EOFError("connection closed")
                self.buffer += chunk
            cut = index + 2
            end = self.buffer.find(b"\r\n", cut)
            while end == -1:
                self.buffer += self.sock.recv(1 << 16)
                end = self.buffer.find(b"\r\n", cut)
            received.append(self.buffer[:cut])
            total += cut
            status = self.buffer[cut:end]
            self.buffer = self.buffer[end + 2:]
            elapsed = time.perf_counter() - start
            if not status.split(b" ")[1].startswith(b"OK"):
                raise RuntimeError("%s -> %s" % (text, status.decode(errors="replace")))
            self.last = b"".join(received)
            return elapsed, total, status

    def login(self, user, password):
        self.command('LOGIN "%s" "%s"' % (user, password))

    def close(self):
        try:
            self.command("LOGOUT")
        except Exception:
            pass
        self.sock.close()


def exists_count(data):
    for line in data.split(b"\r\n"):
        if line.startswith(b"* ") and line.endswith(b" EXISTS"):
            return int(line.split()[1])
    return 0


def measure(args):
    client = Client(args.port, args.max_secs)
    client.login(args.user, args.password)
    client.command("SELECT INBOX")
    count = exists_count(client.last)
    client.command("CLOSE")
    first = max(1, count - 499)
    steps = [
        ("status", "STATUS INBOX (MESSAGES UNSEEN UIDNEXT UIDVALIDITY)", False),
        ("select", "SELECT INBOX", False),
        ("fetch_flags", "FETCH 1:* (UID FLAGS)", True),
        ("search_unseen", "UID SEARCH UNSEEN", True),
        ("search_header_subject", "SEARCH HEADER Subject %s" % SUBJECT_WORD, True),
        ("search_body_rare", "SEARCH BODY %s" % BODY_WORD, True),
        ("search_text_message_id", "SEARCH TEXT <%d.bench@example.test>" % (count // 2), True),
        ("fetch_headers_last_500", "FETCH %d:%d (BODY.PEEK[HEADER.FIELDS (From Subject Date)])" % (first, count), True),
        # RFC 5256 over the whole mailbox (a thread view, a date- or subject-sorted list).
        ("sort_reverse_date", "SORT (REVERSE DATE) UTF-8 ALL", True),
        ("sort_subject", "SORT (SUBJECT) UTF-8 ALL", True),
        ("thread_references", "THREAD REFERENCES UTF-8 ALL", True),
    ]
    times = {name: [] for name, _, _ in steps}
    sizes = {}
    # Round 0 is a warm-up (Dovecot builds its index and cache, Tern's page cache fills).
    for round_number in range(args.runs + 1):
        for name, text, needs_selected in steps:
            if name == "status":
                client.command("UNSELECT") if round_number > 0 else None
            elapsed, size, _ = client.command(text)
            if name == "search_header_subject" and round_number == 0:
                hits = sum(len(line.split()) - 2 for line in client.last.split(b"\r\n") if line.startswith(b"* SEARCH"))
                sizes["search_hits"] = hits
            if round_number > 0:
                times[name].append(elapsed)
                sizes[name] = size
    client.close()
    fields = ["label=%s" % args.label, "messages=%d" % count]
    for name, _, _ in steps:
        fields.append("%s_best=%.4f" % (name, min(times[name])))
        fields.append("%s_median=%.4f" % (name, statistics.median(times[name])))
    fields.append("search_hits=%d" % sizes.get("search_hits", 0))
    print("SUMMARY " + " ".join(fields))


def tree(root):
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        except (OSError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def tree_memory_kb(root):
    rss = pss = 0
    for pid in tree(root):
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


def hold(args):
    time.sleep(1)
    before = tree_memory_kb(args.pid)
    clients = []
    first = None
    for _ in range(args.sessions):
        client = Client(args.port, args.max_secs)
        client.login(args.user, args.password)
        client.command("SELECT INBOX")
        clients.append(client)
        if first is None:
            # What the first session costs includes one-time costs (caches
            # filled, the first read of the mailbox); the others show what
            # each further session holding it selected adds.
            time.sleep(1)
            first = tree_memory_kb(args.pid)
    time.sleep(2)
    after = tree_memory_kb(args.pid)
    for client in clients:
        client.close()
    time.sleep(2)
    closed = tree_memory_kb(args.pid)
    per_rss = (after[0] - before[0]) / args.sessions / 1024
    per_pss = (after[1] - before[1]) / args.sessions / 1024
    others = max(args.sessions - 1, 1)
    next_rss = (after[0] - first[0]) / others / 1024
    next_pss = (after[1] - first[1]) / others / 1024
    print("SUMMARY label=%s sessions=%d rss_before_mib=%.1f rss_first_mib=%.1f rss_held_mib=%.1f rss_closed_mib=%.1f "
          "pss_before_mib=%.1f pss_held_mib=%.1f per_session_rss_mib=%.2f per_session_pss_mib=%.2f "
          "next_session_rss_mib=%.2f next_session_pss_mib=%.2f" % (
              args.label, args.sessions, before[0] / 1024, first[0] / 1024, after[0] / 1024, closed[0] / 1024,
              before[1] / 1024, after[1] / 1024, per_rss, per_pss, next_rss, next_pss))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("make")
    p.add_argument("--count", type=int, default=100000)
    p.add_argument("--mbox", required=True)
    p.add_argument("--maildir")
    for name in ("measure", "hold"):
        p = sub.add_parser(name)
        p.add_argument("--port", type=int, required=True)
        p.add_argument("--user", required=True)
        p.add_argument("--password", required=True)
        p.add_argument("--label", required=True)
        p.add_argument("--max-secs", type=float, default=600)
        if name == "measure":
            p.add_argument("--runs", type=int, default=3)
        else:
            p.add_argument("--sessions", type=int, default=10)
            p.add_argument("--pid", type=int, required=True)
    args = parser.parse_args()
    if args.command == "make":
        make(args)
    elif args.command == "measure":
        measure(args)
    else:
        hold(args)


if __name__ == "__main__":
    main()
