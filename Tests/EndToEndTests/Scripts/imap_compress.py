#!/usr/bin/env python3
"""COMPRESS=DEFLATE (RFC 4978) end to end: Python's imaplib with zlib
wired in by hand (raw DEFLATE, wbits -15) over IMAPS and over STARTTLS.

Checks: the capability, a whole session compressed (SELECT, APPEND of a
large literal sent in pieces with partial, sync and full flushes, FETCH
back byte-exact, a second COMPRESS refused with COMPRESSIONACTIVE, LOGOUT),
fewer bytes on the wire than inflated, a garbage stream closing only its
own connection, and a decompression bomb (a line of 256 MiB that deflates
to a few hundred KiB) answered without the server's memory growing with it.

Loopback only; every socket has a timeout. Exit status 0 when every check passed.
"""
import imaplib
import random
import sys
import time
import zlib

from imap_common import TIMEOUT, RawIMAP, check, ok, quote, rss_kib, simple_message, tls_context, server_parser

imaplib.Commands.setdefault("COMPRESS", ("AUTH", "SELECTED"))
MIB = 1024 * 1024


class Deflating:
    """Mixed into imaplib's classes: after `start_compression`, every byte
    sent is deflated (in small pieces with assorted flushes) and every byte
    read is inflated."""

    def start_compression(self):
        typ, data = self._simple_command("COMPRESS", "DEFLATE")
        result = self._untagged_response(typ, data, "COMPRESS")
        self.deflater = zlib.compressobj(6, zlib.DEFLATED, -15)
        self.inflater = zlib.decompressobj(-15)
        self.inflated = b""
        self.wire_in = 0
        self.plain_in = 0
        self.random = random.Random(4978)
        return result

    def send(self, data):
        if not hasattr(self, "deflater"):
            return super().send(data)
        out = b""
        position = 0
        while position < len(data):
            size = self.random.choice([1, 7, 100, 4096, 65536])
            piece = data[position:position + size]
            position += size
            flush = self.random.choice([zlib.Z_NO_FLUSH, zlib.Z_PARTIAL_FLUSH, zlib.Z_SYNC_FLUSH, zlib.Z_FULL_FLUSH])
            out += self.deflater.compress(piece)
            if flush != zlib.Z_NO_FLUSH:
                out += self.deflater.flush(flush)
                self.sock.sendall(out)
                out = b""
        self.sock.sendall(out + self.deflater.flush(zlib.Z_SYNC_FLUSH))

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise imaplib.IMAP4.abort("connection closed")
        self.wire_in += len(chunk)
        plain = self.inflater.decompress(chunk)
        self.plain_in += len(plain)
        self.inflated += plain

    def read(self, size):
        if not hasattr(self, "deflater"):
            return super().read(size)
        while len(self.inflated) < size:
            self._fill()
        data, self.inflated = self.inflated[:size], self.inflated[size:]
        return data

    def readline(self):
        if not hasattr(self, "deflater"):
            return super().readline()
        while b"\n" not in self.inflated:
            self._fill()
        line, self.inflated = self.inflated.split(b"\n", 1)
        return line + b"\n"


class DeflatingIMAP4(Deflating, imaplib.IMAP4):
    pass


class DeflatingIMAP4_SSL(Deflating, imaplib.IMAP4_SSL):
    pass


def connect(args, mode):
    if mode == "ssl":
        client = DeflatingIMAP4_SSL("127.0.0.1", args.imaps_port, ssl_context=tls_context(), timeout=TIMEOUT)
    else:
        client = DeflatingIMAP4("127.0.0.1", args.imap_port, timeout=TIMEOUT)
        ok(client.starttls(ssl_context=tls_context()), "STARTTLS")
    check("COMPRESS=DEFLATE" not in client.capabilities, "COMPRESS is not offered before login")
    ok(client.login(args.user, args.password), "LOGIN %s" % mode)
    capabilities = ok(client.capability(), "CAPABILITY")[0].split()
    check(b"COMPRESS=DEFLATE" in capabilities, "COMPRESS=DEFLATE offered after login (%s)" % mode)
    return client


