#!/usr/bin/env python3
"""
fake_smtp.py - a loopback fake of the SES SMTP interface, for the AUTH-only check.

    fake_smtp.py --state STATE.json --cert SERVER.pem --key SERVER.key \
                 --port-file PORT [--log LOG.jsonl] [--no-starttls]

Python 3 standard library only (socketserver + ssl). Binds 127.0.0.1 on a free port
(written to --port-file once listening). Behaves like SES's SMTP endpoint as described
in AWS-NOTES 7.2-7.3:

    220 greeting
    EHLO/HELO     advertises STARTTLS before TLS, AUTH PLAIN LOGIN only after it
    STARTTLS      220, then the TLS handshake; the session starts over (EHLO again)
    AUTH          before STARTTLS: 530 Must issue a STARTTLS command first
                  AUTH PLAIN (with or without an initial response), AUTH LOGIN (with or
                  without the user name as initial response); "*" cancels (501)
                  235 Authentication successful / 535 Authentication Credentials Invalid
    NOOP 250, RSET 250, QUIT 221
    MAIL, RCPT, DATA (and any unknown command that could move mail: SEND, SOML,
    SAML, BDAT, VRFY, EXPN, TURN, ETRN) -> logged with "forbidden": true and answered
    554 (the test requires that sesame never sends them)
    anything else -> 502

State file (JSON): {"users": {USER: PASSWORD, ...}} (or the USER map itself). USER is
the access key ID; PASSWORD is the SES SMTP password the test computed from the secret
(AWS-NOTES 7.1). A value may also be {"password": ..., "reply": "454 ..."} to make
that user's AUTH answer a fixed reply instead (temporary failures).

--no-starttls: play a downgrading man in the middle: no STARTTLS in EHLO (454 to the
command), AUTH PLAIN LOGIN advertised and accepted in clear text. A client that requires
TLS must never send AUTH to it.

--bogus-ehlo-235: after STARTTLS, answer EHLO with a lone "235 Authentication
successful" and advertise no AUTH: a client that takes any 235 for a login (libcurl
skips AUTH when none is advertised, and still succeeds) would call the password live
without ever sending it.

--log FILE: one JSON object per command and line: {"cmd", "arg", "tls", "reply",
"forbidden", "user", "mech", "t"}, and one {"cmd": "CONNECT"} per connection, before
its greeting (so "no SMTP session at all" is an empty log). AUTH lines never carry
their argument (it holds the password); the user name is logged after decoding, the
password never.
"""

import argparse
import base64
import binascii
import json
import os
import socketserver
import ssl
import sys
import threading
import time
from serve import announce_and_serve  # tests/support, next to this file

MAIL_VERBS = {"MAIL", "RCPT", "DATA", "SEND", "SOML", "SAML", "BDAT", "VRFY", "EXPN",
              "TURN", "ETRN"}


class Log:
    def __init__(self, path):
        self.f = open(path, "a", encoding="utf-8") if path else None
        self.lock = threading.Lock()

    def write(self, entry):
        if not self.f:
            return
        entry["t"] = round(time.time(), 3)
        with self.lock:
            self.f.write(json.dumps(entry, sort_keys=True) + "\n")
            self.f.flush()


class Closed(Exception):
    pass


