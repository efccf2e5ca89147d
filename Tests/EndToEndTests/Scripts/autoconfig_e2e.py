#!/usr/bin/env python3
"""End-to-end check of Tern's client settings discovery.

The client knows only an e-mail address and a password (and where the HTTP
endpoint is, which DNS would tell it): it reads the Thunderbird autoconfig
document, then logs in by IMAP, POP3 and SMTP submission with exactly the
settings it was given, finding the messages it sent. Autodiscover, the Apple profile, the settings page, /healthz and
/metrics are read and parsed too (xml.etree, plistlib), and hostile requests
must get a 4xx while the server keeps serving.
"""
import argparse
import email.message
import http.client
import imaplib
import plistlib
import poplib
import re
import smtplib
import socket
import ssl
import sys
import time
import urllib.parse
import xml.etree.ElementTree as ET

TIMEOUT = 30


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def tls_context():
    # The server's certificate is self-signed in tests.
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def request(args, method, path, body=None, https=False, headers=None):
    if https:
        connection = http.client.HTTPSConnection("127.0.0.1", args.https_port, timeout=TIMEOUT,
                                                 context=tls_context())
    else:
        connection = http.client.HTTPConnection("127.0.0.1", args.http_port, timeout=TIMEOUT)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    result = (response.status, response.getheader("Content-Type", ""), data)
    connection.close()
    return result


def entries(root, element):
    found = []
    for server in root.findall("./emailProvider/" + element):
        found.append({
            "type": server.get("type"),
            "hostname": server.findtext("hostname"),
            "port": int(server.findtext("port")),
            "socketType": server.findtext("socketType"),
            "authentication": server.findtext("authentication"),
            "username": server.findtext("username"),
        })
    return found


def read_autoconfig(args):
    query = urllib.parse.urlencode({"emailaddress": args.address})
    documents = []
    for path, https in [("/.well-known/autoconfig/mail/config-v1.1.xml", False), ("/mail/config-v1.1.xml", True)]:
        status, content_type, body = request(args, "GET", path + "?" + query, https=https)
        check(status == 200, "autoconfig %s: status %d" % (path, status))
        check(content_type.startswith("application/xml"), "autoconfig content type " + content_type)
        root = ET.fromstring(body)
        check(root.tag == "clientConfig" and root.get("version") == "1.1", "clientConfig 1.1 root")
        domain = args.address.split("@")[1]
        check(root.findtext("./emailProvider/domain") == domain, "emailProvider/domain")
        documents.append(root)
    return documents[0]


def expected_entries(spec):
    """'imap/SSL/1993,pop3/STARTTLS/1110' -> sorted tuples."""
    result = []
    for item in filter(None, spec.split(",")):
        kind, socket_type, port = item.split("/")
        result.append((kind, socket_type, int(port)))
    return sorted(result)


def pop3_login(server, user, password):
    if server["socketType"] == "SSL":
        client = poplib.POP3_SSL(server["hostname"], server["port"], timeout=TIMEOUT, context=tls_context())
    else:
        client = poplib.POP3(server["hostname"], server["port"], timeout=TIMEOUT)
        client.stls(context=tls_context())
    client.user(user)
    client.pass_(password)
    return client


def imap_login(server, user, password):
    if server["socketType"] == "SSL":
        client = imaplib.IMAP4_SSL(server["hostname"], server["port"], ssl_context=tls_context(), timeout=TIMEOUT)
    else:
        client = imaplib.IMAP4(server["hostname"], server["port"], timeout=TIMEOUT)
        client.starttls(ssl_context=tls_context())
    client.login(user, password)
    return client


def smtp_login(server, user, password):
    if server["socketType"] == "SSL":
        client = smtplib.SMTP_SSL(server["hostname"], server["port"], timeout=TIMEOUT, context=tls_context())
    else:
        client = smtplib.SMTP(server["hostname"], server["port"], timeout=TIMEOUT)
        client.starttls(context=tls_context())
    client.login(user, password)
    return client


def metric(args, series):
    status, content_type, body = request(args, "GET", "/metrics")
    check(status == 200, "/metrics status %d" % status)
    check(content_type.startswith("text/plain"), "/metrics content type " + content_type)
    values = {}
    for line in body.decode().splitlines():
        if not line or line.startswith("#"):
            continue
        match = re.fullmatch(r'([a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})?) (\S+)', line)
        check(match is not None, "/metrics line is not Prometheus text: %r" % line)
        values[match.group(1)] = float(match.group(3))
    return values.get(series)


