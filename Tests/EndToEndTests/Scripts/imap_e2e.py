#!/usr/bin/env python3
"""End-to-end checks of Tern's IMAP listeners with Python's imaplib (and a
raw client for IDLE), over STARTTLS (--mode starttls) or IMAPS (--mode ssl).

Loopback only: every address is test data sent to the Tern server under
test. Every socket has a timeout. Exit status 0 when every check passed;
the first failure raises.

Subcommands (each prints one line per check):
  session     a whole mail-client session: LIST, CREATE nested folders,
              APPEND, SELECT, SEARCH, FETCH BODYSTRUCTURE and parts, STORE,
              COPY, MOVE, EXPUNGE, STATUS, RENAME, DELETE
  concurrent  two sessions of one account see each other's flags, expunges
              and new mail
  idle        IDLE announces a message delivered by SMTP (smtplib, MX)
  pop3        a POP3 DELE+QUIT is seen as EXPUNGE by an IMAP session
"""
import argparse
import base64
import poplib
import re
import smtplib
import sys
import time

from imap_common import (ATTACHMENT, MULTIPART_HTML, MULTIPART_TEXT, TIMEOUT, check, connect, fetch_parts,
                         logout, mailbox_names, multipart_message, ok, quote, raw_login, section_value, simple_message,
                         tls_context, untagged)


def uid_of_append(data):
    """The new UID from an APPENDUID response code (RFC 4315)."""
    text = data[0].decode() if data and data[0] else ""
    check("APPENDUID" in text, "APPEND answers APPENDUID: %r" % text)
    return int(text.split("APPENDUID", 1)[1].split("]")[0].split()[1])


def search(client, *criteria, uid=False):
    if uid:
        data = ok(client.uid("SEARCH", *criteria), "UID SEARCH %s" % " ".join(criteria))
    else:
        data = ok(client.search(None, *criteria), "SEARCH %s" % " ".join(criteria))
    return sorted(int(n) for n in (data[0] or b"").split())


# MARK: session

