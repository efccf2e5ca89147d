#!/usr/bin/env python3
"""Retrieve a POP3 mailbox with fetchmail (Debian) and compare with the source mbox.

usage: fetchmail_e2e.py --port P --user U --password PW --mbox SOURCE --workdir DIR
                        [--ssl] [--keep] [--timeout 240]

fetchmail runs with its own rc file in DIR (mode 0600, FETCHMAILHOME=DIR),
--invisible (no Received: header), no address rewriting, --nosslcertck, and an
MDA that appends each message to DIR/delivered after a separator line. The
delivered messages must be byte-identical (CRLF-normalised) to the source
mbox's messages, in order. Without --keep, fetchmail deletes what it retrieved
and a final poplib STAT must show an empty mailbox.
"""
import argparse
import os
import poplib
import ssl
import subprocess
import sys

import mboxlib

SEP = b"=====TERN-E2E-MESSAGE-SEPARATOR====="


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--mbox", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--ssl", action="store_true")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--timeout", type=float, default=240)
    a = ap.parse_args()
    if not a.host.startswith("127."):
        sys.exit("refusing non-loopback host")
    sources = mboxlib.read_mbox(a.mbox)
    os.makedirs(a.workdir, exist_ok=True)
    out = os.path.join(a.workdir, "delivered")
    if os.path.exists(out):
        os.unlink(out)
    mda = os.path.join(a.workdir, "mda.sh")
    with open(mda, "w") as f:
        f.write("#!/bin/sh\n{ echo '%s'; cat; } >> '%s'\n" % (SEP.decode(), out))
    os.chmod(mda, 0o755)
    rc = os.path.join(a.workdir, "fetchmailrc")
    with open(rc, "w") as f:
        f.write('set no syslog\nset no bouncemail\n'
                'poll %s service %d protocol POP3 auth password timeout 60:\n'
                '  user "%s" there with password "%s" is "%s" here\n'
                % (a.host, a.port, a.user, a.password.replace('"', '\\"'), "tern-e2e"))
    os.chmod(rc, 0o600)
    cmd = ["fetchmail", "-f", rc, "--nodetach", "--invisible", "--norewrite", "--fetchall",
           "--mda", mda, "-v"]
    if a.ssl:
        cmd += ["--ssl", "--nosslcertck"]
    if a.keep:
        cmd += ["--keep"]
    env = dict(os.environ, FETCHMAILHOME=a.workdir, HOME=a.workdir, LC_ALL="C")
    try:
        r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=a.timeout)
    except subprocess.TimeoutExpired:
        print("FAIL: fetchmail did not finish in %.0f s" % a.timeout)
        return 1
    log = r.stdout.decode("utf-8", "replace")
    # fetchmail: 0 = mail retrieved, 1 = no mail
    if r.returncode != 0:
        print(log[-4000:])
        print("FAIL: fetchmail exited with %d" % r.returncode)
        return 1
    data = open(out, "rb").read() if os.path.exists(out) else b""
    parts = data.split(SEP + b"\n")
    got = [mboxlib.crlf(p) for p in parts[1:]]
    if len(got) != len(sources):
        print(log[-3000:])
        print("FAIL: fetchmail delivered %d messages, source has %d" % (len(got), len(sources)))
        return 1
    for i, (g, s) in enumerate(zip(got, sources), 1):
        if g != s:
            k = next((j for j in range(min(len(s), len(g))) if s[j] != g[j]), min(len(s), len(g)))
            print("FAIL: message %d differs from the source at byte %d (%d vs %d bytes): "
                  "source %r, fetchmail %r" % (i, k, len(s), len(g), s[max(0, k - 60):k + 60],
                                               g[max(0, k - 60):k + 60]))
            return 1
    if not a.keep:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        p = (poplib.POP3_SSL(a.host, a.port, timeout=20, context=ctx) if a.ssl
             else poplib.POP3(a.host, a.port, timeout=20))
        p.user(a.user)
        p.pass_(a.password)
        n, _ = p.stat()
        p.quit()
        if n != 0:
            print("FAIL: %d messages left on the server after fetchmail deleted them" % n)
            return 1
    print("OK fetchmail: %d messages, %d bytes, byte-identical" % (len(got), sum(map(len, got))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