def session(args, mode):
    client = connect(args, mode)
    ok(client.start_compression(), "COMPRESS DEFLATE (%s)" % mode)
    capabilities = ok(client.capability(), "CAPABILITY, compressed")[0].split()
    check(b"COMPRESS=DEFLATE" not in capabilities, "COMPRESS no longer offered once on")
    typ, data = client._simple_command("COMPRESS", "DEFLATE")
    check(typ == "NO" and b"COMPRESSIONACTIVE" in (data[0] or b"") if data else False,
          "a second COMPRESS: NO [COMPRESSIONACTIVE]: %s %r" % (typ, data))
    count = int(ok(client.select("INBOX"), "SELECT, compressed")[0])

    # A 1.3 MiB message: mostly compressible text, some random hex (under the 2 MB test APPENDLIMIT).
    marker = "compress-%s-%d" % (mode, int(time.time() * 1000))
    text = "".join("Line %d of a long and repetitive message.\r\n" % n for n in range(6000))
    noise = "".join("%064x\r\n" % random.Random(n).getrandbits(256) for n in range(6000))
    message = simple_message(marker, subject=marker, body=text + noise)
    ok(client.append("INBOX", "(\\Seen)", None, message), "APPEND %d bytes in pieces with partial flushes" % len(message))
    ok(client.noop(), "NOOP")
    found = ok(client.search(None, "SUBJECT", marker), "SEARCH SUBJECT")[0].split()
    check(len(found) == 1, "the message is found: %r" % found)
    before = (client.wire_in, client.plain_in)
    data = ok(client.fetch(found[0], "(BODY.PEEK[])"), "FETCH BODY[]")
    check(data[0][1] == message, "the message comes back byte for byte (%d bytes)" % len(message))
    wire, plain = client.wire_in - before[0], client.plain_in - before[1]
    check(wire < plain * 0.8, "the FETCH was compressed: %d bytes on the wire for %d" % (wire, plain))
    ok(client.store(found[0], "+FLAGS.SILENT", "(\\Deleted)"), "STORE \\Deleted")
    ok(client.expunge(), "EXPUNGE")
    check(int(ok(client.select("INBOX"), "SELECT again")[0]) == count, "back to %d messages" % count)
    typ, _ = client.logout()
    check(typ == "BYE", "LOGOUT, compressed: %s" % typ)


class RawDeflating(RawIMAP):
    """The raw client (exact bytes) with DEFLATE after `compress()`."""

    def compress(self, tag=b"Z"):
        lines = self.command(tag, b"COMPRESS DEFLATE")
        check(lines[-1].startswith(tag + b" OK"), "raw COMPRESS: %r" % lines[-1])
        self.deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
        self.inflater = zlib.decompressobj(-15)

    def send_raw(self, data):
        RawIMAP.send(self, data)

    def send(self, data):
        if hasattr(self, "deflater"):
            data = self.deflater.compress(data) + self.deflater.flush(zlib.Z_SYNC_FLUSH)
        RawIMAP.send(self, data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("connection closed")
        self.buffer += self.inflater.decompress(chunk) if hasattr(self, "inflater") else chunk


def raw_compressed(args):
    raw = RawDeflating(args.imaps_port, tls=True)
    check(raw.line().startswith(b"* OK"), "greeting")
    lines = raw.command(b"L", b"LOGIN " + quote(args.user).encode() + b" " + quote(args.password).encode())
    check(lines[-1].startswith(b"L OK"), "raw LOGIN")
    raw.compress()
    return raw


def hostile(args):
    # Garbage instead of a DEFLATE stream: that connection ends, no other.
    bystander = raw_compressed(args)
    garbage = raw_compressed(args)
    garbage.send_raw(b"\xff\xff\xff\xff\x12\x34 not deflate at all \x00\x01\x02")
    check(garbage.closed(), "a garbage stream closes its connection")
    garbage.close()
    check(bystander.command(b"N", b"NOOP")[-1].startswith(b"N OK"), "another compressed session goes on")

    # A decompression bomb: one 256 MiB line without CRLF, a few hundred KiB deflated.
    before = rss_kib(args.server_pid) if args.server_pid else None
    bomb = raw_compressed(args)
    deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = b"A" * MIB
    sent = 0
    answer = []
    try:
        bomb.send_raw(deflater.compress(b"X NOOP "))
        for _ in range(256):
            piece = deflater.compress(block)
            if piece:
                bomb.send_raw(piece)
                sent += len(piece)
        bomb.send_raw(deflater.flush(zlib.Z_SYNC_FLUSH) + b"")
        answer = [bomb.line()]
    except (EOFError, OSError) as error:
        answer = ["closed: %s" % error]
    check(sent < 2 * MIB, "the bomb deflated to %d bytes" % sent)
    check(answer and (isinstance(answer[0], str) or b"BAD" in answer[0] or b"BYE" in answer[0]),
          "the overlong line is refused: %r" % answer[:1])
    bomb.close()
    if before is not None:
        after = rss_kib(args.server_pid)
        check(after - before < 128 * 1024, "server memory grew by %d KiB, not by the inflated size" % (after - before))
    check(bystander.command(b"M", b"NOOP")[-1].startswith(b"M OK"), "the server still serves")
    bystander.close()


def main():
    parser = server_parser(__doc__)
    parser.add_argument("--server-pid", type=int)
    args = parser.parse_args()
    session(args, "ssl")
    session(args, "starttls")
    hostile(args)
    print("compress: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