def session(args):
    client = connect(args)
    # A mailbox name unique to this run, so the session can run twice (starttls, ssl).
    top = "Projects-%s" % args.mode
    names = mailbox_names(client)
    for name in ["INBOX", "Drafts", "Sent", "Trash", "Junk", "Archive"]:
        check(name in names, "LIST shows %s: %r" % (name, names))

    # CREATE with parents (RFC 9051 §6.3.4), a rev1 modified UTF-7 name (RFC 3501 §5.1.3).
    nested = "%s/2026/Q1" % top
    ok(client.create(quote(nested)), "CREATE %s" % nested)
    utf7 = "%s/Priv&AOk-" % top
    ok(client.create(quote(utf7)), "CREATE %s (modified UTF-7 for Privé)" % utf7)
    names = mailbox_names(client)
    for name in [top, "%s/2026" % top, nested, utf7]:
        check(name in names, "LIST shows %s" % name)
    typ, _ = client.create(quote(nested))
    check(typ == "NO", "CREATE of an existing mailbox: NO")
    listing = ok(client.list('""', quote(top + "/%")), "LIST with %")
    check(any(b"2026" in line for line in listing if line) and not any(b"Q1" in line for line in listing if line),
          "LIST %% lists one level: %r" % listing)

    # APPEND with flags and date (RFC 9051 §6.3.12), APPENDUID (RFC 4315).
    base = int(ok(client.select("INBOX"), "SELECT INBOX")[0])
    report = multipart_message("report-%s" % args.mode)
    report_uid = uid_of_append(ok(client.append("INBOX", r"(\Seen)", '"03-Mar-2026 09:30:00 +0100"', report),
                                  "APPEND multipart"))
    others = [
        simple_message("m1-%s" % args.mode, sender="alice@remote.example", subject="Lunch on Friday",
                       body="See you at noon.", date="Mon, 02 Mar 2026 10:00:00 +0000"),
        simple_message("m2-%s" % args.mode, sender="carol@remote.example", subject="Invoice 42",
                       body="Please pay the invoice. zebracorn", date="Sun, 01 Feb 2026 08:00:00 +0000"),
        simple_message("m3-%s" % args.mode, sender="alice@remote.example", subject="Re: Invoice 42",
                       body="Paid.", date="Sun, 15 Mar 2026 18:00:00 +0000"),
    ]
    dates = ['"02-Mar-2026 10:00:00 +0000"', '"01-Feb-2026 08:00:00 +0000"', '"15-Mar-2026 18:00:00 +0000"']
    flags = [r"(\Flagged)", "()", r"(\Seen $Paid)"]
    uids = [uid_of_append(ok(client.append("INBOX", f, d, m), "APPEND")) for m, f, d in zip(others, flags, dates)]
    check(uids == sorted(uids) and uids[0] > report_uid, "UIDs ascend: %r after %d" % (uids, report_uid))

    exists = int(ok(client.select("INBOX"), "SELECT INBOX")[0])
    check(exists == base + 4, "EXISTS %d after 4 APPENDs (was %d)" % (exists, base))

    # SEARCH by several keys (RFC 9051 §6.4.4), with UIDs so earlier runs don't matter.
    mine = set([report_uid] + uids)

    def uid_search(*criteria):
        return set(search(client, *criteria, uid=True)) & mine

    check(uid_search("FROM", "alice") == {uids[0], uids[2]}, "SEARCH FROM alice")
    check(uid_search("SUBJECT", '"Invoice 42"') == {uids[1], uids[2]}, "SEARCH SUBJECT")
    check(uid_search("UNSEEN") == {uids[0], uids[1]}, "SEARCH UNSEEN")
    check(uid_search("FLAGGED") == {uids[0]}, "SEARCH FLAGGED")
    check(uid_search("KEYWORD", "$Paid") == {uids[2]}, "SEARCH KEYWORD")
    check(uid_search("SENTBEFORE", "1-Mar-2026") == {uids[1]}, "SEARCH SENTBEFORE")
    check(uid_search("SINCE", "10-Mar-2026") == {uids[2]}, "SEARCH SINCE (internal date)")
    check(uid_search("BODY", "zebracorn") == {uids[1]}, "SEARCH BODY")
    check(uid_search("TEXT", "quarterly") == {report_uid}, "SEARCH TEXT")
    check(uid_search("LARGER", "1000") == {report_uid}, "SEARCH LARGER")
    check(uid_search("OR", "FROM", "carol", "SEEN") == {report_uid, uids[1], uids[2]}, "SEARCH OR")
    check(uid_search("NOT", "FROM", "alice", "NOT", "SEEN") == {uids[1]}, "SEARCH NOT")
    check(uid_search("HEADER", "Message-ID", "m2-%s@e2e.test" % args.mode) == {uids[1]}, "SEARCH HEADER")
    check(uid_search("UID", "%d:%d" % (uids[0], uids[1])) == {uids[0], uids[1]}, "SEARCH UID range")
    check(uid_search("FROM", "nobody-here") == set(), "SEARCH with no match")
    seq_all = search(client, "ALL")
    check(len(seq_all) == exists and seq_all == list(range(1, exists + 1)), "SEARCH ALL gives 1..%d" % exists)

    # FETCH BODYSTRUCTURE and single parts of the multipart message.
    data = ok(client.uid("FETCH", str(report_uid), "(BODYSTRUCTURE RFC822.SIZE FLAGS)"), "FETCH BODYSTRUCTURE")
    text = b" ".join(part for part, _ in fetch_parts(data)).upper()
    check(b'"MIXED"' in text and b'"ALTERNATIVE"' in text, "BODYSTRUCTURE nests alternative in mixed: %r" % text)
    check(b'("TEXT" "PLAIN"' in text and b'("TEXT" "HTML"' in text, "BODYSTRUCTURE has the text parts")
    check(b'("APPLICATION" "PDF"' in text and b'"BASE64"' in text, "BODYSTRUCTURE has the attachment")
    check(b"RFC822.SIZE %d" % len(report) in text, "RFC822.SIZE is the exact size %d" % len(report))
    check(b"\\SEEN" in text, "APPEND flags kept")

    def part(section):
        data = ok(client.uid("FETCH", str(report_uid), "(BODY.PEEK[%s])" % section), "FETCH BODY[%s]" % section)
        return section_value(data, b"BODY[%s]" % section.encode())

    check(part("1.1") == MULTIPART_TEXT[:-2].encode(), "BODY[1.1] is the text part")
    check(part("1.2") == MULTIPART_HTML[:-2].encode(), "BODY[1.2] is the HTML part")
    check(base64.b64decode(part("2")) == ATTACHMENT, "BODY[2] decodes to the attachment")
    check(b"filename=\"report.pdf\"" in part("2.MIME"), "BODY[2.MIME] has the part header")
    check(part("") == report, "BODY[] is the message byte for byte")
    check(part("HEADER.FIELDS (SUBJECT)") == b"Subject: Quarterly report\r\n\r\n", "BODY[HEADER.FIELDS (SUBJECT)]")
    data = ok(client.uid("FETCH", str(report_uid), "(BODY.PEEK[]<0.10>)"), "FETCH partial")
    check(section_value(data, b"BODY[]<0>") == report[:10], "BODY[]<0.10>")
    # PREVIEW (RFC 8970): the text part's words, the HTML alternative and the attachment left out.
    data = ok(client.uid("FETCH", str(report_uid), "(PREVIEW (LAZY))"), "FETCH PREVIEW")
    preview = b" ".join(p for p, _ in fetch_parts(data))
    check(b'PREVIEW "The quarterly report is attached. Regards, Bob"' in preview, "PREVIEW: %r" % preview)
    # REPLACE (RFC 8508), sent as imaplib sends any command with a literal: a draft replaced by a new version.
    data = ok(client.append("INBOX", r"(\Draft)", None, simple_message("draft-v1", subject="draft")), "APPEND draft")
    draft_uid = uid_of_append(data)
    client.literal = simple_message("draft-v2", subject="draft v2")
    typ, data = client._simple_command("UID", "REPLACE", str(draft_uid), "INBOX")
    check(typ == "OK", "UID REPLACE: %r %r" % (typ, data))
    check(not search(client, "UID", str(draft_uid), uid=True), "the replaced draft is gone")
    check(search(client, "SUBJECT", '"draft v2"', uid=True), "the new draft is there")

    # ENVELOPE of a simple message.
    data = ok(client.uid("FETCH", str(uids[0]), "(ENVELOPE)"), "FETCH ENVELOPE")
    envelope = b" ".join(p for p, _ in fetch_parts(data))
    check(b'"Lunch on Friday"' in envelope and b'"alice"' in envelope, "ENVELOPE: %r" % envelope)

    # FETCH BODY[] without PEEK sets \Seen (RFC 9051 §6.4.5).
    ok(client.uid("FETCH", str(uids[1]), "(BODY[TEXT])"), "FETCH BODY[TEXT]")
    check(uid_search("UNSEEN") == {uids[0]}, "BODY[TEXT] set \\Seen")

    # STORE flags and keywords (RFC 9051 §6.4.6).
    ok(client.uid("STORE", str(uids[0]), "+FLAGS", r"(\Answered $Label1)"), "STORE +FLAGS")
    ok(client.uid("STORE", str(uids[0]), "-FLAGS", r"(\Flagged)"), "STORE -FLAGS")
    data = ok(client.uid("FETCH", str(uids[0]), "(FLAGS)"), "FETCH FLAGS")
    flags_text = b" ".join(p for p, _ in fetch_parts(data))
    check(b"\\Answered" in flags_text and b"$Label1" in flags_text and b"\\Flagged" not in flags_text,
          "flags after STORE: %r" % flags_text)
    ok(client.uid("STORE", str(uids[0]), "FLAGS.SILENT", r"(\Seen)"), "STORE FLAGS.SILENT")
    check(uid_search("ANSWERED") == set(), "STORE FLAGS replaced the flags")

    # COPY (COPYUID) and MOVE (RFC 6851) into the nested folder and Archive.
    # imaplib's uid() drops the tagged response text, where COPYUID is.
    data = ok(client._simple_command("UID", "COPY", str(report_uid), quote(nested)), "UID COPY")
    check(b"COPYUID" in (data[0] or b""), "COPY answers COPYUID: %r" % data)
    status = ok(client.status(quote(nested), "(MESSAGES UIDNEXT UNSEEN)"), "STATUS")
    check(b"MESSAGES 1" in status[0], "STATUS of %s after COPY: %r" % (nested, status))
    ok(client.uid("MOVE", str(uids[2]), "Archive"), "UID MOVE")
    check(uids[2] not in search(client, "ALL", uid=True), "moved message left INBOX")
    ok(client.select("Archive"), "SELECT Archive")
    archived = ok(client.uid("FETCH", "1:*", "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])"), "FETCH in Archive")
    check(any(l and b"m3-%s@e2e.test" % args.mode.encode() in l for _, l in fetch_parts(archived)),
          "the moved message is in Archive")

    # EXPUNGE (RFC 9051 §6.4.3): \Deleted messages go, untagged EXPUNGE tells which.
    ok(client.select("INBOX"), "SELECT INBOX")
    before = len(search(client, "ALL"))
    ok(client.uid("STORE", "%d,%d" % (uids[0], uids[1]), "+FLAGS.SILENT", r"(\Deleted)"), "STORE \\Deleted")
    expunged = ok(client.expunge(), "EXPUNGE")
    check(len([e for e in expunged if e]) == 2, "two untagged EXPUNGE: %r" % expunged)
    after = search(client, "ALL", uid=True)
    check(len(after) == before - 2 and uids[0] not in after and uids[1] not in after, "expunged from INBOX")

    # RENAME and DELETE of the folders.
    renamed = "%s/2027" % top
    ok(client.rename(quote("%s/2026" % top), quote(renamed)), "RENAME with children")
    names = mailbox_names(client)
    check("%s/Q1" % renamed in names and nested not in names, "RENAME moved the child: %r" % names)
    status = ok(client.status(quote("%s/Q1" % renamed), "(MESSAGES)"), "STATUS after RENAME")
    check(b"MESSAGES 1" in status[0], "the copied message moved with its folder")
    ok(client.delete(quote("%s/Q1" % renamed)), "DELETE")
    check("%s/Q1" % renamed not in mailbox_names(client), "DELETE removed it")
    ok(client.close(), "CLOSE")
    typ, _ = client.select(quote("%s/../INBOX" % top))
    check(typ == "NO", "SELECT of a name with .. is refused")
    client.logout()
    print("session: all checks passed")


