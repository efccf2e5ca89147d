#!/usr/bin/env python3
"""Differential test: the same generated mailbox in Tern and in Dovecot
answers SORT, THREAD, SEARCH and FETCH BODYSTRUCTURE/ENVELOPE identically.

A few hundred messages are generated from a fixed seed: threads linked by
References and In-Reply-To (some with missing ancestors, some by subject
only), subjects with Re:/Fwd:/[list]/(fwd)/[fwd: …] and RFC 2047 words,
dates across time zones (some missing or broken), display names, Cc,
multipart bodies. They are appended with the same internal dates to a new
Tern mailbox (imaplib over IMAPS) and to a Dovecot INBOX, where Dovecot is
its own `imap` binary in preauth mode on a pipe (imaplib.IMAP4_stream): no
daemon, no port. Responses are compared after removing tags and the order
of ESEARCH return data (free by RFC 4731 §3.1).

Loopback only; every socket has a timeout. Exit status 0 when every
response matched; every difference is printed.
"""
import email.utils
import imaplib
import os
import random
import re
import shutil
import sys
import tempfile
import time

from imap_common import TIMEOUT, check, ok, tls_context, server_parser

SEED = 5256
SUBJECTS = [
    "Budget 2024", "lunch?", "[team] Release plan", "Re: Re: old thing", "=?UTF-8?Q?Caf=C3=A9_plans?=",
    "=?ISO-8859-1?Q?Gr=FC=DFe_aus_K=F6ln?=", "Fwd: pictures", "", "   spaced    out  ", "[fwd: wrapped up]",
    "odd one (fwd)", "RE:[x]: mixed", "Sale!", "a_b", "aa", "AB", "zebra", "[list] [tag] nested blobs",
    "Fw: forwarded", "re: lower", "=?UTF-8?B?UmU6IGVuY29kZWQgcmVwbHk=?=", "Report Q3", "report q3", "[]",
    "[only blob]", "Re:", "Termine", "Meeting notes",
]
NAMES = [("Alice Example", "alice"), ("bob", None), ("=?UTF-8?Q?Zo=C3=AB_Martin?=", "zoe"), ("", "carl"),
         ("\"Doe, Jane\"", "jane"), ("Émile", None), ("Xavier", "xavier"), (None, "yann"), ("ann", "ann")]
ZONES = ["+0000", "-0800", "+0530", "+1200", "-1100", "+0100", "+0200", "-0330", "+1400", "-0000"]


def address(random_, domain="example.test"):
    name, local = random_.choice(NAMES)
    local = local or (name or "x").strip('"').split()[0].lower().replace(",", "")
    local = local if local.isascii() else "emile"
    if name:
        return "%s <%s@%s>" % (name, local, domain)
    return "%s@%s" % (local, domain)


