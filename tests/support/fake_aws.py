#!/usr/bin/env python3
"""
fake_aws.py - a loopback fake of the four read-only AWS calls sesame's verifier makes.

    fake_aws.py --state STATE.json --cert SERVER.pem --key SERVER.key \
                --port-file PORT [--log LOG.jsonl] [--delay-ms N]

Python 3 standard library only. It binds 127.0.0.1 on a free port (written to
--port-file once listening) and speaks HTTPS (HTTP/1.1, keep-alive) with the given
certificate. It stands in for every AWS endpoint at once: the service is taken from
the SigV4 credential scope, as real endpoints would be told apart by host name, so
the test points AWS_ENDPOINT_URL_STS / _IAM / _SES / _SESV2 all at it.

Signatures are checked for real, with this file's own SigV4 implementation (AWS-NOTES
section 3.1), independent of sesame's C signer: the canonical request is rebuilt from
the method, path and query as received, the received values of the headers listed in
SignedHeaders, and the SHA-256 of the received body; the signing key is derived with
hmac/hashlib from the secret in the state file; the signatures are compared in
constant time. X-Amz-Date must be within 15 minutes of this machine's clock and must
agree with the scope date; host and x-amz-date must be signed; ASIA keys (and any key
with a session_token in the state) need a signed X-Amz-Security-Token equal to the
state's token.

Routes (anything else is answered 400 and logged with code FORBIDDEN, so a test that
requires a FORBIDDEN-free log fails loudly if sesame ever sends another request):
    sts   POST /  Action=GetCallerIdentity   Version=2011-06-15   (XML)
    iam   POST /  Action=GetAccessKeyLastUsed Version=2010-05-08 AccessKeyId=...  (XML)
    ses   POST /  Action=GetSendQuota        Version=2010-12-01   (XML)
    ses   GET  /v2/email/account                                   (JSON, SESv2)
and the SES sending-evidence calls of fake_aws_ses.py (GetSendStatistics,
ListEmailIdentities, GetEmailIdentityPolicies; their state is documented there).
Responses and errors use AWS's shapes (AWS-NOTES 4.2, 4.4, 5.1, 6.1): query-protocol
services answer <ErrorResponse xmlns="..."> with the service's namespace; SESv2 answers
JSON {"message": ...} with the error code in the x-amzn-ErrorType header.

State file (JSON): {"keys": {KEY_ID: KEY, ...}} (or the KEY_ID map itself), where KEY is
    secret          the secret access key
    session_token   (optional) required in X-Amz-Security-Token
    expired         (optional) true: the session token has expired -> ExpiredToken
    account, arn, user_id, user_name (user_name defaults to the ARN's last part)
    last_used       {"date": ISO-8601 or null, "service": ..., "region": ...} or null
                    (null = never used: ServiceName/Region "N/A", no LastUsedDate)
    iam_access      "allow" (default) or "deny" (AccessDenied on GetAccessKeyLastUsed);
                    a key may only read keys of its own account, and not those listed
                    in iam_deny_targets
    ses             {REGION: {"production": bool, "sending_enabled": bool,
                    "enforcement": "HEALTHY", "max_24h": n, "max_rate": n,
                    "sent_24h": n} or "deny"}; a region not listed answers as a
                    sandbox account (200 per day, 1 per second, nothing sent);
                    "*" is the default for every region not listed
    behaviour       fault injection, a list of names, each optionally "@service"
                    (sts, iam, ses, sesv2) or "@Action" (GetSendStatistics, ...) to
                    limit it to one service or one call:
        throttle_once / throttle_always   400 Throttling (SESv2: 429 TooManyRequests)
        error_500_once / error_500_always 500 InternalFailure
        slow            sleep "slow_seconds" (default 4) before answering normally
        malformed_xml   200 with a truncated body (a broken element, not AWS's shape)
        reset           close the connection with a TCP RST, no response
        captive_portal  an HTML "403 Forbidden" page (captive_portal_200: the same
                        page with status 200)
        redirect        307 to https://sts.redirected.example/ (a client must not follow
                        it with the signed request)
        skew            403 SignatureDoesNotMatch "Signature expired: ..." (clock skew:
                        the client's clock is behind)
        skew_future     403 SignatureDoesNotMatch "Signature not yet current: ... is
                        still later than ..." (the client's clock is ahead)
      and answers that are broken on the way (issue 11): the request is authenticated
      and answered as usual, then the 200 answer is sent damaged:
        truncated_body  cut inside the last value of its first group (STS:
                        "...<Account>1234", exactly the case of the issue; IAM <Region>,
                        SES <MaxSendRate>; JSON: half the body), Content-Length to match
        short_content_length  the whole body, but a Content-Length that ends at the same
                        cut (the connection is closed after it)
        long_content_length   a Content-Length 64 bytes longer than the body, then the
                        connection is closed (the client sees a transfer cut short)
        empty_200       no body at all
        duplicate_field that value twice, with different values (JSON: SendingEnabled
                        twice, true and false)
        trailing_garbage      a second element (JSON: a second value) after the answer
        oversized_body  the whole answer followed by 1 MiB + 4 KiB of spaces (well-formed
                        as sent, but past the client's 1 MiB cap: cut by the client)
    Faults are applied after the request was parsed and logged, before the answer.
Unknown key IDs answer 403 InvalidClientTokenId; a wrong signature 403
SignatureDoesNotMatch; an X-Amz-Date more than 15 minutes off the clock 403
SignatureDoesNotMatch "Signature expired: ...".

--log FILE: one JSON object per request and line (appended, flushed at once):
    method, path, query, host, service (from the credential scope), region (scope),
    action (the form Action, or "GetAccount" for GET /v2/email/account), key_id,
    target (IAM: the AccessKeyId asked about), sig ("ok", "bad", "none"),
    token (X-Amz-Security-Token present), status (HTTP), code (the AWS error code, "OK",
    "FORBIDDEN", or the fault: "reset", "slow", "malformed_xml", "captive_portal"),
    behaviour (the fault applied, or null), ua, t (seconds since the epoch), inflight
    (requests being handled when this one arrived, itself included), conn (the number of
    the TLS connection it came on, from 1: one handshake per connection, so the highest
    number is the number of handshakes).
No secret, token or signature is ever written to the log.
--delay-ms N: sleep N ms before every answer (the verification benchmark).
--self-test: check this file's SigV4 signer against AWS's published vectors (AWS-NOTES
3.2, 3.3), and fakekeys.py's SMTP password derivation and account decoding (7.1, 2),
then exit. The tests make their fake keys with fakekeys.py, next to this file.
"""