# MARK: concurrent

def concurrent(args):
    a = connect(args)
    b = connect(args, mode="ssl" if args.mode == "starttls" else "starttls")
    marker = "concurrent-%d" % int(time.time() * 1000)
    for number in range(3):
        ok(a.append("INBOX", "()", None, simple_message("%s-%d" % (marker, number), subject=marker)), "APPEND")
    count_a = int(ok(a.select("INBOX"), "A SELECT")[0])
    count_b = int(ok(b.select("INBOX"), "B SELECT")[0])
    check(count_a == count_b, "both see %d messages" % count_a)
    untagged(b, "FETCH")

    # A flags the last message: B hears FETCH (FLAGS) on NOOP (RFC 9051 §7.5.2).
    ok(a.store(str(count_a), "+FLAGS", r"(\Flagged)"), "A STORE \\Flagged")
    ok(b.noop(), "B NOOP")
    fetches = untagged(b, "FETCH")
    check(any(b"\\Flagged" in f for f in fetches if f), "B sees A's flag: %r" % fetches)

    # A expunges the first message: B hears EXPUNGE 1.
    ok(a.store("1", "+FLAGS.SILENT", r"(\Deleted)"), "A STORE \\Deleted")
    ok(a.expunge(), "A EXPUNGE")
    ok(b.noop(), "B NOOP")
    check(untagged(b, "EXPUNGE") == [b"1"], "B sees EXPUNGE 1")

    # B appends: A hears EXISTS.
    untagged(a, "EXISTS")
    ok(b.append("INBOX", "()", None, simple_message(marker + "-from-b", subject=marker)), "B APPEND")
    ok(a.noop(), "A NOOP")
    check(untagged(a, "EXISTS") == [str(count_a).encode()], "A sees EXISTS %d" % count_a)

    # B's flag change seen by A, and both agree on the whole mailbox.
    ok(b.store(str(count_a), "FLAGS", r"(\Seen \Answered)"), "B STORE FLAGS")
    ok(a.noop(), "A NOOP")
    check(any(b"\\Answered" in f for f in untagged(a, "FETCH") if f), "A sees B's flags")
    flags_a = ok(a.fetch("1:*", "(UID FLAGS)"), "A FETCH")
    flags_b = ok(b.fetch("1:*", "(UID FLAGS)"), "B FETCH")
    # \Recent is per session (RFC 3501 §2.3.2): A, which selected first,
    # has what it appended (less the one it expunged); none is recent in both.
    def recent(flags):
        return [b"\\Recent" in f for f in flags]
    def stored(flags):
        return sorted(re.sub(rb" ?\\Recent", b"", f).replace(b"( ", b"(") for f in flags)
    check(sum(recent(flags_a)) >= 2, "A has \\Recent for what it appended: %r" % flags_a)
    check(not any(x and y for x, y in zip(recent(flags_a), recent(flags_b))),
          "no message is recent in both: %r / %r" % (flags_a, flags_b))
    check(stored(flags_a) == stored(flags_b), "A and B agree: %r / %r" % (flags_a, flags_b))
    logout(a)
    logout(b)
    print("concurrent: all checks passed")