class Handler(socketserver.StreamRequestHandler):
    timeout = 30

    def setup(self):
        super().setup()
        self.tls = False

    def reply(self, line):
        self.wfile.write((line + "\r\n").encode("ascii"))
        self.wfile.flush()
        return int(line[:3])

    def readline(self):
        line = self.rfile.readline(4096)
        if not line:
            raise Closed()
        return line.decode("utf-8", "replace").rstrip("\r\n")

    def log(self, **kw):
        kw.setdefault("tls", self.tls)
        self.server.log.write(kw)

    def start_tls(self):
        self.wfile.flush()
        conn = self.server.ctx.wrap_socket(self.connection, server_side=True)
        self.connection = self.request = conn
        self.rfile = conn.makefile("rb", self.rbufsize)
        self.wfile = socketserver._SocketWriter(conn)
        self.tls = True

    def handle(self):
        try:
            self.session()
        except (Closed, ConnectionError, ssl.SSLError, OSError):
            pass

    def session(self):
        code = self.reply("220 email-smtp.amazonaws.com ESMTP SimpleEmailService-fake "
                          "sesame-test")
        self.log(cmd="CONNECT", reply=code)  # a connection that never sends a command shows too
        ehlo = False
        while True:
            line = self.readline()
            verb, _, arg = line.partition(" ")
            verb = verb.upper()
            if verb in ("EHLO", "HELO"):
                ehlo = True
                if verb == "HELO":
                    code = self.reply("250 email-smtp.amazonaws.com")
                else:
                    if self.tls and self.server.bogus_ehlo_235:
                        self.log(cmd=verb, arg=arg, reply=self.reply(
                            "235 Authentication successful."))
                        continue
                    lines = ["email-smtp.amazonaws.com", "8BITMIME", "SIZE 10485760"]
                    if self.server.no_starttls:
                        lines.append("AUTH PLAIN LOGIN")
                    else:
                        lines.append("AUTH PLAIN LOGIN" if self.tls else "STARTTLS")
                    lines.append("Ok")
                    for l in lines[:-1]:
                        self.reply("250-" + l)
                    code = self.reply("250 " + lines[-1])
                self.log(cmd=verb, arg=arg, reply=code)
            elif verb == "STARTTLS":
                if self.server.no_starttls:
                    code = self.reply("454 TLS not available")
                    self.log(cmd=verb, reply=code)
                    continue
                if self.tls:
                    code = self.reply("503 TLS already active")
                    self.log(cmd=verb, reply=code)
                    continue
                code = self.reply("220 Ready to start TLS")
                self.log(cmd=verb, reply=code)
                self.start_tls()
                ehlo = False
            elif verb == "AUTH":
                mech = arg.split(" ", 1)[0].upper()
                if not self.tls and not self.server.no_starttls:
                    code = self.reply("530 Must issue a STARTTLS command first")
                    self.log(cmd=verb, mech=mech, reply=code)
                    continue
                if not ehlo:
                    code = self.reply("503 Send EHLO first")
                    self.log(cmd=verb, mech=mech, reply=code)
                    continue
                self.auth(mech, arg.split(" ", 1)[1] if " " in arg else None)
            elif verb == "NOOP":
                self.log(cmd=verb, reply=self.reply("250 Ok"))
            elif verb == "RSET":
                self.log(cmd=verb, reply=self.reply("250 Ok"))
            elif verb == "QUIT":
                self.log(cmd=verb, reply=self.reply("221 Bye"))
                return
            elif verb in MAIL_VERBS:
                # never answered with anything that would let a message through
                code = self.reply("554 Transaction failed: not allowed in this test")
                self.log(cmd=verb, arg=arg[:200], reply=code, forbidden=True)
            else:
                code = self.reply("502 Command not implemented")
                self.log(cmd=verb, arg=arg[:200], reply=code, forbidden=verb not in (
                    "HELP",))

    def b64(self, s):
        try:
            return base64.b64decode(s.strip(), validate=True).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return None

    def auth(self, mech, initial):
        user = password = None
        if mech == "PLAIN":
            if initial is None:
                self.reply("334 ")
                initial = self.readline()
            if initial.strip() == "*":
                self.log(cmd="AUTH", mech=mech, reply=self.reply("501 Authentication "
                                                                  "cancelled"))
                return
            raw = self.b64(initial)
            parts = raw.split("\0") if raw is not None else []
            if len(parts) != 3:
                self.log(cmd="AUTH", mech=mech, reply=self.reply(
                    "501 Invalid base64 data in AUTH PLAIN"))
                return
            _, user, password = parts
        elif mech == "LOGIN":
            if initial is None:
                self.reply("334 VXNlcm5hbWU6")
                initial = self.readline()
            if initial.strip() == "*":
                self.log(cmd="AUTH", mech=mech, reply=self.reply("501 Authentication "
                                                                  "cancelled"))
                return
            user = self.b64(initial)
            self.reply("334 UGFzc3dvcmQ6")
            line = self.readline()
            if line.strip() == "*":
                self.log(cmd="AUTH", mech=mech, user=user, reply=self.reply(
                    "501 Authentication cancelled"))
                return
            password = self.b64(line)
            if user is None or password is None:
                self.log(cmd="AUTH", mech=mech, reply=self.reply(
                    "501 Invalid base64 data"))
                return
        else:
            self.log(cmd="AUTH", mech=mech, reply=self.reply(
                "504 Unrecognized authentication type"))
            return
        want = self.server.users.get(user)
        fixed = None
        if isinstance(want, dict):
            fixed = want.get("reply")
            want = want.get("password")
        if fixed:
            code = self.reply(fixed)
        elif want is not None and password == want:
            code = self.reply("235 Authentication successful.")
        else:
            code = self.reply("535 Authentication Credentials Invalid")
        self.log(cmd="AUTH", mech=mech, user=user, reply=code)


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        e = sys.exc_info()[1]
        print(f"fake_smtp: {type(e).__name__}: {e}", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--state", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    ap.add_argument("--no-starttls", action="store_true")
    ap.add_argument("--bogus-ehlo-235", action="store_true")
    a = ap.parse_args()

    with open(a.state, encoding="utf-8") as f:
        doc = json.load(f)
    srv = Server(("127.0.0.1", 0), Handler)
    srv.users = doc.get("users", doc) if isinstance(doc, dict) else {}
    srv.log = Log(a.log)
    srv.no_starttls = a.no_starttls
    srv.bogus_ehlo_235 = a.bogus_ehlo_235
    srv.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    srv.ctx.load_cert_chain(a.cert, a.key)
    return announce_and_serve(srv, a.port_file)


if __name__ == "__main__":
    sys.exit(main())
