#!/usr/bin/env python3
"""
gen_tree.py - write a file tree with planted fake AWS credentials, and its manifest.

    gen_tree.py [--seed N] [--no-large] [--limits FILE] OUTDIR MANIFEST

Nothing key-shaped is committed to the repository: every key here is made from the
seed when the tests run, by tests/support/fakekeys.py, independently of the scanner's C
generator (rules/fakekey.c), so a shared bug cannot hide itself. The only literal
credentials are AWS's own documentation examples (AKIAIOSFODNN7EXAMPLE, ...), which the
scanner reports only under --include-examples.

The manifest (JSON) lists:
  "credentials": every planted value, one entry per place it was planted:
      kind      access_key_id | secret_access_key | session_token | smtp_password
      value     the credential
      path      relative to OUTDIR ('/'-separated, UTF-8)
      line      1-based line of the value's first byte (for an encoded value, of the
                first byte of its encoded form: the base64 run, the %XX, ...)
      column    1-based byte column, or null when not asserted (UTF-16 files)
      key_id    the access key ID the value belongs to (the report must group them),
                or null when nothing ties it to one
      example   true for AWS documentation examples (reported with --include-examples)
      account_id  (key IDs) the account decoded offline (AWS-NOTES section 2), or null
      region, derived_from  (SMTP passwords) the region ("v2" for the legacy form) and
                the secret the password derives from, when that secret is planted too
      encoding  how the value is hidden (null for plain text); informative only
      area      the group of files it was planted in (formats, encoded, smtp, edge,
                examples, chunks; see main()), for check_report.py --area
  "negatives": values that must never be reported, each with path, why and area.
  "files": every file written (relative path) -> its area.

The large files cross the chunk boundaries of scanner/base/limits.h (read from --limits,
default: the copy next to this script); ~25 MB in all. --no-large leaves them out.
"""

import argparse
import base64
import hashlib
import json
import os
import re
import sys
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import fakekeys  # noqa: E402
from fakekeys import (EXAMPLE_ID, EXAMPLE_ID_2, EXAMPLE_SECRET,  # noqa: E402
                      EXAMPLE_SECRET_2, account_id, smtp_password)


# ---- keys -------------------------------------------------------------------------

class Keys(fakekeys.Keys):
    """fakekeys.Keys (distinct keys of one seed; `r` for everything else) and the few
    random non-credentials the tree needs."""

    def b64_40(self):
        """A random 40-character value shaped like a secret (for the hard negatives)."""
        return self.secret()

    def hex(self, n):
        return "".join(self.r.choice("0123456789abcdef") for _ in range(n))

    def uuid(self):
        h = self.hex(32)
        return "-".join([h[:8], h[8:12], "4" + h[13:16], "a" + h[17:20], h[20:]])

    def bytes(self, n):
        return bytes(self.r.getrandbits(8) for _ in range(n))


# ---- the tree ---------------------------------------------------------------------

class Plant:
    def __init__(self, kind, value, key=None, find=None, column=True, **extra):
        self.kind = kind
        self.value = value
        self.key = value if kind == "access_key_id" else key
        self.find = find if find is not None else value  # what to locate in the bytes
        self.column = column
        self.extra = extra


def ID(value, **kw):
    return Plant("access_key_id", value, **kw)


def SECRET(value, key, **kw):
    return Plant("secret_access_key", value, key, **kw)


def TOKEN(value, key, **kw):
    return Plant("session_token", value, key, **kw)


def BEDROCK(value, key=None, **kw):
    return Plant("bedrock_api_key", value, key, **kw)


def SMTP(value, key, **kw):
    return Plant("smtp_password", value, key, **kw)


class Tree:
    def __init__(self, root):
        self.root = root
        self.area = None  # the group of files being written (check_report --area)
        self.files = {}   # path -> area
        self.creds = []
        self.negatives = []

    def _write(self, path, data):
        full = os.path.join(self.root, *path.split("/"))
        os.makedirs(os.path.dirname(full), exist_ok=True)
        self.files[path] = self.area
        with open(full, "wb") as f:
            f.write(data)

    def _record(self, path, located, plants):
        """located: bytes in which each plant's `find` is searched, in order of appearance
        (a value planted twice is found twice)."""
        used = {}
        for p in plants:
            needle = p.find.encode() if isinstance(p.find, str) else p.find
            # an encoded form may hold several values (a base64-encoded file): each is
            # located at the start of that form
            off = located.find(needle, used.get(needle, 0) if p.find == p.value else 0)
            if off < 0:
                raise SystemExit("gen_tree: %r not found in %s" % (p.find, path))
            used[needle] = off + 1
            line = located.count(b"\n", 0, off) + 1
            col = off - (located.rfind(b"\n", 0, off) + 1) + 1
            e = {"kind": p.kind, "value": p.value, "path": path, "line": line,
                 "column": col if p.column else None, "key_id": p.key,
                 "example": p.extra.pop("example", False)}
            if p.kind == "access_key_id":
                e["account_id"] = None if e["example"] else account_id(p.value)
            e.update(p.extra)
            e.setdefault("encoding", None)
            e["area"] = self.area
            self.creds.append(e)

    def text(self, path, text, plants=(), newline="\n"):
        data = text.replace("\n", newline).encode()
        self._write(path, data)
        self._record(path, data, plants)

    def binary(self, path, data, plants=()):
        self._write(path, data)
        self._record(path, data, plants)

    def utf16(self, path, text, plants, big_endian, bom, newline="\n"):
        text = text.replace("\n", newline)
        data = text.encode("utf-16-be" if big_endian else "utf-16-le")
        if bom:
            data = (b"\xfe\xff" if big_endian else b"\xff\xfe") + data
        self._write(path, data)
        for p in plants:
            p.column = False  # columns of UTF-16 text are not asserted
            p.extra["encoding"] = "utf-16be" if big_endian else "utf-16le"
        self._record(path, text.encode(), plants)

    def negative(self, value, path, why):
        self.negatives.append({"value": value, "path": path, "why": why, "area": self.area})