# MARK: idle

def idle(args):
    raw = raw_login(args)
    lines = raw.command(b"S1", b"SELECT INBOX")
    check(lines[-1].startswith(b"S1 OK"), "SELECT: %r" % lines[-1])
    exists = [int(l.split()[1]) for l in lines if l.endswith(b" EXISTS")]
    check(len(exists) == 1, "SELECT reports EXISTS")
    raw.send(b"I1 IDLE\r\n")
    cont = raw.line()
    check(cont.startswith(b"+"), "IDLE continuation: %r" % cont)
    marker = "idle-%d" % int(time.time() * 1000)
    started = time.monotonic()
    with smtplib.SMTP("127.0.0.1", args.smtp_port, timeout=TIMEOUT) as smtp:
        smtp.sendmail("pusher@remote.example", [args.user], simple_message(marker, subject=marker))
    delivered = time.monotonic()
    seen = []
    while True:
        line = raw.line()
        seen.append(line)
        if line == b"* %d EXISTS" % (exists[0] + 1):
            break
    waited = time.monotonic() - delivered
    # Bounded by the socket timeout; reported, not asserted (no timed assertions).
    print("info: EXISTS arrived %.3f s after the SMTP 250 (%.3f s after sending began)"
          % (waited, time.monotonic() - started))
    check(True, "IDLE announced the SMTP delivery: %r" % seen)
    raw.send(b"DONE\r\n")
    lines = raw.until_tagged(b"I1")
    check(lines[-1].startswith(b"I1 OK"), "DONE ends IDLE: %r" % lines[-1])
    lines = raw.command(b"F1", b"FETCH %d (BODY.PEEK[HEADER.FIELDS (SUBJECT)])" % (exists[0] + 1))
    check(any(marker.encode() in l for l in lines), "the announced message is the delivered one")
    number = exists[0] + 1

    # Another session's flag change and expunge reach the idling client too.
    other = connect(args, mode="starttls")
    ok(other.select("INBOX"), "other SELECT INBOX")
    raw.send(b"I2 IDLE\r\n")
    check(raw.line().startswith(b"+"), "IDLE again")
    ok(other.store(str(number), "+FLAGS", r"(\Flagged)"), "other STORE \\Flagged")
    line = raw.line()
    check(line.startswith(b"* %d FETCH" % number) and b"\\Flagged" in line, "IDLE announced the flag: %r" % line)
    ok(other.store(str(number), "+FLAGS.SILENT", r"(\Deleted)"), "other STORE \\Deleted")
    line = raw.line()
    check(line.startswith(b"* %d FETCH" % number) and b"\\Deleted" in line, "IDLE announced \\Deleted: %r" % line)
    ok(other.expunge(), "other EXPUNGE")
    line = raw.line()
    check(line == b"* %d EXPUNGE" % number, "IDLE announced the expunge: %r" % line)
    raw.send(b"DONE\r\n")
    check(raw.until_tagged(b"I2")[-1].startswith(b"I2 OK"), "DONE")

    # After SELECT of another mailbox the connection watches that one instead.
    check(raw.command(b"S2", b"SELECT Archive")[-1].startswith(b"S2 OK"), "SELECT Archive")
    raw.send(b"I3 IDLE\r\n")
    check(raw.line().startswith(b"+"), "IDLE in Archive")
    with smtplib.SMTP("127.0.0.1", args.smtp_port, timeout=TIMEOUT) as smtp:
        smtp.sendmail("pusher@remote.example", [args.user], simple_message(marker + "-inbox", subject=marker))
    ok(other.append("Archive", "()", None, simple_message(marker + "-archive", subject=marker)), "other APPEND Archive")
    line = raw.line()
    check(line == b"* 1 EXISTS", "IDLE in Archive announces Archive's message, not INBOX's: %r" % line)
    raw.send(b"DONE\r\n")
    check(raw.until_tagged(b"I3")[-1].startswith(b"I3 OK"), "DONE")
    logout(other)
    raw.command(b"Z1", b"LOGOUT")
    raw.close()
    print("idle: all checks passed")