import argparse
import calendar
import datetime
import hashlib
import hmac
import itertools
import json
import os
import re
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import fake_aws_ses  # tests/support, next to this file
from serve import announce_and_serve  # tests/support, next to this file

NS = {
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "ses": "http://ses.amazonaws.com/doc/2010-12-01/",
}
# (scope service, method, action) -> required Version
ROUTES = {
    ("sts", "POST", "GetCallerIdentity"): "2011-06-15",
    ("iam", "POST", "GetAccessKeyLastUsed"): "2010-05-08",
    ("ses", "POST", "GetSendQuota"): "2010-12-01",
    ("ses", "POST", "GetSendStatistics"): "2010-12-01",
}
SESV2_PATH = "/v2/email/account"
MAX_SKEW = 15 * 60
MAX_BODY = 1 << 20

SANDBOX = {"production": False, "sending_enabled": True, "enforcement": "HEALTHY",
           "max_24h": 200.0, "max_rate": 1.0, "sent_24h": 0.0}

MSG = {
    "InvalidClientTokenId": "The security token included in the request is invalid.",
    "SignatureDoesNotMatch": "The request signature we calculated does not match the "
                             "signature you provided. Check your AWS Secret Access Key and "
                             "signing method. Consult the service documentation for details.",
    "ExpiredToken": "The security token included in the request is expired",
    "Throttling": "Rate exceeded",
    "InternalFailure": "An internal error occurred. Try again.",
    "MissingAuthenticationToken": "Request is missing Authentication Token",
    "IncompleteSignature": "The request signature does not conform to AWS standards.",
}
# SESv2 (REST-JSON) spellings of the same conditions (AWS-NOTES 4.4)
JSON_CODE = {
    "InvalidClientTokenId": ("UnrecognizedClientException", 403),
    "SignatureDoesNotMatch": ("InvalidSignatureException", 403),
    "ExpiredToken": ("ExpiredTokenException", 403),
    "Throttling": ("TooManyRequestsException", 429),
    "InternalFailure": ("InternalFailure", 500),
    "AccessDenied": ("AccessDeniedException", 403),
    "MissingAuthenticationToken": ("MissingAuthenticationTokenException", 403),
    "IncompleteSignature": ("IncompleteSignatureException", 403),
}

