#!/usr/bin/env python3
"""Differential test: METADATA (RFC 5464) in Tern and in Dovecot.

The same GETMETADATA and SETMETADATA commands go to a new Tern mailbox
(imaplib over IMAPS) and to Dovecot's INBOX (its `imap` binary in preauth
mode on a pipe, with `imap_metadata = yes` and a file attribute dict), and
to the server ("") on both. Compared: the status, the tagged response code
(`[METADATA LONGENTRIES n]`) and the METADATA responses, after writing a
string sent as a literal as the same string quoted (Dovecot sends every
value as a literal). Only what both implement as the RFC says is
compared: Dovecot 2.3 accepts some entry names RFC 5464 §3.2 refuses
(a bare `/private`), which Tern answers BAD (tested in its own suite).

Loopback only; every socket has a timeout. Exit status 0 when every
response matched; every difference is printed.
"""
import imaplib
import re
import shutil
import sys
import tempfile
import time
import os

from imap_common import TIMEOUT, check, ok, tls_context, server_parser
from imap_dovecot_diff import dovecot, literals_as_quoted, run

DOVECOT_CONFIG = "mail_attribute_dict = file:~/dovecot-attributes\nprotocol imap {\n  imap_metadata = yes\n}\n"

# (command with {mailbox} for the mailbox under test) in order: sets, then
# reads of every shape, changes and removals, then the reads again. On the
# server, both refuse to set /shared entries (NO [CANNOT]: they are the
# administrator's), so there the SETs naming one change nothing.
COMMANDS = [
    'SETMETADATA {mailbox} (/private/comment "First comment")',
    'SETMETADATA {mailbox} (/private/comment "My comment" /shared/comment "Shared comment")',
    'SETMETADATA {mailbox} (/private/filters/values/small "1" /private/filters/values/big "22" '
    '/private/filters/values/big/deeper "333" /private/other "4444")',
    'SETMETADATA {mailbox} (/private/multi {{21+}}\r\ntwo lines\r\nof comment)',
    'SETMETADATA {mailbox} (/shared/vendor/example.com/setting "on" /private/Mixed/Case "x")',
    'SETMETADATA {mailbox} (/private/utf8 {{6+}}\r\ncafé!)',
    'GETMETADATA {mailbox} /private/comment',
    'GETMETADATA {mailbox} (/private/comment /shared/comment)',
    'GETMETADATA {mailbox} (/shared/comment /private/comment /private/missing)',
    'GETMETADATA {mailbox} /PRIVATE/COMMENT',
    'GETMETADATA {mailbox} /private/mixed/case',
    'GETMETADATA {mailbox} /private/multi',
    'GETMETADATA {mailbox} /private/utf8',
    'GETMETADATA {mailbox} /shared/vendor/example.com/setting',
    'GETMETADATA (DEPTH 0) {mailbox} /private/filters/values',
    'GETMETADATA (DEPTH 1) {mailbox} /private/filters/values',
    'GETMETADATA (DEPTH infinity) {mailbox} /private/filters',
    'GETMETADATA (DEPTH 1) {mailbox} (/private/filters/values/big)',
    'GETMETADATA (DEPTH 1) {mailbox} /private/nothing',
    'GETMETADATA (DEPTH infinity) {mailbox} (/private/nothing /private/comment)',
    'GETMETADATA (MAXSIZE 2) {mailbox} (/private/filters/values/small /private/filters/values/big /private/other)',
    'GETMETADATA (MAXSIZE 100) {mailbox} (/private/comment /shared/comment)',
    'GETMETADATA (MAXSIZE 5 DEPTH infinity) {mailbox} /private/filters',
    'SETMETADATA {mailbox} (/private/comment "Changed")',
    'SETMETADATA {mailbox} (/shared/comment NIL)',
    'SETMETADATA {mailbox} (/private/never NIL)',
    'GETMETADATA {mailbox} (/private/comment /shared/comment /private/never)',
    'SETMETADATA {mailbox} (/private/empty "")',
    'GETMETADATA {mailbox} /private/empty',
]


PAIR = re.compile(rb'(\S+) ("(?:[^"\\\\]|\\\\.)*"|NIL)')


def metadata_pairs(lines, mailbox):
    """The entry-value pairs of the METADATA responses, strings in one
    form, sorted: RFC 5464 gives their order no meaning, and Dovecot lists
    an entry's descendants in its dict's order."""
    prefix = b"* METADATA " + mailbox.encode() + b" ("
    pairs = []
    for line in lines:
        if not line.startswith(b"* METADATA"):
            continue
        line = literals_as_quoted(line.rstrip())
        if not line.startswith(prefix) or not line.endswith(b")"):
            pairs.append((b"unparsed", line))
            continue
        pairs.extend(PAIR.findall(line[len(prefix):-1]))
    return sorted(pairs)


def code(tagged):
    """The tagged response's status and code, e.g. b"OK [METADATA LONGENTRIES 5]"."""
    match = re.match(rb"(\w+)( \[[^\]]*\])?", tagged)
    return match.group(1) + (match.group(2) or b"")


def main():
    parser = server_parser(__doc__)
    parser.add_argument("--dovecot", default="/usr/lib/dovecot/imap")
    args = parser.parse_args()

    home = tempfile.mkdtemp(prefix="tern-metadata-diff-")
    os.chmod(home, 0o755)
    try:
        reference = dovecot(home, args.dovecot, DOVECOT_CONFIG)
        capabilities = ok(reference.capability(), "CAPABILITY in Dovecot")[0].split()
        check(b"METADATA" in capabilities, "Dovecot offers METADATA: %r" % capabilities)
        tern = imaplib.IMAP4_SSL("127.0.0.1", args.imaps_port, ssl_context=tls_context(), timeout=TIMEOUT)
        ok(tern.login(args.user, args.password), "LOGIN")
        check(b"METADATA" in ok(tern.capability(), "CAPABILITY in Tern")[0].split(), "Tern offers METADATA")
        mailbox = "Meta%d" % int(time.time() * 1000)
        ok(tern.create(mailbox), "CREATE " + mailbox)
        differences = []
        total = 0
        for tern_mailbox, dovecot_mailbox in [(mailbox, "INBOX"), ('""', '""')]:
            for template in COMMANDS:
                total += 1
                results = []
                for client, name in [(tern, tern_mailbox), (reference, dovecot_mailbox)]:
                    command = template.format(mailbox=name)
                    status, lines, tagged = run(client, command)
                    results.append((code(tagged), metadata_pairs(lines, name)))
                shown = template.format(mailbox="<%s>" % tern_mailbox).replace("\r\n", "\\r\\n")
                if results[0] == results[1]:
                    print("ok: %s -> %r" % (shown, results[0]))
                else:
                    differences.append(shown)
                    print("DIFFERENT: %s\n   Tern:    %r\n   Dovecot: %r" % (shown, results[0], results[1]))
        tern.logout()
        reference.logout()
        check(not differences, "%d of %d commands answered differently: %r" % (len(differences), total, differences))
    finally:
        shutil.rmtree(home, ignore_errors=True)
    print("metadata-diff: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