def use_the_settings(args, root):
    incoming = entries(root, "incomingServer")
    outgoing = entries(root, "outgoingServer")
    for server in incoming + outgoing:
        check(server["authentication"] == "password-cleartext", "authentication of %r" % server)
        check(server["username"] == "%EMAILADDRESS%", "username of %r" % server)
        check(server["hostname"] == args.host_name, "hostname of %r" % server)
    got_in = sorted((s["type"], s["socketType"], s["port"]) for s in incoming)
    got_out = sorted((s["type"], s["socketType"], s["port"]) for s in outgoing)
    check(got_in == expected_entries(args.expect_incoming), "incoming %r != %r" % (got_in, args.expect_incoming))
    check(got_out == expected_entries(args.expect_outgoing), "outgoing %r != %r" % (got_out, args.expect_outgoing))

    user = lambda server: server["username"].replace("%EMAILADDRESS%", args.address)
    succeeded = 'tern_logins_total{protocol="pop3",result="succeeded"}'
    failed = 'tern_logins_total{protocol="pop3",result="failed"}'
    before_ok, before_failed = metric(args, succeeded), metric(args, failed)
    check(before_ok is not None and before_failed is not None, "login counters in /metrics")

    subjects = []
    for number, server in enumerate(outgoing):
        client = smtp_login(server, user(server), args.password)
        message = email.message.EmailMessage()
        message["From"] = args.address
        message["To"] = args.address
        subject = "autoconfig check %d via %s %d" % (number, server["socketType"], server["port"])
        message["Subject"] = subject
        message.set_content("sent with the settings from the autoconfig document\n")
        client.send_message(message)
        client.quit()
        subjects.append(subject)
        print("smtp %s %d: sent" % (server["socketType"], server["port"]))

    pop3 = [s for s in incoming if s["type"] == "pop3"]
    check(pop3, "a pop3 incomingServer")
    for server in pop3:
        client = pop3_login(server, user(server), args.password)
        count, _ = client.stat()
        texts = [b"\n".join(client.retr(i)[1]).decode(errors="replace") for i in range(1, count + 1)]
        client.quit()
        for subject in subjects:
            check(any(subject in text for text in texts), "message %r read back by pop3 %d" % (subject, server["port"]))
        print("pop3 %s %d: %d messages, all sent ones present" % (server["socketType"], server["port"], count))

    imap = [s for s in incoming if s["type"] == "imap"]
    imap_before = metric(args, 'tern_logins_total{protocol="imap",result="succeeded"}')
    for server in imap:
        client = imap_login(server, user(server), args.password)
        typ, data = client.select("INBOX", readonly=True)
        check(typ == "OK", "imap select %r" % data)
        for subject in subjects:
            typ, data = client.search(None, "SUBJECT", '"%s"' % subject)
            check(typ == "OK" and data[0].split(), "message %r found by imap %d" % (subject, server["port"]))
        client.logout()
        print("imap %s %d: all sent messages found" % (server["socketType"], server["port"]))
    if imap:
        imap_after = metric(args, 'tern_logins_total{protocol="imap",result="succeeded"}')
        check(imap_after >= imap_before + len(imap), "imap logins succeeded %s -> %s" % (imap_before, imap_after))

    try:
        pop3_login(pop3[0], args.address, args.password + "-wrong")
        fail("a wrong password logged in")
    except poplib.error_proto:
        pass
    after_ok, after_failed = metric(args, succeeded), metric(args, failed)
    check(after_ok >= before_ok + len(pop3), "pop3 logins succeeded %s -> %s" % (before_ok, after_ok))
    check(after_failed >= before_failed + 1, "pop3 logins failed %s -> %s" % (before_failed, after_failed))
    print("metrics: pop3 logins succeeded %d -> %d, failed %d -> %d"
          % (before_ok, after_ok, before_failed, after_failed))