PORTAL = b"""<!DOCTYPE html>
<html><head><title>Network login required</title></head>
<body><h1>403 Forbidden</h1>
<p>Access to this site is blocked by your organisation's web proxy.
Please <a href="http://portal.example.net/login">log in</a> to continue.</p>
</body></html>
"""


# ---- SigV4, written from AWS-NOTES 3.1 (independent of scanner/verify/sigv4.c) ------

def _hmac(key, msg):
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def signing_key(secret, date8, region, service):
    k = _hmac(("AWS4" + secret).encode("utf-8"), date8)
    for part in (region, service, "aws4_request"):
        k = _hmac(k, part)
    return k


def _uri_encode(s, safe):
    return urllib.parse.quote(s, safe=safe)


def canonical_uri(raw_path):
    # Every service but S3 signs the URI-encoded path encoded once more (botocore's
    # SigV4Auth; AWS-NOTES 3.1): the path as received, not decoded.
    path = raw_path
    out = []
    for seg in path.split("/"):
        if seg == "..":
            if out:
                out.pop()
        elif seg not in (".",):
            out.append(seg)
    norm = "/".join(out)
    if not norm.startswith("/"):
        norm = "/" + norm
    if path.endswith("/") and not norm.endswith("/"):
        norm += "/"
    return _uri_encode(norm, "/~")


def canonical_query(raw_query):
    if not raw_query:
        return ""
    pairs = []
    for part in raw_query.split("&"):
        if not part:
            continue
        k, _, v = part.partition("=")
        k = urllib.parse.unquote_plus(k)
        v = urllib.parse.unquote_plus(v)
        pairs.append((_uri_encode(k, "-_.~"), _uri_encode(v, "-_.~")))
    pairs.sort()
    return "&".join(f"{k}={v}" for k, v in pairs)


def trimall(v):
    return " ".join(v.split())


def expected_signature(method, raw_path, raw_query, header_values, signed, body,
                       secret, amz_date, region, service):
    """header_values: lower-case name -> list of received values."""
    lines = []
    for name in signed:
        vals = header_values.get(name)
        if vals is None:
            return None
        lines.append(f"{name}:{','.join(trimall(v) for v in vals)}\n")
    creq = "\n".join([method, canonical_uri(raw_path), canonical_query(raw_query),
                      "".join(lines), ";".join(signed), hashlib.sha256(body).hexdigest()])
    scope = f"{amz_date[:8]}/{region}/{service}/aws4_request"
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                     hashlib.sha256(creq.encode("utf-8")).hexdigest()])
    return hmac.new(signing_key(secret, amz_date[:8], region, service),
                    sts.encode("utf-8"), hashlib.sha256).hexdigest()


AUTH_RE = re.compile(r"^AWS4-HMAC-SHA256\s+(.*)$", re.S)


def parse_authorization(value):
    """{'credential': [...5 parts], 'signed': [...], 'signature': hex} or None."""
    m = AUTH_RE.match(value.strip())
    if not m:
        return None
    fields = {}
    for item in m.group(1).split(","):
        k, _, v = item.strip().partition("=")
        fields[k.strip()] = v.strip()
    cred = fields.get("Credential", "").split("/")
    signed = fields.get("SignedHeaders", "")
    sig = fields.get("Signature", "")
    if len(cred) != 5 or cred[4] != "aws4_request" or not signed or not re.fullmatch(
            r"[0-9a-f]{64}", sig):
        return None
    return {"credential": cred, "signed": signed.split(";"), "signature": sig}


def parse_amz_date(s):
    # The usual shape without time.strptime (a tenth of this fake's CPU per request in the
    # verification benchmark); anything else, and invalid dates, as strptime says.
    if isinstance(s, str) and len(s) == 16 and s[8] == "T" and s[15] == "Z" and \
            s[:8].isdigit() and s[9:15].isdigit():
        try:
            return calendar.timegm(datetime.datetime(
                int(s[:4]), int(s[4:6]), int(s[6:8]), int(s[9:11]), int(s[11:13]),
                int(s[13:15])).timetuple())
        except ValueError:
            pass
    try:
        return calendar.timegm(time.strptime(s, "%Y%m%dT%H%M%SZ"))
    except (ValueError, TypeError):
        return None


def fmt_amz(t):
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(t))


# ---- the server -----------------------------------------------------------------

class State:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        self.keys = doc.get("keys", doc) if isinstance(doc, dict) else {}
        self.lock = threading.Lock()
        self.fired = {}  # (key, behaviour) -> count, for the *_once faults

    def once(self, key_id, name):
        with self.lock:
            n = self.fired.get((key_id, name), 0)
            self.fired[(key_id, name)] = n + 1
            return n == 0