def generate(count):
    """[(internal date text, message bytes)], fixed by SEED."""
    random_ = random.Random(SEED)
    messages = []
    threads = []  # each: list of (message-id, subject)
    base_time = 1704067200  # 2024-01-01
    for number in range(count):
        internal = base_time + random_.randrange(0, 365 * 86400)
        sent = internal - random_.randrange(0, 3 * 86400)
        headers = []
        message_id = "<m%d.%d@example.test>" % (number, random_.randrange(1000))
        if random_.random() < 0.04:
            message_id = None  # no Message-ID
        elif random_.random() < 0.03 and messages:
            message_id = "<dup@example.test>"  # duplicate Message-IDs
        if threads and random_.random() < 0.6:
            thread = random_.choice(threads)
            parent_id, parent_subject = random_.choice(thread)
            chain = [mid for mid, _ in thread if mid][:thread.index((parent_id, parent_subject)) + 1]
            style = random_.random()
            subject = random_.choice(["Re: ", "RE: ", "Fwd: ", "Re: [team] ", "", "Re: Re: "]) + parent_subject
            if parent_id and style < 0.65:
                headers.append("References: " + " ".join(chain))
                headers.append("In-Reply-To: " + parent_id)
            elif parent_id and style < 0.8:
                headers.append("In-Reply-To: " + parent_id)
            elif style < 0.9:
                headers.append("References: <lost%d@example.test> %s" % (len(threads), " ".join(chain[-1:])))
            thread.append((message_id, subject if not subject.lower().startswith(("re", "fwd")) else parent_subject))
        else:
            subject = random_.choice(SUBJECTS)
            threads.append([(message_id, subject)])
        headers.insert(0, "From: " + address(random_))
        headers.append("To: " + ", ".join(address(random_) for _ in range(random_.randrange(1, 3))))
        if random_.random() < 0.3:
            headers.append("Cc: " + address(random_, "cc.example.test"))
        date_roll = random_.random()
        if date_roll < 0.05:
            pass  # no Date
        elif date_roll < 0.08:
            headers.append("Date: not a date at all")
        else:
            zone = random_.choice(ZONES)
            sign = -1 if zone[0] == "-" else 1
            offset = sign * (int(zone[1:3]) * 3600 + int(zone[3:5]) * 60)
            stamp = time.gmtime(sent + offset)
            headers.append("Date: " + time.strftime("%a, %d %b %Y %H:%M:%S ", stamp) + zone)
        if subject or random_.random() < 0.5:
            headers.append("Subject: " + subject)
        if message_id:
            headers.append("Message-ID: " + message_id)
        headers.append("MIME-Version: 1.0")
        body_kind = random_.random()
        text = "Message %d.\r\n%s\r\n" % (number, "word " * random_.randrange(1, 200))
        if body_kind < 0.6:
            headers.append("Content-Type: text/plain; charset=utf-8")
            body = text
        elif body_kind < 0.85:
            headers.append('Content-Type: multipart/alternative; boundary="b%d"' % number)
            body = ("--b%d\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n%s--b%d\r\n"
                    "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
                    "<p>%s</p>\r\n--b%d--\r\n") % (number, text, number, text.strip(), number)
        else:
            headers.append('Content-Type: multipart/mixed; boundary="m%d"' % number)
            body = ("--m%d\r\nContent-Type: text/plain\r\n\r\n%s--m%d\r\nContent-Type: application/pdf; name=\"r%d.pdf\"\r\n"
                    "Content-Disposition: attachment; filename=\"r%d.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                    "JVBERi0xLjQKJcfs\r\n--m%d--\r\n") % (number, text, number, number, number, number)
        raw = ("\r\n".join(headers) + "\r\n\r\n" + body).encode("utf-8")
        internal_text = time.strftime("%d-%b-%Y %H:%M:%S +0000", time.gmtime(internal))
        messages.append((internal_text, raw))
    return messages


COMMANDS = [
    "SORT (SUBJECT) UTF-8 ALL", "SORT (REVERSE SUBJECT) UTF-8 ALL", "SORT (DATE) UTF-8 ALL",
    "SORT (REVERSE DATE) UTF-8 ALL", "SORT (ARRIVAL) UTF-8 ALL", "SORT (REVERSE ARRIVAL) UTF-8 ALL",
    "SORT (FROM) UTF-8 ALL", "SORT (TO) UTF-8 ALL", "SORT (CC) UTF-8 ALL", "SORT (SIZE) UTF-8 ALL",
    "SORT (DISPLAYFROM) UTF-8 ALL", "SORT (DISPLAYTO) UTF-8 ALL", "SORT (REVERSE DISPLAYFROM DATE) UTF-8 ALL",
    "SORT (SUBJECT DATE) UTF-8 ALL", "SORT (FROM REVERSE SIZE) UTF-8 ALL", "SORT (CC REVERSE TO ARRIVAL) UTF-8 ALL",
    "SORT (SUBJECT) UTF-8 SINCE 1-Jun-2024", "SORT (DATE) UTF-8 FROM alice", "UID SORT (REVERSE DATE) UTF-8 ALL",
    "UID SORT (SUBJECT) UTF-8 OR FROM bob TO carl",
    "SORT RETURN (MIN MAX COUNT ALL) (DATE) UTF-8 ALL", "SORT RETURN (ALL) (REVERSE SUBJECT) UTF-8 LARGER 600",
    "UID SORT RETURN (MIN MAX) (FROM) UTF-8 ALL", "SORT RETURN () (SIZE) UTF-8 ALL",
    "THREAD REFERENCES UTF-8 ALL", "THREAD ORDEREDSUBJECT UTF-8 ALL", "UID THREAD REFERENCES UTF-8 ALL",
    "THREAD REFERENCES UTF-8 SINCE 1-Apr-2024", "THREAD ORDEREDSUBJECT UTF-8 NOT FROM alice",
    "SEARCH ALL", "SEARCH SUBJECT plans", "SEARCH SUBJECT re", "SEARCH FROM alice", "SEARCH TO example",
    "SEARCH CC cc.example", "SEARCH HEADER References lost", "SEARCH HEADER Message-ID dup",
    "SEARCH TEXT word", "SEARCH BODY \"Message 1\"", "SEARCH SENTBEFORE 1-Mar-2024", "SEARCH SENTSINCE 1-Nov-2024",
    "SEARCH SENTON 15-Jul-2024", "SEARCH BEFORE 1-Feb-2024", "SEARCH LARGER 1000", "SEARCH SMALLER 500",
    "SEARCH OR SUBJECT budget SUBJECT report", "SEARCH NOT SUBJECT re", "UID SEARCH SUBJECT lunch",
    "SEARCH CHARSET UTF-8 SUBJECT café", "SEARCH HEADER Content-Type mixed",
    "FETCH 1:* (BODYSTRUCTURE)", "FETCH 1:* (ENVELOPE)", "FETCH 1:* (RFC822.SIZE INTERNALDATE)",
]


def run(client, command):
    """The status, the untagged lines (literals inlined) and the tagged
    line without its tag that a command produced."""
    tag = client._new_tag()
    client.send(tag + b" " + command.encode("utf-8") + b"\r\n")
    lines = []
    while True:
        line = client._get_line()
        literal = re.search(rb"\{(\d+)\}$", line)
        while literal:
            data = client.read(int(literal.group(1)))
            rest = client._get_line()
            line = line + b"\r\n" + data + rest
            literal = re.search(rb"\{(\d+)\}$", rest)
        if line.startswith(tag + b" "):
            status = line[len(tag) + 1:].split(b" ", 1)[0]
            return status, lines, line[len(tag) + 1:]
        lines.append(line)


def literals_as_quoted(line):
    """`{n}CRLF<n bytes>` written as a quoted string, so that a string
    sent as a literal equals the same string sent quoted."""
    while True:
        match = re.search(rb"\{(\d+)\}\r\n", line)
        if not match:
            return line
        start, size = match.end(), int(match.group(1))
        data = line[start:start + size]
        if b'"' in data or b"\\" in data or b"\r" in data or b"\n" in data:
            data = data.replace(b"\\", b"\\\\").replace(b'"', b'\\"')
        line = line[:match.start()] + b'"' + data + b'"' + line[start + size:]


def normalized(lines):
    """What must match. Forms the RFCs leave free are made equal first:
    ESEARCH return data in any order (RFC 4731 §3.1); a string as literal
    or quoted; BODYSTRUCTURE's case-insensitive type, subtype, encoding and
    parameter names (Dovecot sends them as written, Tern in upper case);
    INTERNALDATE's day as " 6" or "06" (date-day-fixed, RFC 9051 §9); and
    runs of white space in ENVELOPE strings, which Dovecot collapses for
    display ("for humans") and Tern keeps."""
    out = []
    for line in lines:
        line = literals_as_quoted(line.rstrip())
        if b"BODYSTRUCTURE" in line:
            line = line.upper()
        if b"INTERNALDATE" in line:
            line = re.sub(rb'INTERNALDATE " (\d)-', rb'INTERNALDATE "0\1-', line)
        if b"ENVELOPE" in line:
            line = re.sub(rb'" +', b'"', re.sub(rb' +"', b'"', re.sub(rb"  +", b" ", line)))
        if re.match(rb"\* \d+ (EXISTS|RECENT)$", line) or line.startswith(b"* OK [HIGHESTMODSEQ"):
            continue
        if line.startswith(b"* ESEARCH"):
            # Return data as a set of (name, value) pairs (order is free).
            line = re.sub(rb'\(TAG "[^"]*"\) ?', b"", line)
            words = line.split()[2:]
            uid = b"UID" in words[:1]
            words = words[1:] if uid else words
            pairs = sorted(zip(words[0::2], words[1::2]))
            line = b"* ESEARCH" + (b" UID" if uid else b"") + b"".join(b" " + k + b" " + v for k, v in pairs)
        out.append(line)
    return out


def dovecot(home, binary, extra_config=""):
    """Dovecot's `imap` in preauth mode on a pipe; `extra_config` is
    appended to its configuration."""
    config = os.path.join(home, "dovecot.conf")
    with open(config, "w") as file:
        file.write("mail_location = maildir:~/Maildir\nlog_path = /dev/null\nssl = no\n" + extra_config)
    os.chmod(config, 0o644)
    drop = ""
    if os.geteuid() == 0:
        # Dovecot refuses mail access as root: the mail process runs as nobody.
        shutil.chown(home, "nobody", "nogroup")
        drop = "setpriv --reuid=nobody --regid=nogroup --clear-groups "
    command = "env -i USER=diff HOME=%s %s%s -c %s" % (home, drop, binary, config)
    return imaplib.IMAP4_stream(command)


def main():
    parser = server_parser(__doc__)
    parser.add_argument("--dovecot", default="/usr/lib/dovecot/imap")
    parser.add_argument("--count", type=int, default=300)
    args = parser.parse_args()

    messages = generate(args.count)
    home = tempfile.mkdtemp(prefix="tern-dovecot-diff-")
    os.chmod(home, 0o755)
    try:
        reference = dovecot(home, args.dovecot)
        tern = imaplib.IMAP4_SSL("127.0.0.1", args.imaps_port, ssl_context=tls_context(), timeout=TIMEOUT)
        ok(tern.login(args.user, args.password), "LOGIN")
        mailbox = "Diff%d" % int(time.time() * 1000)
        ok(tern.create(mailbox), "CREATE " + mailbox)
        for internal, raw in messages:
            typ, data = tern.append(mailbox, None, '"%s"' % internal, raw)
            if typ != "OK":
                raise AssertionError("APPEND to Tern: %s %r" % (typ, data))
            typ, data = reference.append("INBOX", None, '"%s"' % internal, raw)
            if typ != "OK":
                raise AssertionError("APPEND to Dovecot: %s %r" % (typ, data))
        check(int(ok(tern.select(mailbox), "SELECT in Tern")[0]) == len(messages), "Tern has %d messages" % len(messages))
        check(int(ok(reference.select("INBOX"), "SELECT in Dovecot")[0]) == len(messages), "Dovecot has them too")
        differences = 0
        different = []
        for command in COMMANDS:
            tern_status, tern_lines, _ = run(tern, command)
            dovecot_status, dovecot_lines, _ = run(reference, command)
            same = tern_status == dovecot_status and normalized(tern_lines) == normalized(dovecot_lines)
            if same:
                print("ok: %s (%d lines)" % (command, len(tern_lines)))
                continue
            differences += 1
            different.append(command)
            print("DIFFERENT: %s: Tern %s, Dovecot %s" % (command, tern_status.decode(), dovecot_status.decode()))
            tern_norm, dovecot_norm = normalized(tern_lines), normalized(dovecot_lines)
            shown = 0
            for index in range(max(len(tern_norm), len(dovecot_norm))):
                a = tern_norm[index] if index < len(tern_norm) else b"(none)"
                b = dovecot_norm[index] if index < len(dovecot_norm) else b"(none)"
                if a != b and shown < 3:
                    print("   Tern:    %r" % a[:600])
                    print("   Dovecot: %r" % b[:600])
                    shown += 1
        tern.logout()
        reference.logout()
        print("different: %r" % different)
        check(differences == 0, "%d of %d commands answered differently" % (differences, len(COMMANDS)))
    finally:
        shutil.rmtree(home, ignore_errors=True)
    print("dovecot-diff: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
