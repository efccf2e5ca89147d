#!/usr/bin/env python3
"""Helpers of the sync-client tests (mbsync, curl) against Tern's IMAPS
listener, with Python's imaplib for the server side and plain file access
for the local Maildir.

Subcommands:
  seed          nested folders (Work/Clients/Acme) and messages with flags
  server-state  JSON: every selectable mailbox -> sorted [Message-ID, flags]
  local-state   JSON: the same for a Maildir tree written by mbsync
                (SubFolders Verbatim), plus its file names
  modify-local  in the Maildir: flag sync-s3 in INBOX, delete sync-c2 in Work/Clients

Loopback only; every socket has a timeout.
"""
import argparse
import json
import os
import re
import sys

from imap_common import check, connect, list_entries, logout, ok, quote, simple_message

SEED = {
    "INBOX": [("sync-s1", r"(\Seen)"), ("sync-s2", r"(\Flagged)"), ("sync-s3", "()")],
    "Work/Clients": [("sync-c1", r"(\Seen \Answered)"), ("sync-c2", "()")],
    "Work/Clients/Acme": [("sync-a1", r"(\Seen)")],
}
SYSTEM_FLAGS = ["\\Answered", "\\Deleted", "\\Draft", "\\Flagged", "\\Seen"]
MAILDIR_FLAGS = {"D": "\\Draft", "F": "\\Flagged", "R": "\\Answered", "S": "\\Seen", "T": "\\Deleted"}


def seed(args):
    client = connect(args, mode="ssl")
    ok(client.create(quote("Work/Clients/Acme")), "CREATE Work/Clients/Acme with its parents")
    for mailbox, messages in SEED.items():
        for marker, flags in messages:
            ok(client.append(quote(mailbox), flags, None,
                             simple_message(marker, subject="Sync test %s" % marker, body="Body of %s." % marker)),
               "APPEND %s to %s" % (marker, mailbox))
    logout(client)
    print("seed: done")


def message_id(header):
    match = re.search(rb"(?im)^Message-ID:\s*<([^>]*)>", header)
    return match.group(1).decode() if match else "?"


def server_state(args):
    client = connect(args, mode="ssl")
    state = {}
    for attrs, name in list_entries(client):
        if "\\noselect" in attrs.lower() or "\\nonexistent" in attrs.lower():
            continue
        count = int(ok(client.select(quote(name), readonly=True), "EXAMINE %s" % name)[0])
        entries = []
        if count:
            data = ok(client.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])"), "FETCH in %s" % name)
            for index, item in enumerate(data):
                if not isinstance(item, tuple):
                    continue
                # FLAGS may come before or after the literal.
                following = data[index + 1] if index + 1 < len(data) and isinstance(data[index + 1], bytes) else b""
                flags = re.search(rb"FLAGS \(([^)]*)\)", item[0] + following)
                flag_list = sorted(f for f in (flags.group(1).decode().split() if flags else []) if f in SYSTEM_FLAGS)
                entries.append([message_id(item[1]), flag_list])
        state[name] = sorted(entries)
        client.close()
    logout(client)
    print(json.dumps(state, sort_keys=True))


def maildir_folders(root):
    """(mailbox name, path) of every Maildir folder below root (SubFolders Verbatim)."""
    for directory, subdirs, _ in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith(".") and d not in ("cur", "new", "tmp"))
        if os.path.isdir(os.path.join(directory, "cur")):
            yield os.path.relpath(directory, root).replace(os.sep, "/"), directory


def maildir_messages(folder):
    for sub in ("new", "cur"):
        path = os.path.join(folder, sub)
        for name in sorted(os.listdir(path)):
            if not name.startswith("."):
                yield sub, name, os.path.join(path, name)


def info_flags(name):
    info = name.split(":2,", 1)[1] if ":2," in name else ""
    return sorted(MAILDIR_FLAGS[c] for c in info if c in MAILDIR_FLAGS)


def local_state(args):
    state, files = {}, []
    for mailbox, folder in maildir_folders(args.maildir):
        entries = []
        for sub, name, path in maildir_messages(folder):
            with open(path, "rb") as handle:
                entries.append([message_id(handle.read(8192)), info_flags(name)])
            files.append("%s/%s/%s" % (mailbox, sub, name))
        state[mailbox] = sorted(entries)
    print(json.dumps({"state": state, "files": sorted(files)}, sort_keys=True))


def find(folder, marker):
    for sub, name, path in maildir_messages(folder):
        with open(path, "rb") as handle:
            if message_id(handle.read(8192)) == marker + "@e2e.test":
                return sub, name, path
    raise AssertionError("%s not found in %s" % (marker, folder))


def modify_local(args):
    folders = dict(maildir_folders(args.maildir))
    check("INBOX" in folders and "Work/Clients" in folders, "local folders: %r" % sorted(folders))
    sub, name, path = find(folders["INBOX"], "sync-s3")
    base, _, info = name.partition(":2,")
    flagged = base + ":2," + "".join(sorted(set(info + "F")))
    os.rename(path, os.path.join(folders["INBOX"], "cur", flagged))
    check(True, "flagged sync-s3 locally (%s -> cur/%s)" % (name, flagged))
    sub, name, path = find(folders["Work/Clients"], "sync-c2")
    os.remove(path)
    check(True, "deleted sync-c2 locally (%s/%s)" % (sub, name))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["seed", "server-state", "local-state", "modify-local"])
    parser.add_argument("--imap-port", type=int, default=0)
    parser.add_argument("--imaps-port", type=int, default=0)
    parser.add_argument("--user", default="")
    parser.add_argument("--password", default="")
    parser.add_argument("--maildir")
    args = parser.parse_args()
    {"seed": seed, "server-state": server_state, "local-state": local_state,
     "modify-local": modify_local}[args.command](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