class Log:
    def __init__(self, path):
        self.f = open(path, "a", encoding="utf-8") if path else None
        self.lock = threading.Lock()

    def write(self, entry):
        if not self.f:
            return
        line = json.dumps(entry, sort_keys=True)
        with self.lock:
            self.f.write(line + "\n")
            self.f.flush()


class Reset(Exception):
    pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-aws/1"
    sys_version = ""

    def log_message(self, fmt, *args):  # keep stderr quiet
        pass

    def do_GET(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def do_PUT(self):
        self.handle_any()

    def do_DELETE(self):
        self.handle_any()

    def do_PATCH(self):
        self.handle_any()

    def do_HEAD(self):
        self.handle_any()

    # -- replies --

    def pause(self, seconds):
        """Wait before answering (--delay-ms, the "slow" fault). fake_aws_fast.py
        overrides it: its answer is sent later instead, nothing blocks."""
        time.sleep(seconds)

    def send(self, status, body, ctype, extra=None):
        if self.server.delay:
            self.pause(self.server.delay)
        length = len(body)
        damage = getattr(self, "body_fault", None) if status == 200 else None
        if damage:
            body, length = damage_body(damage, body, ctype)
            self.close_connection = damage.endswith("content_length")
            extra = dict(extra or {}, **({"Connection": "close"} if self.close_connection
                                          else {}))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(length))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_xml(self, status, xml):
        self.send(status, xml.encode("utf-8"), "text/xml")

    def send_error_aws(self, service, code, status=None, message=None, json_api=False):
        message = message if message is not None else MSG.get(code, code)
        if json_api:
            jcode, jstatus = JSON_CODE.get(code, (code, status or 400))
            body = json.dumps({"message": message}).encode("utf-8")
            self.send(status or jstatus, body, "application/json", {
                "x-amzn-ErrorType":
                    f"{jcode}:http://internal.amazon.com/coral/com.amazon.coral.service/"})
            return
        if status is None:
            status = {"Throttling": 400, "InternalFailure": 500}.get(code, 403)
        kind = "Receiver" if status >= 500 else "Sender"
        xml = (f'<ErrorResponse xmlns="{NS.get(service, NS["sts"])}">\n'
               f"  <Error>\n    <Type>{kind}</Type>\n    <Code>{code}</Code>\n"
               f"    <Message>{xml_escape(message)}</Message>\n  </Error>\n"
               f"  <RequestId>{uuid.uuid4()}</RequestId>\n</ErrorResponse>\n")
        self.send_xml(status, xml)

    def reset(self):
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
        except OSError:
            pass
        raise Reset()

    timeout = 60  # an idle keep-alive connection is dropped after this

    def setup(self):
        super().setup()
        # The status line and headers, then the body, are two writes: with Nagle's
        # algorithm the second waits for the client's delayed ACK (40 ms on Linux), which
        # doubled every answer's latency in the verification benchmark. AWS does not.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.conn_id = self.server.next_conn()
        self.connection.do_handshake()

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except Reset:
            self.close_connection = True
            try:
                # the raw socket under TLS: no close_notify, just the RST
                socket.socket.close(self.connection)
            except OSError:
                pass

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass

    # -- the request --

    def handle_any(self):
        with self.server.inflight_lock:
            self.server.inflight += 1
            inflight = self.server.inflight
        try:
            self.handle_request(inflight)
        finally:
            with self.server.inflight_lock:
                self.server.inflight -= 1

    def handle_request(self, inflight):
        st = self.server.state
        url = urllib.parse.urlsplit(self.path)
        raw_path, raw_query = url.path or "/", url.query
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.close_connection = True
            self.send(413, b"", "text/plain")
            return
        body = self.rfile.read(length) if length else b""
        hv = {}
        for k, v in self.headers.items():
            hv.setdefault(k.lower(), []).append(v)

        entry = {"t": round(time.time(), 3), "method": self.command, "path": raw_path,
                 "query": raw_query, "host": self.headers.get("Host"),
                 "ua": self.headers.get("User-Agent"), "service": None, "region": None,
                 "action": None, "key_id": None, "target": None, "sig": "none",
                 "token": "x-amz-security-token" in hv, "behaviour": None,
                 "inflight": inflight, "conn": getattr(self, "conn_id", None)}

        def done(status, code):
            if "code" not in entry:  # one line per request
                entry["status"], entry["code"] = status, code
                self.server.log.write(entry)

        auth = parse_authorization(self.headers.get("Authorization", ""))
        if auth:
            entry["key_id"], _, entry["region"], entry["service"], _ = auth["credential"]
        service = entry["service"]

        # What is being asked: only the four read-only calls are allowed.
        form = {}
        if self.command == "POST":
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if ctype == "application/x-www-form-urlencoded":
                form = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace"),
                                                   keep_blank_values=True))
        query = dict(urllib.parse.parse_qsl(raw_query, keep_blank_values=True))
        action = form.get("Action") or query.get("Action")
        params = dict(query, **form)
        json_api = False
        ev_action, ev_params = (fake_aws_ses.sesv2_route(raw_path, raw_query)
                                if self.command == "GET" else (None, None))
        if self.command == "GET" and raw_path == SESV2_PATH and not raw_query:
            action, json_api = "GetAccount", True
            allowed = service == "ses"
        elif ev_action:
            action, json_api, params = ev_action, True, ev_params
            allowed = service == "ses"
        else:
            version = ROUTES.get((service, self.command, action))
            allowed = (version is not None and raw_path == "/" and not raw_query
                       and params.get("Version") == version)
            if allowed and action == "GetAccessKeyLastUsed":
                allowed = set(params) == {"Action", "Version", "AccessKeyId"}
            elif allowed:
                allowed = set(params) == {"Action", "Version"}
        entry["action"] = action
        if action == "GetAccessKeyLastUsed":
            entry["target"] = params.get("AccessKeyId")
        if not allowed:
            done(400, "FORBIDDEN")
            self.send_error_aws(service or "sts", "InvalidAction", 400,
                                f"Could not find operation {action} for this fake",
                                json_api=json_api)
            return
        svc_label = "sesv2" if json_api else service

        if not auth:
            code = ("IncompleteSignature" if self.headers.get("Authorization")
                    else "MissingAuthenticationToken")
            done(403, code)
            self.send_error_aws(service, code, 403, json_api=json_api)
            return

        key_id = entry["key_id"]
        key = st.keys.get(key_id)
        amz_date = self.headers.get("X-Amz-Date", "")

        # The signature, checked for every request of a known key (logged as sig).
        sig_ok = False
        if key is not None:
            signed = auth["signed"]
            well_formed = (signed == sorted(signed) and "host" in signed
                           and "x-amz-date" in signed
                           and amz_date[:8] == auth["credential"][1])
            if well_formed:
                want = expected_signature(self.command, raw_path, raw_query, hv, signed, body,
                                          key["secret"], amz_date, auth["credential"][2],
                                          auth["credential"][3])
                sig_ok = want is not None and hmac.compare_digest(want, auth["signature"])
            entry["sig"] = "ok" if sig_ok else "bad"

        # Fault injection.
        fault = self.fault(key_id, key, svc_label, action)
        self.body_fault = fault if fault in BODY_FAULTS else None
        if fault:
            entry["behaviour"] = fault
        if fault and not self.body_fault:
            if fault == "reset":
                done(0, "reset")
                self.reset()
            if fault == "slow":
                # logged now: the client gives up long before the answer
                slow = float(key.get("slow_seconds", 4))
                entry["slept"] = slow
                done(0, "slow")
                self.pause(slow)
            elif fault == "captive_portal" or fault == "captive_portal_200":
                status = 200 if fault.endswith("_200") else 403
                done(status, fault)
                self.send(status, PORTAL, "text/html; charset=utf-8")
                return
            elif fault == "redirect":
                done(307, "redirect")
                self.send(307, b"", "text/plain",
                          {"Location": "https://sts.redirected.example/?from=fake"})
                return
            elif fault.startswith("throttle"):
                done(429 if json_api else 400, "Throttling")
                self.send_error_aws(service, "Throttling", json_api=json_api)
                return
            elif fault.startswith("error_500"):
                done(500, "InternalFailure")
                self.send_error_aws(service, "InternalFailure", json_api=json_api)
                return
            elif fault in ("skew", "skew_future"):
                now = time.time()
                msg = (f"Signature expired: {amz_date} is now earlier than "
                       f"{fmt_amz(now - MAX_SKEW)} ({fmt_amz(now)} - 15 min.)")
                if fault == "skew_future":  # the client's clock is ahead
                    msg = (f"Signature not yet current: {amz_date} is still later than "
                           f"{fmt_amz(now + MAX_SKEW)} ({fmt_amz(now)} + 15 min.)")
                done(403, "SignatureDoesNotMatch")
                self.send_error_aws(service, "SignatureDoesNotMatch", 403, msg,
                                    json_api=json_api)
                return

        # Authentication, in AWS's order: key, token, date, signature.
        if key is None:
            done(403, "InvalidClientTokenId")
            self.send_error_aws(service, "InvalidClientTokenId", json_api=json_api)
            return
        want_token = key.get("session_token")
        got_token = self.headers.get("X-Amz-Security-Token")
        if key_id.startswith("ASIA") or want_token:
            if (not got_token or not want_token or got_token != want_token
                    or "x-amz-security-token" not in auth["signed"]):
                done(403, "InvalidClientTokenId")
                self.send_error_aws(service, "InvalidClientTokenId", json_api=json_api)
                return
            if key.get("expired"):
                done(403, "ExpiredToken")
                self.send_error_aws(service, "ExpiredToken", json_api=json_api)
                return
        t = parse_amz_date(amz_date)
        now = time.time()
        if t is None or abs(now - t) > MAX_SKEW:
            msg = (f"Signature expired: {amz_date} is now earlier than "
                   f"{fmt_amz(now - MAX_SKEW)} ({fmt_amz(now)} - 15 min.)")
            if t is not None and t > now:
                msg = (f"Signature not yet current: {amz_date} is still later than "
                       f"{fmt_amz(now + MAX_SKEW)} ({fmt_amz(now)} + 15 min.)")
            done(403, "SignatureDoesNotMatch")
            self.send_error_aws(service, "SignatureDoesNotMatch", 403, msg, json_api=json_api)
            return
        if not sig_ok:
            done(403, "SignatureDoesNotMatch")
            self.send_error_aws(service, "SignatureDoesNotMatch", json_api=json_api)
            return

        if fault == "malformed_xml":
            done(200, "malformed_xml")
            if json_api:
                self.send(200, b'{"SendingEnabled": true, "SendQuota": {"Max24Hour',
                          "application/json")
            else:
                self.send_xml(200, f'<{action}Response xmlns="{NS[service]}">\n'
                                   f"  <{action}Result>\n    <Arn>arn:aws:iam::")
            return

        op = getattr(fake_aws_ses, "op_" + action, None)
        if op:
            op(self, key_id, key, params, done)
        else:
            getattr(self, "op_" + action)(key_id, key, params, done)

    def fault(self, key_id, key, svc_label, action=None):
        if not key:
            return None
        for b in key.get("behaviour") or []:
            name, _, only = b.partition("@")
            if only and only not in (svc_label, action):
                continue
            if name.endswith("_once"):
                if self.server.state.once(key_id, b):
                    return name
                continue
            return name
        return None

    # -- operations --

    def op_GetCallerIdentity(self, key_id, key, params, done):
        done(200, "OK")
        self.send_xml(200, f"""<GetCallerIdentityResponse xmlns="{NS['sts']}">
  <GetCallerIdentityResult>
    <Arn>{xml_escape(key['arn'])}</Arn>
    <UserId>{xml_escape(key.get('user_id', key_id))}</UserId>
    <Account>{xml_escape(key['account'])}</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata>
    <RequestId>{uuid.uuid4()}</RequestId>
  </ResponseMetadata>
</GetCallerIdentityResponse>
""")

    def op_GetAccessKeyLastUsed(self, key_id, key, params, done):
        target_id = params.get("AccessKeyId", "")
        target = self.server.state.keys.get(target_id)
        if key.get("iam_access", "allow") != "allow" or target is None or \
                target.get("account") != key.get("account") or \
                target_id in (key.get("iam_deny_targets") or []):
            user = key.get("user_name") or key["arn"].rsplit("/", 1)[-1]
            tuser = (target or {}).get("user_name") or \
                (target or {}).get("arn", "user/unknown").rsplit("/", 1)[-1]
            done(403, "AccessDenied")
            self.send_error_aws(
                "iam", "AccessDenied", 403,
                f"User: {key['arn']} is not authorized to perform: iam:GetAccessKeyLastUsed "
                f"on resource: user {tuser if target else user} because no identity-based "
                f"policy allows the iam:GetAccessKeyLastUsed action")
            return
        lu = target.get("last_used")
        name = target.get("user_name") or target["arn"].rsplit("/", 1)[-1]
        if lu and lu.get("date"):
            inner = (f"<LastUsedDate>{lu['date']}</LastUsedDate>\n"
                     f"        <ServiceName>{lu.get('service', 'N/A')}</ServiceName>\n"
                     f"        <Region>{lu.get('region', 'N/A')}</Region>")
        else:
            inner = "<ServiceName>N/A</ServiceName>\n        <Region>N/A</Region>"
        done(200, "OK")
        self.send_xml(200, f"""<GetAccessKeyLastUsedResponse xmlns="{NS['iam']}">
  <GetAccessKeyLastUsedResult>
    <AccessKeyLastUsed>
        {inner}
    </AccessKeyLastUsed>
    <UserName>{xml_escape(name)}</UserName>
  </GetAccessKeyLastUsedResult>
  <ResponseMetadata>
    <RequestId>{uuid.uuid4()}</RequestId>
  </ResponseMetadata>
</GetAccessKeyLastUsedResponse>
""")

    def ses_state(self, key):
        region = self.server_region
        ses = key.get("ses") or {}
        s = ses.get(region, ses.get("*", SANDBOX))
        return s

    def op_GetSendQuota(self, key_id, key, params, done):
        s = self.ses_state(key)
        if s == "deny":
            done(403, "AccessDenied")
            self.send_error_aws("ses", "AccessDenied", 403,
                                f"User: {key['arn']} is not authorized to perform: "
                                f"ses:GetSendQuota")
            return
        s = dict(SANDBOX, **s)
        done(200, "OK")
        self.send_xml(200, f"""<GetSendQuotaResponse xmlns="{NS['ses']}">
  <GetSendQuotaResult>
    <SentLast24Hours>{float(s['sent_24h'])}</SentLast24Hours>
    <Max24HourSend>{float(s['max_24h'])}</Max24HourSend>
    <MaxSendRate>{float(s['max_rate'])}</MaxSendRate>
  </GetSendQuotaResult>
  <ResponseMetadata>
    <RequestId>{uuid.uuid4()}</RequestId>
  </ResponseMetadata>
</GetSendQuotaResponse>
""")

    def op_GetAccount(self, key_id, key, params, done):
        s = self.ses_state(key)
        if s == "deny":
            done(403, "AccessDeniedException")
            self.send_error_aws("ses", "AccessDenied", 403,
                                f"User: {key['arn']} is not authorized to perform: "
                                f"ses:GetAccount", json_api=True)
            return
        s = dict(SANDBOX, **s)
        doc = {
            "DedicatedIpAutoWarmupEnabled": False,
            "EnforcementStatus": s["enforcement"],
            "ProductionAccessEnabled": bool(s["production"]),
            "SendQuota": {"Max24HourSend": float(s["max_24h"]),
                          "MaxSendRate": float(s["max_rate"]),
                          "SentLast24Hours": float(s["sent_24h"])},
            "SendingEnabled": bool(s["sending_enabled"]),
        }
        doc.update(fake_aws_ses.account_extras(s))
        done(200, "OK")
        self.send(200, json.dumps(doc).encode("utf-8"), "application/json")

    @property
    def server_region(self):
        auth = parse_authorization(self.headers.get("Authorization", ""))
        return auth["credential"][2] if auth else "us-east-1"