def other_documents(args):
    body = ("<?xml version=\"1.0\" encoding=\"utf-8\"?>"
            "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006\">"
            "<Request><EMailAddress>%s</EMailAddress><AcceptableResponseSchema>"
            "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
            "</AcceptableResponseSchema></Request></Autodiscover>" % args.address)
    status, _, data = request(args, "POST", "/autodiscover/autodiscover.xml", body=body.encode(), https=True,
                              headers={"Content-Type": "text/xml"})
    check(status == 200, "autodiscover status %d" % status)
    ns = {"r": "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"}
    protocols = ET.fromstring(data).findall(".//r:Protocol", ns)
    got = sorted((p.findtext("r:Type", namespaces=ns), p.findtext("r:Encryption", namespaces=ns),
                  int(p.findtext("r:Port", namespaces=ns))) for p in protocols)
    expected = sorted([(k.upper(), "SSL" if s == "SSL" else "TLS", p) for k, s, p in expected_entries(args.expect_incoming)]
                      + [("SMTP", "SSL" if s == "SSL" else "TLS", p) for _, s, p in expected_entries(args.expect_outgoing)])
    check(got == expected, "autodiscover protocols %r != %r" % (got, expected))
    for p in protocols:
        check(p.findtext("r:LoginName", namespaces=ns) == args.address, "LoginName")
        check(p.findtext("r:Server", namespaces=ns) == args.host_name, "Server")
    print("autodiscover: %d protocols" % len(protocols))

    status, content_type, data = request(args, "GET", "/apple/mobileconfig?" + urllib.parse.urlencode({"email": args.address}))
    check(status == 200 and content_type == "application/x-apple-aspen-config", "mobileconfig %d %s" % (status, content_type))
    profile = plistlib.loads(data)
    mail = profile["PayloadContent"][0]
    check(mail["PayloadType"] == "com.apple.mail.managed", "mail payload type")
    check(mail["EmailAddress"] == args.address and mail["IncomingMailServerUsername"] == args.address, "profile user")
    check(mail["IncomingMailServerHostName"] == args.host_name, "profile host")
    print("mobileconfig: %s %s:%d" % (mail["EmailAccountType"], mail["IncomingMailServerHostName"],
                                      mail["IncomingMailServerPortNumber"]))

    status, content_type, data = request(args, "GET", "/?" + urllib.parse.urlencode({"email": args.address}))
    check(status == 200 and content_type.startswith("text/html") and args.address.encode() in data, "settings page")


def hostile(args):
    domain = args.address.split("@")[1]
    cases = [
        ("GET", "/no/such/path", None, 404),
        ("GET", "/mail/config-v1.1.xml?emailaddress=someone%40not-local.example", None, 404),
        ("GET", "/mail/config-v1.1.xml?emailaddress=%3Cscript%3E%40" + domain, None, 400),
        ("GET", "/mail/config-v1.1.xml?emailaddress=a%40" + domain + "%0d%0aSet-Cookie:%20x", None, 400),
        ("POST", "/autodiscover/autodiscover.xml", b"<Autodiscover><Request>", 400),
        ("POST", "/autodiscover/autodiscover.xml",
         b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><Autodiscover>&x;</Autodiscover>',
         400),
        ("POST", "/autodiscover/autodiscover.xml", b"x" * 200000, 413),
    ]
    for method, path, body, expected in cases:
        try:
            status, _, data = request(args, method, path, body=body)
        except (ConnectionError, http.client.HTTPException) as error:
            # A huge body may be cut off once the server has answered 413 and closed.
            check(expected == 413, "%s %s: %r" % (method, path, error))
            continue
        check(status == expected, "%s %s: status %d, expected %d" % (method, path, status, expected))
        check(b"<script>" not in data, "%s %s echoed markup" % (method, path))
    with socket.create_connection(("127.0.0.1", args.http_port), timeout=TIMEOUT) as raw:
        raw.sendall(b"\x00\x01 garbage \xff\r\n\r\n")
        reply = raw.recv(100)
        check(reply.startswith(b"HTTP/1.1 400"), "garbage request: %r" % reply)
    status, _, data = request(args, "GET", "/healthz")
    check(status == 200 and data == b"ok\n", "healthz after hostile input: %d %r" % (status, data))
    print("hostile: %d cases answered 4xx, server healthy" % (len(cases) + 1))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--http-port", type=int, required=True)
    parser.add_argument("--https-port", type=int, required=True)
    parser.add_argument("--address", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--host-name", required=True, help="expected hostname in the documents")
    parser.add_argument("--expect-incoming", required=True, help="imap/SSL/993,pop3/STARTTLS/110,...")
    parser.add_argument("--expect-outgoing", required=True, help="smtp/SSL/465,...")
    args = parser.parse_args()
    root = read_autoconfig(args)
    use_the_settings(args, root)
    other_documents(args)
    hostile(args)
    print("autoconfig: all checks passed")


if __name__ == "__main__":
    main()