def q(s):
    """URL-encode everything but unreserved characters (/ -> %2F, + -> %2B)."""
    return urllib.parse.quote(s, safe="")


def b64(s):
    return base64.b64encode(s.encode() if isinstance(s, str) else s).decode()


# ---- formats ----------------------------------------------------------------------

def plain_formats(t, k, shared):
    # .env
    kid, sec = k.key_id(), k.secret()
    shared["env"] = (kid, sec)
    t.text("app/.env", f"""# production settings
APP_ENV=production
APP_DEBUG=false
AWS_ACCESS_KEY_ID={kid}
AWS_SECRET_ACCESS_KEY={sec}
AWS_DEFAULT_REGION=us-west-2
AWS_BUCKET=acme-prod-assets
""", [ID(kid), SECRET(sec, kid)])

    # shell exports
    kid, sec = k.key_id(), k.secret()
    t.text("scripts/deploy.sh", f"""#!/bin/sh
set -eu
export AWS_ACCESS_KEY_ID="{kid}"
export AWS_SECRET_ACCESS_KEY="{sec}"
aws s3 sync ./build s3://acme-site --delete
""", [ID(kid), SECRET(sec, kid)])

    # ~/.aws/credentials with CRLF line endings, three profiles, one temporary
    k1, s1 = k.key_id(), k.secret()
    k2, s2 = k.key_id(new_gen=False), k.secret()
    k3, s3, t3 = k.key_id("ASIA"), k.secret(), k.token()
    t.text("home/.aws/credentials", f"""[default]
aws_access_key_id = {k1}
aws_secret_access_key = {s1}

[prod]
aws_access_key_id = {k2}
aws_secret_access_key = {s2}
region = eu-west-1

[temp]
aws_access_key_id = {k3}
aws_secret_access_key = {s3}
aws_session_token = {t3}
""", [ID(k1), SECRET(s1, k1), ID(k2), SECRET(s2, k2), ID(k3), SECRET(s3, k3), TOKEN(t3, k3)],
        newline="\r\n")

    # INI with generic keywords
    kid, sec = k.key_id(), k.secret()
    t.text("config/settings.ini", f"""[server]
port = 8080

[storage]
backend = s3
bucket = acme-uploads
access_key = {kid}
secret_key = {sec}
""", [ID(kid), SECRET(sec, kid)])

    # YAML
    kid, sec = k.key_id(), k.secret()
    t.text("k8s/values.yaml", f"""replicaCount: 2
image:
  repository: acme/api
  tag: "1.4.2"
aws:
  accessKeyId: {kid}
  secretAccessKey: {sec}
  region: eu-west-1
""", [ID(kid), SECRET(sec, kid)])

    # JSON: `aws sts get-session-token` output (ASIA key with its session token)
    kid, sec, tok = k.key_id("ASIA"), k.secret(), k.token()
    t.text("config/sts-session.json", json.dumps({"Credentials": {
        "AccessKeyId": kid, "SecretAccessKey": sec, "SessionToken": tok,
        "Expiration": "2024-05-01T12:00:00+00:00"}}, indent=4) + "\n",
        [ID(kid), SECRET(sec, kid), TOKEN(tok, kid)])

    # JSON with escaped slashes (PHP json_encode): the secret holds '\/'
    kid, sec = k.key_id(), k.secret(need="/", middle=True)
    esc = sec.replace("/", "\\/")
    t.text("config/escaped.json",
           '{"aws":{"access_key_id":"%s","secret_access_key":"%s","region":"eu-west-1"}}\n'
           % (kid, esc), [ID(kid), SECRET(sec, kid, find=esc, encoding="json-escape")])

    # HCL / terraform
    kid, sec = k.key_id(), k.secret()
    t.text("infra/main.tf", f"""terraform {{
  required_version = ">= 1.5"
}}

provider "aws" {{
  region     = "us-west-2"
  access_key = "{kid}"
  secret_key = "{sec}"
}}
""", [ID(kid), SECRET(sec, kid)])

    # Java properties (old-generation key: no account encoded)
    kid, sec = k.key_id(new_gen=False), k.secret()
    t.text("src/main/resources/application.properties", f"""spring.application.name=orders
cloud.aws.region.static=eu-central-1
cloud.aws.credentials.access-key={kid}
cloud.aws.credentials.secret-key={sec}
""", [ID(kid), SECRET(sec, kid)])

    # Python
    kid, sec = k.key_id(), k.secret()
    t.text("src/app.py", f"""import boto3


def client():
    session = boto3.Session(
        aws_access_key_id="{kid}",
        aws_secret_access_key="{sec}",
        region_name="us-east-1",
    )
    return session.client("s3")
""", [ID(kid), SECRET(sec, kid)])

    # JavaScript
    kid, sec = k.key_id(), k.secret()
    t.text("src/index.js", f"""const {{ S3Client }} = require("@aws-sdk/client-s3");

const client = new S3Client({{
  region: "us-east-1",
  credentials: {{ accessKeyId: "{kid}", secretAccessKey: "{sec}" }},
}});

module.exports = client;
""", [ID(kid), SECRET(sec, kid)])

    # Go
    kid, sec = k.key_id(), k.secret()
    t.text("src/main.go", f"""package main

import "github.com/aws/aws-sdk-go-v2/credentials"

func provider() credentials.StaticCredentialsProvider {{
	return credentials.NewStaticCredentialsProvider("{kid}", "{sec}", "")
}}
""", [ID(kid), SECRET(sec, kid)])

    # XML
    kid, sec = k.key_id(), k.secret()
    t.text("config/aws.xml", f"""<?xml version="1.0" encoding="UTF-8"?>
<configuration>
  <aws>
    <Region>eu-west-1</Region>
    <AccessKeyId>{kid}</AccessKeyId>
    <SecretAccessKey>{sec}</SecretAccessKey>
  </aws>
</configuration>
""", [ID(kid), SECRET(sec, kid)])

    # CSV exported from the IAM console; the second user's secret derives the legacy
    # (v2) SMTP password planted in legacy/.env
    k1, s1 = k.key_id(), k.secret()
    k2, s2 = k.key_id(), None
    s2, p2 = k.smtp_pair("v2")
    shared["v2"] = (k2, s2, p2)
    t.text("exports/credentials.csv",
           "User name,Password,Access key ID,Secret access key,Console login link\n"
           f"ci-deploy,,{k1},{s1},https://123456789012.signin.aws.amazon.com/console\n"
           f"mailer,Xk7#pQ2!wLm9,{k2},{s2},https://123456789012.signin.aws.amazon.com/console\n",
           [ID(k1), SECRET(s1, k1), ID(k2), SECRET(s2, k2)])

    # Dockerfile (old ENV syntax, space separated)
    kid, sec = k.key_id(), k.secret()
    t.text("docker/Dockerfile", f"""FROM python:3.12-slim
WORKDIR /app
ENV AWS_ACCESS_KEY_ID {kid}
ENV AWS_SECRET_ACCESS_KEY {sec}
COPY . .
CMD ["python", "-m", "app"]
""", [ID(kid), SECRET(sec, kid)])

    # GitHub Actions workflow (a dot directory that is not .git)
    kid, sec = k.key_id(), k.secret()
    t.text(".github/workflows/deploy.yml", f"""name: deploy
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    env:
      AWS_ACCESS_KEY_ID: {kid}
      AWS_SECRET_ACCESS_KEY: {sec}
    steps:
      - uses: actions/checkout@v4
""", [ID(kid), SECRET(sec, kid)])

    # STS bearer-token and context-specific key IDs, alone
    abia, acca = k.key_id("ABIA"), k.key_id("ACCA")
    t.text("config/ids.yaml", f"""sts:
  bearer_key_id: {abia}
context:
  credential_id: {acca}
""", [ID(abia), ID(acca)])

    # A key ID alone among hashes, UUIDs and digests: none of those is its secret
    kid = k.key_id()
    sha_a, sha_b, uuid, sha256 = k.hex(40), k.hex(40), k.uuid(), k.hex(64)
    digest = b64(hashlib.sha256(k.bytes(64)).digest())
    t.text("deploy/release.log", f"""2024-05-01T10:00:00Z deploy started commit={sha_a} run={uuid}
2024-05-01T10:00:01Z assuming deploy user with access key {kid}
2024-05-01T10:00:02Z artifact tree={sha_b} sha256={sha256}
2024-05-01T10:00:03Z upload checksum {digest} done
""", [ID(kid)])
    for v, why in ((sha_a, "git SHA next to a key ID"), (sha_b, "git SHA next to a key ID"),
                   (uuid, "UUID next to a key ID"), (sha256, "hex digest next to a key ID"),
                   (digest, "base64 sha256 next to a key ID")):
        t.negative(v, "deploy/release.log", why)