BODY_FAULTS = ("truncated_body", "short_content_length", "long_content_length", "empty_200",
               "duplicate_field", "trailing_garbage", "oversized_body")


def damage_body(fault, body, ctype):
    """(bytes to send, Content-Length to announce) for a damaged 200 answer."""
    text = body.decode("utf-8")
    is_json = ctype.startswith("application/json")
    if not is_json:
        # the last value before the first end tag of an element holding elements: STS
        # <Account>, IAM <Region>, SES <MaxSendRate>; where its end tag and value start
        result_end = next(m.start() for m in re.finditer(r"</[\w:]+>", text)
                          if text[:m.start()].rstrip().endswith(">"))
        last = text.rindex("</", 0, result_end)
        value = text.rindex(">", 0, last) + 1
        name = text[last + 2:text.index(">", last)]
    if fault in ("truncated_body", "short_content_length"):
        # inside the last value: "...<Account>1234" (JSON: half of it)
        cut = (text[:len(text) // 2] if is_json else text[:min(value + 4, last)]).encode()
        return (cut, len(cut)) if fault == "truncated_body" else (body, len(cut))
    if fault == "long_content_length":
        return body, len(body) + 64
    if fault == "empty_200":
        return b"", 0
    if fault == "duplicate_field":
        if is_json:
            doc = json.loads(text)
            k = "SendingEnabled" if "SendingEnabled" in doc else next(iter(doc))
            other = (not doc[k]) if isinstance(doc[k], bool) else "SHUTDOWN"
            out = "{" + json.dumps(k) + ": " + json.dumps(other) + ", " + text.lstrip()[1:]
        else:
            after = text.index(">", last) + 1
            out = text[:after] + f"<{name}>999999999999</{name}>" + text[after:]
        out = out.encode("utf-8")
        return out, len(out)
    if fault == "trailing_garbage":
        out = body + (b" {}" if is_json else b"<Extra/>\n")
        return out, len(out)
    if fault == "oversized_body":
        out = body + b" " * ((1 << 20) + 4096)
        return out, len(out)
    raise ValueError(fault)


def xml_escape(s):
    return (str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def handle_error(self, request, client_address):
        # Failed handshakes (a client that does not trust the CA), clients that gave up
        # on a slow answer: expected in these tests, one short line on stderr.
        e = sys.exc_info()[1]
        print(f"fake_aws: {type(e).__name__}: {e}", file=sys.stderr)


def self_test():
    """This file's signer against published vectors (AWS-NOTES 3.2, 3.3, 7.1)."""
    sec = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    d = "20150830T123600Z"
    ct = "application/x-www-form-urlencoded; charset=utf-8"
    cases = [
        (("GET", "/", "", {"host": ["example.amazonaws.com"], "x-amz-date": [d]},
          ["host", "x-amz-date"], b"", sec, d, "us-east-1", "service"),
         "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        (("GET", "/", "Action=ListUsers&Version=2010-05-08",
          {"content-type": [ct], "host": ["iam.amazonaws.com"], "x-amz-date": [d]},
          ["content-type", "host", "x-amz-date"], b"", sec, d, "us-east-1", "iam"),
         "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"),
        (("POST", "/", "", {"content-type": [ct], "host": ["sts.amazonaws.com"],
                            "x-amz-date": [d], "x-amz-security-token": ["EXAMPLETOKEN"]},
          ["content-type", "host", "x-amz-date", "x-amz-security-token"],
          b"Action=GetCallerIdentity&Version=2011-06-15", sec, d, "us-east-1", "sts"),
         "874bbe2403ce6749a2c006fb1509706b088ababc94580af853e5c04555db5342"),
        (("POST", "/", "", {"content-type": [ct], "host": ["iam.amazonaws.com"],
                            "x-amz-date": [d]}, ["content-type", "host", "x-amz-date"],
          b"Action=GetAccessKeyLastUsed&Version=2010-05-08&AccessKeyId=AKIAIOSFODNN7EXAMPLE",
          sec, d, "us-east-1", "iam"),
         "c6e8ec24a92a31de6e27f8966abb3a3115d1c2606df7322773de2c568519553c"),
        (("GET", "/v2/email/account", "", {"host": ["email.us-east-1.amazonaws.com"],
                                           "x-amz-date": [d]}, ["host", "x-amz-date"],
          b"", sec, d, "us-east-1", "ses"),
         "602f810edadaee2ac9f4d16ed9138a92dc0e58b01762e6f5124402efafde6069"),
    ]
    bad = 0
    for args, want in cases:
        got = expected_signature(*args)
        if got != want:
            print(f"self-test: {args[0]} {args[1]} {args[9]}: {got} != {want}")
            bad += 1
    import fakekeys  # tests/support, next to this file
    if fakekeys.self_test() != 0:
        bad += 1
    print(f"self-test: {len(cases) + 1 - bad} passed, {bad} failed")
    return 1 if bad else 0


def parse_args(doc):
    """The command line both fakes take (fake_aws_fast.py too)."""
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    ap.add_argument("--state", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    ap.add_argument("--delay-ms", type=int, default=0)
    return ap.parse_args()


def init_server(srv, a):
    """What a Handler finds in self.server, from the command line a; returns the TLS
    context for the certificate."""
    srv.state = State(a.state)
    srv.log = Log(a.log)
    srv.delay = a.delay_ms / 1000.0
    srv.inflight, srv.inflight_lock = 0, threading.Lock()
    conns = itertools.count(1)
    srv.next_conn = lambda: next(conns)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    return ctx


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    a = parse_args(__doc__)
    srv = Server(("127.0.0.1", 0), Handler)
    ctx = init_server(srv, a)
    # The handshake runs in the handler thread, not in accept().
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True, do_handshake_on_connect=False)
    return announce_and_serve(srv, a.port_file)


if __name__ == "__main__":
    sys.exit(main())