# MARK: pop3

def pop3(args):
    client = connect(args)
    marker = "pop3-%d" % int(time.time() * 1000)
    ok(client.append("INBOX", "()", None, simple_message(marker, subject=marker)), "APPEND")
    count = int(ok(client.select("INBOX"), "SELECT")[0])
    untagged(client, "EXPUNGE")
    # POP3 deletes the newest message (its own snapshot numbering) with DELE and QUIT.
    pop = poplib.POP3_SSL("127.0.0.1", args.pop3s_port, timeout=TIMEOUT, context=tls_context())
    pop.user(args.user)
    pop.pass_(args.password)
    number = len(pop.list()[1])
    check(number == count, "POP3 sees the same %d messages" % count)
    top = b"\r\n".join(pop.top(number, 0)[1])
    check(marker.encode() in top, "POP3's last message is the appended one")
    pop.dele(number)
    pop.quit()
    # A missed wake-up only delays; NOOP must report it.
    ok(client.noop(), "NOOP")
    expunges = untagged(client, "EXPUNGE")
    check(expunges == [str(count).encode()], "IMAP sees EXPUNGE %d after POP3 DELE+QUIT: %r" % (count, expunges))
    check(int(ok(client.select("INBOX"), "SELECT")[0]) == count - 1, "one message fewer")
    logout(client)
    print("pop3: all checks passed")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["session", "concurrent", "idle", "pop3"])
    parser.add_argument("--mode", choices=["starttls", "ssl"], default="ssl")
    parser.add_argument("--imap-port", type=int, required=True)
    parser.add_argument("--imaps-port", type=int, required=True)
    parser.add_argument("--smtp-port", type=int)
    parser.add_argument("--pop3s-port", type=int)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    args = parser.parse_args()
    {"session": session, "concurrent": concurrent, "idle": idle, "pop3": pop3}[args.command](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