def encoded_formats(t, k, shared):
    # Kubernetes Secret: a whole credentials file, base64-encoded
    kid, sec = k.key_id(), k.secret()
    creds = f"[default]\naws_access_key_id = {kid}\naws_secret_access_key = {sec}\nregion = eu-central-1\n"
    blob = b64(creds)
    t.text("k8s/secret-file.yaml", f"""apiVersion: v1
kind: Secret
metadata:
  name: aws-credentials
  namespace: backup
type: Opaque
data:
  credentials: {blob}
""", [ID(kid, find=blob, encoding="base64"), SECRET(sec, kid, find=blob, encoding="base64")])

    # Kubernetes Secret: values encoded one by one
    kid, sec = k.key_id(), k.secret()
    bk, bs = b64(kid), b64(sec)
    t.text("k8s/secret-env.yaml", f"""apiVersion: v1
kind: Secret
metadata:
  name: app-aws
type: Opaque
data:
  AWS_ACCESS_KEY_ID: {bk}
  AWS_SECRET_ACCESS_KEY: {bs}
  AWS_REGION: {b64("us-east-1")}
""", [ID(kid, find=bk, encoding="base64"), SECRET(sec, kid, find=bs, encoding="base64")])

    # URL-encoded secrets (%2F, %2B): an Airflow connection URI and a query string
    k1, s1 = k.key_id(), k.secret(need="/+", middle=True)
    k2, s2 = k.key_id(), k.secret(need="/+", middle=True)
    t.text("docs/connections.txt", f"""# Airflow connection (URI form)
AIRFLOW_CONN_AWS_DEFAULT=aws://{k1}:{q(s1)}@/?region_name=eu-west-1

# deploy hook
https://hooks.example.com/deploy?aws_access_key_id={k2}&aws_secret_access_key={q(s2)}&region=us-east-1
""", [ID(k1), SECRET(s1, k1, find=q(s1), encoding="url"),
      ID(k2), SECRET(s2, k2, find=q(s2), encoding="url")])

    # UTF-16LE with a BOM (Windows Notepad), CRLF, non-ASCII comment
    kid, sec = k.key_id(), k.secret()
    t.utf16("windows/credenciais-utf16le.txt", f"""# Credenciais de produção — não partilhar
[default]
aws_access_key_id = {kid}
aws_secret_access_key = {sec}
""", [ID(kid), SECRET(sec, kid)], big_endian=False, bom=True, newline="\r\n")

    # UTF-16BE without a BOM
    kid, sec = k.key_id(), k.secret()
    t.utf16("windows/profile-utf16be.ps1", f"""$env:AWS_ACCESS_KEY_ID = "{kid}"
$env:AWS_SECRET_ACCESS_KEY = "{sec}"
Write-Host "profile loaded"
""", [ID(kid), SECRET(sec, kid)], big_endian=True, bom=False)

    # Binary: a fake SQLite database with a credentials row
    kid, sec = k.key_id(), k.secret()
    data = (b"SQLite format 3\x00" + k.bytes(3000) + b"\x00\x00\x17aws_access_key_id\x00"
            + kid.encode() + b"\x00\x00\x1baws_secret_access_key\x00" + sec.encode()
            + b"\x00\x00" + k.bytes(5000))
    t.binary("data/cache.sqlite", data, [ID(kid), SECRET(sec, kid)])

    # Binary: a fake .pyc (marshal short ASCII strings, type byte 0xda + length)
    kid, sec = k.key_id(), k.secret()
    data = (b"\xa7\x0d\x0d\x0a" + b"\x00" * 4 + k.bytes(8) + b"\xe3" + k.bytes(1200)
            + b"\xda\x14" + kid.encode() + b"\xda\x28" + sec.encode() + b"\xda\x09us-east-1"
            + k.bytes(2000))
    t.binary("build/__pycache__/settings.cpython-311.pyc", data, [ID(kid), SECRET(sec, kid)])

    # One 200 KB line (minified JavaScript) with a key in the middle
    kid, sec = k.key_id(), k.secret()
    unit = "function(e,t){return e+t};var n=document.getElementById(\"app\");"
    half = unit * (100 * 1024 // len(unit))
    t.text("web/dist/bundle.min.js",
           half + f'var cfg={{accessKeyId:"{kid}",secretAccessKey:"{sec}",region:"us-east-1"}};'
           + half + "\n", [ID(kid), SECRET(sec, kid)])

    # UTF-8 directory and file names
    kid, sec = k.key_id(), k.secret()
    t.text("configuração/ключи.env", f"""# ключи доступа
AWS_ACCESS_KEY_ID={kid}
AWS_SECRET_ACCESS_KEY={sec}
""", [ID(kid), SECRET(sec, kid)])


def edge_cases(t, k):
    def plain(s):
        return s.replace("/", "x").replace("+", "y")

    # A file that starts with a key ID and ends with its secret (no newline)
    kid, sec = k.key_id(), k.secret()
    t.text("edge/bare-pair.txt", f"{kid},{sec}", [ID(kid), SECRET(sec, kid)])

    # An empty file and a token with base64 padding
    t.text("edge/empty.txt", "")
    kid, sec, tok = k.key_id("ASIA"), k.secret(), k.token(n=338) + "=="
    t.text("edge/padded-token.env", f"""AWS_ACCESS_KEY_ID={kid}
AWS_SECRET_ACCESS_KEY={sec}
AWS_SESSION_TOKEN={tok}
""", [ID(kid), SECRET(sec, kid), TOKEN(tok, kid)])

    # Compact JSON array of credentials: each secret belongs to the key ID of its own
    # object, although the next object's ID is as close in bytes
    items, plants = [], []
    for _ in range(3):
        kid, sec = k.key_id(), k.secret()
        items.append({"AccessKeyId": kid, "SecretAccessKey": sec})
        plants += [ID(kid), SECRET(sec, kid)]
    t.text("edge/keys-array.json", json.dumps(items, separators=(",", ":")) + "\n", plants)

    # URL-encoded secret whose only escape is its 2nd character: the raw text then holds
    # "2F" or "2B" plus the 38 characters after it, a 40-character base64 run that is not
    # the secret
    for ch, name in (("/", "2F"), ("+", "2B")):
        kid = k.key_id()
        sec = k.secret(shape=lambda s: plain(s[0]) + ch + plain(s[2:]))
        t.text("edge/url-escape-%s.txt" % name,
               f"https://hooks.example.com/deploy?aws_access_key_id={kid}"
               f"&aws_secret_access_key={q(sec)}&region=us-east-1\n",
               [ID(kid), SECRET(sec, kid, find=q(sec), encoding="url")])
        t.negative(name + sec[2:], "edge/url-escape-%s.txt" % name,
                   "raw text of a URL-encoded secret: the tail of %%%s and the 38 characters "
                   "after it" % name)

    # JSON \u002F escape as the 5th character: the raw text holds "u002F" plus the 35
    # characters after it
    kid = k.key_id()
    sec = k.secret(shape=lambda s: plain(s[:4]) + "/" + plain(s[5:]))
    enc = sec.replace("/", "\\u002F")
    t.text("edge/json-u002f.json", '{"AccessKeyId":"%s","SecretAccessKey":"%s"}\n' % (kid, enc),
           [ID(kid), SECRET(sec, kid, find=enc, encoding="json-escape")])
    t.negative("u002F" + sec[5:], "edge/json-u002f.json",
               "raw text of a JSON-escaped secret: the tail of \\u002F and the 35 characters "
               "after it")


def smtp_formats(t, k, shared):
    # v4 password next to the SES SMTP endpoint, with its AKIA user name; the IAM user's
    # secret (which derives the password for eu-west-1) is planted too
    kid = k.key_id()
    sec, pw = k.smtp_pair("eu-west-1")
    t.text("infra/ses-user.env", f"""# IAM user ses-smtp-user
AWS_ACCESS_KEY_ID={kid}
AWS_SECRET_ACCESS_KEY={sec}
""", [ID(kid), SECRET(sec, kid)])
    t.text("config/mail.yml", f"""mailer:
  transport: smtp
  host: email-smtp.eu-west-1.amazonaws.com
  port: 587
  encryption: tls
  username: {kid}
  password: {pw}
""", [ID(kid), SMTP(pw, kid, region="eu-west-1", derived_from=sec)])

    # v2 password via MAIL_PASSWORD (Laravel); secret and user are in exports/credentials.csv
    kid, sec, pw = shared["v2"]
    t.text("legacy/.env", f"""APP_NAME=Shop
MAIL_MAILER=smtp
MAIL_HOST=email-smtp.us-east-1.amazonaws.com
MAIL_PORT=587
MAIL_USERNAME={kid}
MAIL_PASSWORD={pw}
MAIL_ENCRYPTION=tls
MAIL_FROM_ADDRESS=noreply@example.com
""", [ID(kid), SMTP(pw, kid, region="v2", derived_from=sec)])

    # v4 password with the endpoint but no key ID near: it belongs to the key of app/.env
    # only because that key's secret derives it (us-west-2)
    kid, sec = shared["env"]
    pw = smtp_password(sec, "us-west-2")
    t.text("config/django_settings.py", f"""import os

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = "email-smtp.us-west-2.amazonaws.com"
EMAIL_PORT = 587
EMAIL_USE_TLS = True
EMAIL_HOST_USER = os.environ.get("MAILER_USER", "")
EMAIL_HOST_PASSWORD = "{pw}"
""", [SMTP(pw, kid, region="us-west-2", derived_from=sec)])


def examples(t):
    t.text("docs/getting-started.md", f"""# Getting started

Configure the CLI:

    $ aws configure
    AWS Access Key ID [None]: {EXAMPLE_ID}
    AWS Secret Access Key [None]: {EXAMPLE_SECRET}
    Default region name [None]: us-west-2
""", [ID(EXAMPLE_ID, example=True), SECRET(EXAMPLE_SECRET, EXAMPLE_ID, example=True)])
    t.text("docs/profiles.md", f"""# Profiles

    $ aws configure --profile produser
    AWS Access Key ID [None]: {EXAMPLE_ID_2}
    AWS Secret Access Key [None]: {EXAMPLE_SECRET_2}
""", [ID(EXAMPLE_ID_2, example=True), SECRET(EXAMPLE_SECRET_2, EXAMPLE_ID_2, example=True)])


def accuracy(t, k):
    """Issue 13's classes: values split across string literals (reported at the first
    fragment, encoding "concat"), and documentation examples next to real keys (the real
    key is reported; only the example is hidden)."""
    def split(v, *cuts):
        cuts = (0,) + cuts + (len(v),)
        return [v[a:b] for a, b in zip(cuts, cuts[1:])]

    def concat_plants(kid, sec, i, j):
        return [ID(kid, find=kid[:i], encoding="concat"),
                SECRET(sec, kid, find=sec[:j], encoding="concat")]

    kid, sec = k.key_id(), k.secret()
    a, b = split(kid, 10)
    c, d, e = split(sec, 14, 27)
    t.text("accuracy/concat/settings.py", f"""import boto3

session = boto3.Session(
    aws_access_key_id=("{a}"
                       "{b}"),
    aws_secret_access_key=(
        "{c}"
        "{d}"
        "{e}"
    ),
)
""", concat_plants(kid, sec, 10, 14))
    kid, sec = k.key_id(), k.secret()
    a, b, c = split(kid, 4, 12)
    d, e = split(sec, 20)
    t.text("accuracy/concat/join.py", f"""KEY = ''.join(['{a}', '{b}', '{c}'])
AWS_SECRET = "".join(("{d}", "{e}"))
""", concat_plants(kid, sec, 4, 20))
    kid, sec = k.key_id(), k.secret()
    a, b = split(kid, 8)
    c, d = split(sec, 17)
    t.text("accuracy/concat/client.ts", f"""const accessKeyId: string = '{a}' + '{b}';
const secretAccessKey = ['{c}', '{d}'].join('');
export const client = new S3Client({{ credentials: {{ accessKeyId, secretAccessKey }} }});
""", concat_plants(kid, sec, 8, 17))
    kid, sec = k.key_id(), k.secret()
    a, b = split(kid, 12)
    c, d, e = split(sec, 10, 30)
    t.text("accuracy/concat/Config.java", f"""class Config {{
    static final String ACCESS_KEY = "{a}" +
        "{b}";
    static final String SECRET_KEY = "{c}" +
        "{d}" +
        "{e}";
}}
""", concat_plants(kid, sec, 12, 10))
    kid, sec = k.key_id(), k.secret()
    a, b = split(kid, 6)
    c, d = split(sec, 21)
    t.text("accuracy/concat/creds.go", f"""package creds

const awsKeyID = "{a}" + "{b}"
const awsSecret = "{c}" + "{d}"
""", concat_plants(kid, sec, 6, 21))
    kid, sec = k.key_id(), k.secret()
    a, b = split(kid, 10)
    c, d = split(sec, 19)
    t.text("accuracy/concat/creds.c", f"""static const char *aws_key_id = "{a}" "{b}";
static const char *aws_secret_access_key = "{c}"
                                           "{d}";
""", concat_plants(kid, sec, 10, 19))
    kid, sec = k.key_id(), k.secret()
    a, b = split(kid, 4)
    c, d = split(sec, 25)
    t.text("accuracy/concat/deploy.sh", f"""#!/bin/sh
export AWS_ACCESS_KEY_ID='{a}''{b}'
export AWS_SECRET_ACCESS_KEY='{c}''{d}'
""", concat_plants(kid, sec, 4, 25))
    # Not literal-only joins: nothing is reassembled
    kid, sec = k.key_id(), k.secret()
    t.text("accuracy/concat/not-joined.py", f"""parts = ['{kid[:10]}', '{kid[10:]}']
key = '{kid[:10]}' + suffix + '{kid[10:]}'
secret_key = '-'.join(['{sec[:20]}', '{sec[20:]}'])
""")
    t.negative(kid, "accuracy/concat/not-joined.py", "fragments that the program does not join")
    t.negative(sec, "accuracy/concat/not-joined.py", "joined with a separator")

    # The keyword is structure: a Terraform variable block's label (the key ID in its
    # own block: still one credential), a YAML or JSON parent key, a .properties line
    # continued with a backslash
    kid, sec = k.key_id(), k.secret()
    t.text("accuracy/structure/variables.tf", f"""variable "aws_access_key" {{
  description = "deploy user"
  default     = "{kid}"
}}

variable "aws_secret_key" {{
  description = "deploy user secret"
  type        = string
  sensitive   = true
  default     = "{sec}"
}}

variable "region" {{
  default = "eu-west-1"
}}
""", [ID(kid), SECRET(sec, kid)])
    sec = k.secret()
    t.text("accuracy/structure/config.yml", f"""app:
  name: shop
aws:
  region: eu-west-1
  bucket: shop-assets
  secret: {sec}
""", [SECRET(sec, None)])
    sec = k.secret()
    t.text("accuracy/structure/settings.json", json.dumps(
        {"name": "shop", "s3": {"bucket": "shop-assets", "key": sec}}, indent=2) + "\n",
        [SECRET(sec, None)])
    sec = k.secret()
    t.text("accuracy/structure/app.properties", f"""app.name=shop
aws.secret.key=\\
    {sec}
""", [SECRET(sec, None)])
    sec = k.secret()
    t.text("accuracy/structure/no-default.tf", f"""variable "aws_secret_key" {{
  type = string
}}

variable "cache_salt" {{
  default = "{sec}"
}}
""")
    t.negative(sec, "accuracy/structure/no-default.tf", "a default of another block")

    # Amazon Bedrock API keys: a long-term one alone, a short-term one that belongs to
    # the temporary key that signed it (whose ID appears nowhere else)
    lt = k.bedrock_long_term()
    t.text("accuracy/bedrock/.env", f"""AWS_REGION=us-east-1
AWS_BEARER_TOKEN_BEDROCK={lt}
""", [BEDROCK(lt)])
    kid, tok = k.key_id("ASIA"), k.token()
    st = k.bedrock_short_term(kid, tok, "us-west-2")
    t.text("accuracy/bedrock/client.py", f"""import os

os.environ["AWS_BEARER_TOKEN_BEDROCK"] = "{st}"
""", [BEDROCK(st, kid), ID(kid, find=st, encoding="bedrock-api-key"),
      TOKEN(tok, kid, find=st, encoding="base64>url")])

    # A real pair with the docs' example secret a few lines below (test fixtures), and
    # the same real key ID alone in another file: all reported, only the example hidden
    kid, sec = k.key_id(), k.secret()
    t.text("accuracy/examples/test_s3.py", f"""AWS_ACCESS_KEY_ID = "{kid}"
AWS_SECRET_ACCESS_KEY = "{sec}"

# the documentation's example, for the parser test:
EXAMPLE_SECRET_ACCESS_KEY = "{EXAMPLE_SECRET}"
""", [ID(kid), SECRET(sec, kid),
      SECRET(EXAMPLE_SECRET, None, example=True)])
    t.text("accuracy/examples/deploy.yml", f"""deploy:
  key: {kid}
""", [ID(kid)])
    # INI: a real secret in one profile, the example pair in the next
    sec = k.secret()
    t.text("accuracy/examples/credentials", f"""[ci]
aws_secret_access_key = {sec}

[default]
aws_access_key_id = {EXAMPLE_ID}
aws_secret_access_key = {EXAMPLE_SECRET}
""", [SECRET(sec, None), ID(EXAMPLE_ID, example=True),
      SECRET(EXAMPLE_SECRET, EXAMPLE_ID, example=True)])


def clean_files(t, k):
    t.text("README.md", "# acme\n\nNothing to see here. Run `make` to build.\n")
    t.text("src/util.py", "def add(a, b):\n    return a + b\n")
    t.text("Makefile", "all:\n\tcc -O2 -o app main.c\n")
    # .git directories are never scanned: these keys must not be reported
    for path in (".git/config", "vendor/libfoo/.git/config"):
        kid, sec = k.key_id(), k.secret()
        t.text(path, f"""[core]
	repositoryformatversion = 0
[remote "origin"]
	url = https://github.com/acme/app.git
# aws_access_key_id = {kid}
# aws_secret_access_key = {sec}
""")
        t.negative(kid, path, "inside a .git directory")
        t.negative(sec, path, "inside a .git directory")


def hard_negatives(t, k):
    d = "negatives/"

    # git SHAs
    lines = []
    for i in range(6):
        sha, tree, parent = k.hex(40), k.hex(40), k.hex(40)
        lines += [f"commit {sha}", f"tree {tree}", f"parent {parent}",
                  "Author: Dev <dev@example.com>", "", f"    change {i}", ""]
        for v in (sha, tree, parent):
            t.negative(v, d + "git-log.txt", "git SHA (40 hex)")
    up = k.hex(40).upper()
    lines.append(f"SHA1: {up}")
    t.negative(up, d + "git-log.txt", "upper-case 40 hex")
    t.text(d + "git-log.txt", "\n".join(lines) + "\n")

    # random 40-character base64 with no keyword and no key ID near
    lines = []
    for label in ("etag", "nonce", "cursor", "blob", "hash", "state", "ref", "salt"):
        v = k.b64_40()
        lines.append(f"{label}: {v}")
        t.negative(v, d + "random-base64.txt", "random 40-char base64, no keyword, no key ID")
    t.text(d + "random-base64.txt", "\n".join(lines) + "\n")

    # UUIDs
    lines = []
    for i in range(6):
        u = k.uuid()
        u = u.upper() if i % 2 else u
        lines.append(f'{{"id": "{u}", "n": {i}}}')
        t.negative(u, d + "uuids.jsonl", "UUID")
    t.text(d + "uuids.jsonl", "\n".join(lines) + "\n")

    # look-alike key IDs, each followed by a secret-shaped value (no keyword): if the
    # scanner took the ID, it would take the value too
    def body(n=16):
        return k.base32(n)
    looks = [
        ("akia" + body().lower(), "lower-case akia ID"),
        ("Akia" + body(), "mixed-case prefix"),
        ("AKIA" + body(8) + "0" + body(7), "ID with 0 (not base32)"),
        ("AKIA" + body(3) + "1" + body(12), "ID with 1 (not base32)"),
        ("ASIA" + body(10) + "8" + body(5), "ID with 8 (not base32)"),
        ("AKIA" + body(15) + "9", "ID with 9 (not base32)"),
        ("x" + "AKIA" + body(), "ID inside a longer token (letter before)"),
        ("7" + "AKIA" + body(), "ID inside a longer token (digit before)"),
        ("AKIA" + body() + "Z", "ID inside a longer token (letter after)"),
        ("AKIA" + body() + "2", "ID inside a longer token (digit after)"),
        ("AKIAXXXXXXXXXXXXXXXX", "placeholder"),
        ("ASIAXXXXXXXXXXXXXXXX", "placeholder"),
        ("AKIAABCDEFGHIJKLMNOP", "placeholder (alphabet run)"),
        ("AKIA2222222222222222", "placeholder (repeated digit)"),
        ("AKIAAAAAAAAAAAAAAAAA", "placeholder (repeated letter)"),
        ("AKIA" + body(10) + "ZZZZZZ", "placeholder tail"),
        ("AIDA" + body(17), "IAM user unique ID (AIDA)"),
        ("AROA" + body(17), "role unique ID (AROA)"),
        ("AIDA" + body(), "20-char AIDA identifier"),
        ("AGPA" + body(), "group ID (AGPA)"),
        ("ANPA" + body(), "policy ID (ANPA)"),
        ("AIPA" + body(), "instance profile ID (AIPA)"),
    ]
    lines = ["# key ID look-alikes: none of these is an access key ID"]
    for v, why in looks:
        s = k.b64_40()
        lines.append(f"{v},{s}")
        t.negative(v, d + "lookalikes.csv", why)
        t.negative(s, d + "lookalikes.csv", "40-char value next to a look-alike ID (%s)" % why)
    t.text(d + "lookalikes.csv", "\n".join(lines) + "\n")

    # placeholders in assignments
    t.text(d + "template.env", """# copy to .env and fill in
AWS_ACCESS_KEY_ID=AKIAXXXXXXXXXXXXXXXX
AWS_SECRET_ACCESS_KEY=XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX
aws_secret_access_key = xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
aws_secret_access_key = ${AWS_SECRET_ACCESS_KEY}
aws_secret_access_key = <your-aws-secret-access-key-goes-here>
secret_key = "0000000000000000000000000000000000000000"
aws_session_token = <paste-your-session-token-here>
""")
    t.negative("AKIAXXXXXXXXXXXXXXXX", d + "template.env", "placeholder")
    t.negative("X" * 40, d + "template.env", "placeholder secret")
    t.negative("x" * 40, d + "template.env", "placeholder secret")

    # IAM identifiers (not credentials) in `aws iam get-user` style JSON
    aida, aroa = "AIDA" + body(17), "AROA" + body(17)
    t.text(d + "iam-user.json", json.dumps({
        "User": {"UserName": "alice", "UserId": aida,
                 "Arn": "arn:aws:iam::123456789012:user/alice"},
        "AssumedRoleUser": {"AssumedRoleId": aroa + ":ci-session",
                            "Arn": "arn:aws:sts::123456789012:assumed-role/ci/ci-session"},
    }, indent=2) + "\n")
    t.negative(aida, d + "iam-user.json", "AIDA user ID")
    t.negative(aroa, d + "iam-user.json", "AROA role ID")

    # 44-character base64 digests with no SMTP context: padded sha256, SRI integrity,
    # and unpadded 33-byte values shaped like v4 (B[A-P]...) and v2 (A[g-v]...) passwords
    lines = ["<!doctype html>", "<html><head>"]
    for i in range(4):
        sri = b64(hashlib.sha256(k.bytes(32)).digest())
        lines.append(f'<script src="https://cdn.example.com/lib{i}.js" '
                     f'integrity="sha256-{sri}" crossorigin="anonymous"></script>')
        t.negative(sri, d + "index.html", "SRI sha256 digest")
    lines.append("</head><body></body></html>")
    t.text(d + "index.html", "\n".join(lines) + "\n")
    lines = []
    for i in range(6):
        padded = b64(hashlib.sha256(k.bytes(16)).digest())
        v4ish = b64(b"\x04" + k.bytes(32))
        v2ish = b64(b"\x02" + k.bytes(32))
        lines += [f"file{i}.tar.gz sha256={padded}", f"file{i}.tar.gz checksum {v4ish}",
                  f"file{i}.zip checksum {v2ish}"]
        t.negative(padded, d + "checksums.txt", "padded base64 sha256")
        t.negative(v4ish, d + "checksums.txt", "44-char base64 shaped like a v4 SMTP password, no SMTP context")
        t.negative(v2ish, d + "checksums.txt", "44-char base64 shaped like a v2 SMTP password, no SMTP context")
    t.text(d + "checksums.txt", "\n".join(lines) + "\n")


# ---- large files ------------------------------------------------------------------

def read_limits(path):
    text = open(path, encoding="utf-8").read()

    def get(name):
        m = re.search(r"#define\s+%s\s+\(?([0-9u\s*+\-]+)\)?" % name, text)
        if not m:
            raise SystemExit("gen_tree: %s not found in %s" % (name, path))
        expr = m.group(1).replace("u", "")
        return int(eval(expr, {"__builtins__": {}}))  # digits and * + - only
    return get("LIMIT_CHUNK_BYTES"), get("LIMIT_CHUNK_OVERLAP")


def filler(k, size):
    """Log lines (no key-like runs, no keywords), repeated to `size` bytes."""
    lines = []
    for i in range(600):
        lines.append("2024-03-%02d %02d:%02d:%02d INFO [worker-%d] GET /api/v1/orders/%d "
                     "status=200 bytes=%d took=%dms\n"
                     % (1 + i % 28, i % 24, i % 60, (i * 7) % 60, i % 8,
                        k.r.randrange(100000), k.r.randrange(1 << 16), k.r.randrange(900)))
    block = "".join(lines).encode()
    return bytearray((block * (size // len(block) + 1))[:size])


def splice(buf, boundary, split, parts, straddle, sep="\n", at_end=False):
    """Write `parts` into buf, separated (and preceded) by `sep`, so that the value of
    parts[straddle] has `split` of its bytes before `boundary` (at_end: the snippet ends
    the file instead, with no newline after it)."""
    snippet = (sep + sep.join(parts)).encode()
    if not at_end:
        snippet += sep.encode()
    target = parts[straddle].split("=", 1)[1].strip().encode()
    pos = snippet.find(target)
    start = len(buf) - len(snippet) if at_end else boundary - split - pos
    buf[start:start + len(snippet)] = snippet


def large_files(t, k, limits):
    C, O = read_limits(limits)

    def pair(new_gen=True):
        kid, sec = k.key_id(new_gen=new_gen), k.secret()
        return kid, sec, [f"AWS_ACCESS_KEY_ID={kid}", f"AWS_SECRET_ACCESS_KEY={sec}"], \
            [ID(kid), SECRET(sec, kid)]

    # Three chunks: [0, C), [C-O, 2C-O), [2C-2O, size). Chunk i owns matches that end
    # after its first O/2 bytes (i > 0) and before its last O/2 bytes (not last).
    size = 2 * C - O + 64 * 1024
    buf = filler(k, size)
    # Around the second set of boundaries the text is one long line (from before chunk
    # 2 starts to after chunk 1 ends): lines and columns of keys found in chunk 2 count
    # from a line start that chunk 2 does not see.
    lo, hi = 2 * C - 2 * O - 4096, 2 * C - O + 4096
    buf[lo:hi] = bytes(buf[lo:hi]).replace(b"\n", b" ")
    plants = []
    cases = [
        (C - O, 10, 0, "pair", "\n"),          # key ID across the start of chunk 1
        (C - O // 2, 20, 1, "pair", "\n"),     # secret across the chunk 0/1 ownership line
        (C, 200, 2, "temp", "\n"),             # session token across the end of chunk 0
        (2 * C - 2 * O, 5, 1, "pair", " "),     # secret across the start of chunk 2
        (2 * C - O - O // 2, 20, 0, "pair", " "),  # key ID ending exactly at the 1/2 line
        (2 * C - O, 1, 1, "pair", " "),         # secret across the end of chunk 1
    ]
    for boundary, split, straddle, what, sep in cases:
        if what == "pair":
            _, _, parts, pl = pair()
        else:
            kid, sec, tok = k.key_id("ASIA"), k.secret(), k.token()
            parts = [f"aws_access_key_id = {kid}", f"aws_secret_access_key = {sec}",
                     f"aws_session_token = {tok}"]
            pl = [ID(kid), SECRET(sec, kid), TOKEN(tok, kid)]
        splice(buf, boundary, split, parts, straddle, sep)
        plants += pl
    _, _, parts, pl = pair(new_gen=False)
    splice(buf, None, 0, parts, 1, at_end=True)
    plants += pl
    # record in order of appearance (the file is searched front to back)
    data = bytes(buf)
    plants.sort(key=lambda p: data.find(p.find.encode()))
    t.binary("logs/big-3chunks.log", data, plants)

    # Exactly one chunk long: the reader fills a whole chunk, then finds EOF; the key
    # ends at the last byte.
    buf = filler(k, C)
    _, _, parts, pl = pair()
    splice(buf, None, 0, parts, 1, at_end=True)
    t.binary("logs/exact-chunk.log", bytes(buf), pl)
    return C, O


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=20240501)
    ap.add_argument("--no-large", action="store_true", help="leave out the >8 MiB files")
    ap.add_argument("--limits", default=os.path.join(here, "..", "..", "scanner", "base",
                                                     "limits.h"))
    ap.add_argument("outdir")
    ap.add_argument("manifest")
    a = ap.parse_args()

    k = Keys(a.seed)
    t = Tree(a.outdir)
    shared = {}
    for area, make in (("formats", lambda: plain_formats(t, k, shared)),
                       ("encoded", lambda: encoded_formats(t, k, shared)),
                       ("smtp", lambda: smtp_formats(t, k, shared)),
                       ("edge", lambda: edge_cases(t, k)),
                       ("examples", lambda: examples(t)),
                       # keys of their own seed: the other areas' keys do not move
                       ("accuracy", lambda: accuracy(t, Keys(a.seed + 13))),
                       ("clean", lambda: clean_files(t, k)),
                       ("negatives", lambda: hard_negatives(t, k))):
        t.area = area
        make()
    chunk = overlap = None
    if not a.no_large:
        t.area = "chunks"
        chunk, overlap = large_files(t, k, a.limits)

    manifest = {"seed": a.seed, "chunk_bytes": chunk, "chunk_overlap": overlap,
                "files": t.files, "credentials": t.creds, "negatives": t.negatives}
    with open(a.manifest, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1, ensure_ascii=False)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
