#!/usr/bin/env python3
"""gen_tree.py - deterministic generator of a source-like tree for sesame benchmarks.

    gen_tree.py OUT [--size-mb N] [--seed S] [--keys K] [--force]

Writes OUT/tree/ (the tree to scan), OUT/planted.json (the fake credentials planted in
it, with their paths) and OUT/stamp.json (the parameters). If OUT/stamp.json already
holds the same parameters and generator version, nothing is done: generating 1 GB
takes a minute or two.

The tree looks like a directory of checked-out projects plus some logs and data dumps:

  * many small text files (1-64 KB): code (py, js, ts, go, c, java, rs, sh, sql),
    config (yaml, json, toml, ini, env, tf, xml) and docs (md, html, css);
  * some medium files (64 KB - 1 MB): minified JS, CSV exports, lock files, SQL dumps;
  * some large files (1-10 MB): application and access logs, JSON API dumps;
  * a few binaries: random-looking (compressed archives, images) and ELF/PE-like
    files with string tables and UTF-16 resources.

Text contains what real trees contain: UUIDs, hex digests (git SHAs, sha256), base64
(lock-file integrity hashes, PEM certificates, data URIs, Kubernetes secret data,
JWTs), URL-encoded query strings, JSON escapes, AWS account numbers, regions, ARNs,
role/user IDs (AIDA/AROA, which are not credentials), documentation example keys and
keyword near-misses (secret_key = "${var.secret_key}", SMTP_HOST=...).

A small number of fake credentials (--keys, default 100) are planted: key IDs
(AKIA/ASIA + 16 base32 characters), 40-character secrets, session tokens and SES SMTP
passwords (derived from secrets that are not planted), in many syntaxes, a few
base64-encoded or inside binaries. They come from tests/support/fakekeys.py, seeded:
they are not real and never were.

Everything depends only on the parameters: the same --size-mb/--seed/--keys give the
same bytes (with the same Python major version: random.Random is stable across runs).
"""

import argparse
import base64
import hashlib
import json
import math
import os
import random
import shutil
import sys
import time

# The fake credentials come from the tests' generator, tests/support/fakekeys.py.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "support"))
import fakekeys  # noqa: E402
from fakekeys import B32  # noqa: E402

GEN_VERSION = 6  # 6: keys from fakekeys.py, SMTP passwords derived from a secret
MB = 1_000_000

WORDS = """
account action active adapter address admin agent alert alias allow analytics api app
apply archive args asset async audit auth backend backup balance base batch bind block
body bool bucket buffer build bundle byte cache call callback cancel capacity card cart
catalog cell channel check child client close cloud cluster code codec column command
commit common config connect consumer container content context control copy core count
counter create cursor customer daemon data database date debug decode default delete
deploy device dict digest dir disable dispatch document domain driver dump edge editor
element email empty enable encode endpoint engine entity entry env error event exec
export extension factory feature fetch field file filter flag flush folder form format
frame gateway generate global graph group guard handle handler hash header health heap
history host hook image import index info init input insert instance invoice item job
join json kernel key label layer layout lease level limit line link list listener load
local lock log logger lookup loop manager map mapping master match max media memory
merge message meta method metric middleware migrate mode model module monitor mount
name native node notify number object offset option order origin output owner package
page pager param parent parse parser partition patch path payload peer pending plugin
policy pool port post prefix price primary process producer profile project prompt
provider proxy publish query queue quota range rate reader record redirect reduce ref
region registry release remote render replica report request resolve resource response
result retry review role route router row rule runner runtime sample scale schedule
schema scope score search segment select sender sequence server service session shard
shell signal sink size slot snapshot socket sort source span spec stage state status
step storage store stream string style subject summary sync table tag target task
template tenant test text thread ticket timeout timer token topic trace tracker
transform tree trigger type unit update upload user util value vector version view
volume watch worker workflow writer zone
""".split()

LOREM = """lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor
incididunt ut labore et dolore magna aliqua enim ad minim veniam quis nostrud exercitation
ullamco laboris nisi aliquip ex ea commodo consequat duis aute irure in reprehenderit
voluptate velit esse cillum fugiat nulla pariatur excepteur sint occaecat cupidatat non
proident sunt culpa qui officia deserunt mollit anim id est laborum the service returns
an error when the request is invalid this function is called once per batch and must not
block we retry with exponential backoff until the deadline see the design document for
details note that the cache is shared between workers""".split()

UAS = ["Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
       "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
       "curl/8.5.0", "python-requests/2.31.0", "Go-http-client/1.1", "kube-probe/1.29"]
REGIONS = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2",
           "eu-central-1", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1",
           "sa-east-1", "ca-central-1", "eu-north-1", "ap-south-1"]
SES_REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-south-1"]

# Documentation example keys: real trees are full of these (README, tests, SDK docs).
DOC_KEY_IDS = ["AKIAIOSFODNN7EXAMPLE", "AKIAI44QH8DHBEXAMPLE"]
DOC_SECRETS = ["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
               "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"]


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.keys = fakekeys.Keys("bench-tree:%s" % seed)

    # --- small random things -----------------------------------------------------------
    def word(self):
        return self.r.choice(WORDS)

    def ident(self, style=None):
        r = self.r
        ws = [r.choice(WORDS) for _ in range(r.randint(1, 3))]
        style = style or r.choice(("snake", "camel", "camel", "pascal"))
        if style == "snake":
            return "_".join(ws)
        if style == "const":
            return "_".join(ws).upper()
        if style == "pascal":
            return "".join(w.capitalize() for w in ws)
        return ws[0] + "".join(w.capitalize() for w in ws[1:])

    def sentence(self, lo=6, hi=16):
        s = " ".join(self.r.choice(LOREM) for _ in range(self.r.randint(lo, hi)))
        return s[0].upper() + s[1:] + "."

    def hexs(self, n):
        return "%0*x" % (n, self.r.getrandbits(4 * n))

    def uuid(self):
        h = self.hexs(32)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"

    def b64(self, nbytes):
        return base64.b64encode(self.r.randbytes(nbytes)).decode()

    def b64url(self, nbytes):
        return base64.urlsafe_b64encode(self.r.randbytes(nbytes)).decode().rstrip("=")

    def ip(self):
        r = self.r
        return f"{r.choice((10, 172, 192, 34, 52, 54, 3))}.{r.randrange(256)}.{r.randrange(256)}.{r.randrange(1, 255)}"

    def account(self):
        return "%012d" % self.r.randrange(10 ** 11, 10 ** 12)

    def jwt(self):
        head = base64.urlsafe_b64encode(b'{"alg":"RS256","typ":"JWT"}').decode().rstrip("=")
        return f"{head}.{self.b64url(self.r.randint(90, 200))}.{self.b64url(256)}"

    def aws_ident(self, prefix):
        return prefix + "".join(self.r.choice(B32) for _ in range(17))

    # --- fake credentials (tests/support/fakekeys.py: never real) ---------------------------
    def key_id(self, prefix="AKIA"):
        return self.keys.key_id(prefix)

    def secret(self):
        return self.keys.secret()

    def session_token(self):
        return self.keys.token(self.r.randint(300, 700))

    def smtp_password(self, region):
        """An SES SMTP password (v4, for `region`) derived from a secret not planted."""
        return self.keys.smtp_pair(region)[1]

    # --- code blocks ---------------------------------------------------------------------
    def py_block(self):
        r = self.r
        f, a, b = self.ident("snake"), self.ident("snake"), self.ident("snake")
        lines = [f"def {f}({a}, {b}=None, *, timeout={r.randint(1, 120)}):",
                 f'    """{self.sentence()}"""']
        for _ in range(r.randint(3, 14)):
            c = r.random()
            v = self.ident("snake")
            if c < 0.2:
                lines.append(f"    {v} = {a}.get('{self.word()}', {r.randint(0, 999)})")
            elif c < 0.35:
                lines.append(f"    if {v} is None or len({a}) > {r.randint(1, 64)}:")
                lines.append(f"        raise ValueError('{self.sentence(3, 7)}')")
            elif c < 0.5:
                lines.append(f"    for {self.word()} in {self.ident('snake')}({a}):")
                lines.append(f"        {b}.append({self.ident('snake')}({self.word()}))")
            elif c < 0.6:
                lines.append(f"    # {self.sentence()}")
            elif c < 0.7:
                lines.append(f"    logger.debug('%s: {self.sentence(3, 6)}', {a})")
            elif c < 0.75:
                lines.append(f"    {v} = os.environ.get('{self.ident('const')}', '{self.word()}')")
            elif c < 0.8:
                lines.append(f"    digest = '{self.hexs(64)}'")
            else:
                lines.append(f"    {v} = self.{self.ident('snake')}({a}, {b})")
        lines.append(f"    return {self.ident('snake')}")
        return "\n".join(lines) + "\n\n"

    def js_block(self, ts=False):
        r = self.r
        f, a = self.ident("camel"), self.ident("camel")
        typ = f": {self.ident('pascal')}" if ts else ""
        lines = [f"export async function {f}({a}{typ}, options = {{}}) {{"]
        for _ in range(r.randint(3, 14)):
            c = r.random()
            v = self.ident("camel")
            if c < 0.2:
                lines.append(f"  const {v} = await {a}.{self.ident('camel')}({{ id: '{self.uuid()}' }});")
            elif c < 0.35:
                lines.append(f"  if (!{v} || {v}.length > {r.randint(1, 256)}) {{")
                lines.append(f"    throw new Error(`{self.sentence(3, 7)} ${{{a}}}`);")
                lines.append("  }")
            elif c < 0.5:
                lines.append(f"  // {self.sentence()}")
            elif c < 0.6:
                lines.append(f"  const url = `https://api.example.com/v{r.randint(1, 3)}/{self.word()}/${{{a}.id}}?q=${{encodeURIComponent({v})}}`;")
            elif c < 0.7:
                lines.append(f"  console.log('{self.sentence(3, 6)}', {v});")
            elif c < 0.75:
                lines.append(f"  const {v} = process.env.{self.ident('const')} ?? '{self.word()}';")
            else:
                lines.append(f"  let {v} = {self.ident('camel')}.map((x) => x.{self.ident('camel')});")
        lines.append(f"  return {self.ident('camel')};")
        lines.append("}")
        return "\n".join(lines) + "\n\n"

    def go_block(self):
        r = self.r
        f, a, t = self.ident("pascal"), self.ident("camel"), self.ident("pascal")
        lines = [f"// {f} {self.sentence()}", f"func (s *{t}) {f}(ctx context.Context, {a} string) (*{self.ident('pascal')}, error) {{"]
        for _ in range(r.randint(3, 12)):
            c = r.random()
            v = self.ident("camel")
            if c < 0.3:
                lines.append(f"\t{v}, err := s.{self.ident('camel')}.{self.ident('pascal')}(ctx, {a})")
                lines.append("\tif err != nil {")
                lines.append(f'\t\treturn nil, fmt.Errorf("{self.sentence(2, 5).lower().rstrip(".")}: %w", err)')
                lines.append("\t}")
            elif c < 0.45:
                lines.append(f"\t// {self.sentence()}")
            elif c < 0.6:
                lines.append(f'\tlog.Printf("{self.word()}: %s %d", {a}, len({v}))')
            else:
                lines.append(f"\t{v} := make(map[string]int, {r.randint(1, 128)})")
        lines.append(f"\treturn &{self.ident('pascal')}{{}}, nil")
        lines.append("}")
        return "\n".join(lines) + "\n\n"

    def c_block(self):
        r = self.r
        f, a = self.ident("snake"), self.ident("snake")
        lines = [f"/* {self.sentence()} */", f"static int {f}(struct {self.ident('snake')} *{a}, size_t n)", "{"]
        lines.append(f"    unsigned char buf[{r.choice((64, 128, 256, 4096))}];")
        for _ in range(r.randint(3, 14)):
            c = r.random()
            v = self.ident("snake")
            if c < 0.3:
                lines.append(f"    if ({a}->{v} == NULL || n > {r.randint(1, 4096)})")
                lines.append("        return -EINVAL;")
            elif c < 0.45:
                lines.append(f"    /* {self.sentence()} */")
            elif c < 0.6:
                lines.append(f"    memcpy(buf, {a}->{v}, sizeof(buf));")
            elif c < 0.7:
                lines.append(f'    log_debug("{self.word()}: %zu", n);')
            else:
                lines.append(f"    {a}->{v} = {self.ident('snake')}({a}, n + {r.randint(1, 16)});")
        lines.append("    return 0;")
        lines.append("}")
        return "\n".join(lines) + "\n\n"

    def java_block(self):
        r = self.r
        f, a = self.ident("camel"), self.ident("camel")
        lines = ["    /**", f"     * {self.sentence()}", "     */",
                 f"    public {self.ident('pascal')} {f}(final {self.ident('pascal')} {a}) throws IOException {{"]
        for _ in range(r.randint(3, 12)):
            c = r.random()
            v = self.ident("camel")
            if c < 0.3:
                lines.append(f"        final var {v} = this.{self.ident('camel')}.{self.ident('camel')}({a});")
            elif c < 0.45:
                lines.append(f"        // {self.sentence()}")
            elif c < 0.6:
                lines.append(f'        LOG.info("{self.sentence(2, 5)} {{}}", {v});')
            else:
                lines.append(f"        if ({v} == null) {{ throw new IllegalStateException(\"{self.word()}\"); }}")
        lines.append(f"        return new {self.ident('pascal')}();")
        lines.append("    }")
        return "\n".join(lines) + "\n\n"

    def rs_block(self):
        r = self.r
        f, a = self.ident("snake"), self.ident("snake")
        lines = [f"/// {self.sentence()}", f"pub fn {f}({a}: &{self.ident('pascal')}) -> Result<{self.ident('pascal')}, Error> {{"]
        for _ in range(r.randint(3, 12)):
            c = r.random()
            v = self.ident("snake")
            if c < 0.3:
                lines.append(f"    let {v} = {a}.{self.ident('snake')}()?;")
            elif c < 0.45:
                lines.append(f"    // {self.sentence()}")
            elif c < 0.6:
                lines.append(f'    tracing::debug!({v} = ?{a}, "{self.sentence(2, 5)}");')
            else:
                lines.append(f"    let {v}: Vec<u8> = Vec::with_capacity({r.randint(1, 4096)});")
        lines.append(f"    Ok({self.ident('pascal')}::default())")
        lines.append("}")
        return "\n".join(lines) + "\n\n"

    def sh_block(self):
        r = self.r
        lines = [f"# {self.sentence()}", f"{self.ident('snake')}() {{"]
        for _ in range(r.randint(2, 8)):
            c = r.random()
            if c < 0.3:
                lines.append(f'  aws s3 cp "s3://{self.word()}-{self.word()}-{r.randint(1, 99)}/{self.word()}/" . --recursive --region {r.choice(REGIONS)}')
            elif c < 0.6:
                lines.append(f'  local {self.word()}="${{{self.ident("const")}:-{self.word()}}}"')
            else:
                lines.append(f'  echo "{self.sentence(2, 6)}" >&2')
        lines.append("}")
        return "\n".join(lines) + "\n\n"

    def sql_block(self):
        r = self.r
        t = self.ident("snake")
        cols = [f"    {self.ident('snake')} {r.choice(('TEXT', 'INTEGER', 'BIGINT', 'TIMESTAMP', 'BOOLEAN', 'UUID'))}" for _ in range(r.randint(3, 10))]
        s = f"CREATE TABLE IF NOT EXISTS {t} (\n    id BIGSERIAL PRIMARY KEY,\n" + ",\n".join(cols) + "\n);\n"
        s += f"CREATE INDEX {t}_idx ON {t} ({self.ident('snake')});\n\n"
        return s

    # --- config / docs ---------------------------------------------------------------------
    def yaml_block(self):
        r = self.r
        c = r.random()
        if c < 0.25:  # kubernetes deployment
            return (f"---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {self.word()}-{self.word()}\n"
                    f"  labels:\n    app: {self.word()}\nspec:\n  replicas: {r.randint(1, 9)}\n  template:\n    spec:\n"
                    f"      containers:\n        - name: {self.word()}\n          image: registry.example.com/{self.word()}:{self.hexs(12)}\n"
                    f"          env:\n            - name: AWS_REGION\n              value: {r.choice(REGIONS)}\n"
                    f"            - name: {self.ident('const')}\n              valueFrom:\n                secretKeyRef:\n"
                    f"                  name: {self.word()}-secrets\n                  key: {self.ident('snake')}\n")
        if c < 0.35:  # kubernetes secret with base64 data (not credentials)
            data = "".join(f"  {self.ident('snake')}: {self.b64(r.randint(8, 48))}\n" for _ in range(r.randint(1, 5)))
            return f"---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: {self.word()}\ntype: Opaque\ndata:\n{data}"
        if c < 0.45:  # CI
            return (f"{self.word()}:\n  runs-on: ubuntu-latest\n  steps:\n    - uses: actions/checkout@{self.hexs(40)}\n"
                    f"    - uses: aws-actions/configure-aws-credentials@v4\n      with:\n"
                    f"        role-to-assume: arn:aws:iam::{self.account()}:role/{self.word()}-deploy\n"
                    f"        aws-region: {r.choice(REGIONS)}\n"
                    f"    - run: make {self.word()}\n      env:\n        AWS_SECRET_ACCESS_KEY: ${{{{ secrets.AWS_SECRET_ACCESS_KEY }}}}\n")
        if c < 0.5:
            return (f"mail:\n  smtp_host: smtp.{self.word()}.example.com\n  smtp_port: 587\n"
                    f"  smtp_user: {self.word()}@example.com\n  smtp_password: ${{SMTP_PASSWORD}}\n")
        lines = [f"{self.ident('snake')}:"]
        for _ in range(r.randint(2, 10)):
            v = r.choice((str(r.randint(0, 10000)), "true", "false", self.word(), f'"{self.sentence(2, 5)}"',
                          r.choice(REGIONS), f"{self.word()}.example.com"))
            lines.append(f"  {self.ident('snake')}: {v}")
        return "\n".join(lines) + "\n"

    def json_obj(self, depth=0):
        r = self.r
        items = []
        for _ in range(r.randint(2, 7)):
            k = self.ident("camel")
            c = r.random()
            if c < 0.15 and depth < 2:
                v = self.json_obj(depth + 1)
            elif c < 0.3:
                v = json.dumps(self.uuid())
            elif c < 0.4:
                v = str(r.randint(0, 10 ** 6))
            elif c < 0.5:
                v = json.dumps(f"sha256:{self.hexs(64)}")
            elif c < 0.55:
                v = json.dumps(f"arn:aws:s3:::{self.word()}-{self.word()}-{self.account()}")
            elif c < 0.6:
                v = json.dumps(f"https://{self.word()}.example.com/{self.word()}/{self.word()}")
            elif c < 0.65:
                v = r.choice(("true", "false", "null"))
            else:
                v = json.dumps(self.sentence(2, 8))
            items.append(f"{json.dumps(k)}: {v}")
        return "{" + ", ".join(items) + "}"

    def json_block(self):
        return "  " + json.dumps(self.ident("camel")) + ": " + self.json_obj() + ",\n"

    def ini_block(self):
        r = self.r
        lines = [f"[{self.ident('snake')}]"]
        for _ in range(r.randint(2, 9)):
            c = r.random()
            if c < 0.1:
                lines.append(f"region = {r.choice(REGIONS)}")
            elif c < 0.15:
                lines.append(f"role_arn = arn:aws:iam::{self.account()}:role/{self.word()}")
            elif c < 0.2:
                lines.append(f"secret_key = %({self.ident('snake')})s")
            else:
                lines.append(f"{self.ident('snake')} = {r.choice((str(r.randint(0, 9999)), 'yes', 'no', self.word(), self.word() + '.example.com'))}")
        return "\n".join(lines) + "\n\n"

    def toml_block(self):
        r = self.r
        lines = [f"[{self.ident('snake')}]"]
        for _ in range(r.randint(2, 8)):
            lines.append(f'{self.ident("snake")} = {r.choice((str(r.randint(0, 9999)), "true", json.dumps(self.word()), json.dumps(self.uuid())))}')
        return "\n".join(lines) + "\n\n"

    def env_block(self):
        r = self.r
        lines = []
        for _ in range(r.randint(2, 8)):
            c = r.random()
            if c < 0.1:
                lines.append(f"AWS_REGION={r.choice(REGIONS)}")
            elif c < 0.15:
                lines.append("AWS_SECRET_ACCESS_KEY=")
            elif c < 0.2:
                lines.append(f"SMTP_HOST=smtp.{self.word()}.example.com")
            elif c < 0.25:
                lines.append(f"SECRET_KEY=django-insecure-{self.b64url(30)}")
            elif c < 0.3:
                lines.append(f"DATABASE_URL=postgres://{self.word()}:{self.word()}@{self.ip()}:5432/{self.word()}")
            else:
                lines.append(f"{self.ident('const')}={r.choice((str(r.randint(0, 9999)), self.word(), 'true'))}")
        return "\n".join(lines) + "\n"

    def tf_block(self):
        r = self.r
        name = self.ident("snake")
        c = r.random()
        if c < 0.2:
            return (f'provider "aws" {{\n  region     = "{r.choice(REGIONS)}"\n  access_key = var.aws_access_key\n'
                    f'  secret_key = var.aws_secret_key\n}}\n\n')
        if c < 0.5:
            return (f'resource "aws_s3_bucket" "{name}" {{\n  bucket = "{self.word()}-{self.word()}-{self.account()}"\n'
                    f'  tags = {{\n    Name = "{self.word()}"\n    Team = "{self.word()}"\n  }}\n}}\n\n')
        return (f'variable "{name}" {{\n  type        = string\n  description = "{self.sentence(3, 8)}"\n'
                f'  default     = "{self.word()}"\n}}\n\n')

    def xml_block(self):
        r = self.r
        lines = [f"  <{self.ident('camel')} id=\"{self.uuid()}\">"]
        for _ in range(r.randint(2, 8)):
            t = self.ident("camel")
            lines.append(f"    <{t}>{r.choice((self.word(), str(r.randint(0, 9999)), self.sentence(2, 6)))}</{t}>")
        lines.append(f"  </{lines[0].split()[0][1:]}>")
        return "\n".join(lines) + "\n"

    def md_block(self):
        r = self.r
        c = r.random()
        if c < 0.15:
            return (f"## {self.sentence(2, 5)}\n\n```sh\nexport AWS_ACCESS_KEY_ID={r.choice(DOC_KEY_IDS)}\n"
                    f"export AWS_SECRET_ACCESS_KEY={r.choice(DOC_SECRETS)}\nexport AWS_DEFAULT_REGION={r.choice(REGIONS)}\n```\n\n")
        if c < 0.25:
            return f"![{self.word()}](data:image/png;base64,{self.b64(r.randint(200, 1500))})\n\n"
        if c < 0.4:
            return f"```{r.choice(('python', 'js', 'go'))}\n{self.py_block()}```\n\n"
        return f"{'#' * r.randint(1, 3)} {self.sentence(2, 6)}\n\n" + " ".join(self.sentence() for _ in range(r.randint(2, 8))) + "\n\n"

    def html_block(self):
        r = self.r
        return (f'<div class="{self.word()} {self.word()}-{self.word()}">\n  <a href="/{self.word()}/{self.word()}?ref={self.hexs(8)}&amp;next=%2F{self.word()}%2F{self.word()}">{self.sentence(2, 5)}</a>\n'
                f"  <p>{self.sentence()}</p>\n</div>\n")

    def css_block(self):
        r = self.r
        s = f".{self.word()}-{self.word()} {{\n"
        for _ in range(r.randint(2, 8)):
            s += f"  {r.choice(('margin', 'padding', 'color', 'width', 'height', 'border'))}: {r.randint(0, 64)}px;\n"
        if r.random() < 0.1:
            s += f"  background: url(data:image/png;base64,{self.b64(r.randint(100, 800))});\n"
        return s + "}\n\n"

    def pem_block(self):
        body = self.b64(self.r.randint(700, 1400))
        return "-----BEGIN CERTIFICATE-----\n" + "\n".join(body[i:i + 64] for i in range(0, len(body), 64)) + "\n-----END CERTIFICATE-----\n"

    # --- big files ---------------------------------------------------------------------------
    def log_message(self):
        r = self.r
        c = r.random()
        if c < 0.25:
            return f"{r.choice(('GET', 'GET', 'POST', 'PUT', 'DELETE'))} /api/v{r.randint(1, 3)}/{self.word()}/{self.uuid()} {r.choice((200, 200, 200, 201, 204, 304, 400, 404, 500))} {r.randint(1, 2000)}ms"
        if c < 0.35:
            return f"{self.ip()} - - \"GET /{self.word()}?redirect=https%3A%2F%2F{self.word()}.example.com%2F{self.word()}&session={self.hexs(16)} HTTP/1.1\" 302 0"
        if c < 0.45:
            return f"{self.ident('snake')}: {self.sentence(3, 10)}"
        if c < 0.5:
            return f"assumed role arn:aws:sts::{self.account()}:assumed-role/{self.word()}/{self.word()} principal={self.aws_ident('AROA')}"
        if c < 0.55:
            return f"s3 put bucket={self.word()}-{self.account()} key={self.word()}/{self.hexs(40)}.tar.gz etag=\"{self.hexs(32)}\" region={r.choice(REGIONS)}"
        if c < 0.6:
            return f"auth ok user={self.word()}@example.com token=eyJ{self.jwt()[3:80]}..."
        if c < 0.68:
            return f"job {self.uuid()} finished in {r.random() * 100:.3f}s: {r.randint(0, 10000)} records, {r.randint(0, 50)} errors"
        if c < 0.72:
            return f"payload={json.dumps(json.loads(self.json_obj()), separators=(',', ':'))}"
        if c < 0.75:
            return f"sending mail via smtp.{self.word()}.example.com:587 to {self.word()}@example.com"
        if c < 0.8:
            return f"cache miss {self.ident('snake')} key=sha1:{self.hexs(40)}"
        return f"{self.sentence(4, 12)} ({self.ident('camel')}={r.randint(0, 10 ** 6)})"

    def request_line(self):
        r = self.r
        c = r.random()
        if c < 0.15:
            path = f"/{self.word()}?redirect=https%3A%2F%2F{self.word()}.example.com%2F{self.word()}&session={self.hexs(16)}"
        elif c < 0.6:
            path = f"/api/v{r.randint(1, 3)}/{self.word()}/{self.uuid()}"
        elif c < 0.8:
            path = f"/static/{self.word()}.{self.hexs(8)}.{r.choice(('js', 'css', 'png', 'woff2'))}"
        else:
            path = f"/{self.word()}/{self.word()}?page={r.randint(1, 50)}&sort={self.word()}"
        return f"{r.choice(('GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'))} {path} HTTP/1.1"

    def json_record(self):
        r = self.r
        rec = {
            "id": self.uuid(),
            "name": self.ident("snake"),
            "email": f"{self.word()}.{self.word()}@example.com",
            "created_at": f"20{r.randint(18, 25)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}T{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}Z",
            "tags": [self.word() for _ in range(r.randint(0, 5))],
            "checksum": self.hexs(64),
            "owner": {"account": self.account(), "arn": f"arn:aws:iam::{self.account()}:user/{self.word()}",
                      "userId": self.aws_ident("AIDA")},
            "description": self.sentence(4, 20),
        }
        if r.random() < 0.15:
            rec["thumbnail"] = self.b64(r.randint(300, 3000))
        if r.random() < 0.1:
            rec["url"] = f"https://{self.word()}.example.com/{self.word()}/{self.hexs(8)}"
        if r.random() < 0.05:  # json.dumps writes these as \u00e9 and \u2013
            rec["title"] = f"Caf\u00e9 {self.word()} \u2013 {self.word()}"
        if r.random() < 0.3:
            rec["metadata"] = json.loads(self.json_obj())
        s = json.dumps(rec, indent=None, separators=(", ", ": "))
        if "url" in rec:  # as PHP's json_encode writes it: every / escaped
            s = s.replace("/", "\\/")
        return s


# File kinds: extension, block function, optional header.
SMALL_KINDS = [
    # (weight, ext, dir, block-method)
    (12, "py", "src", "py_block"), (9, "js", "src", "js_block"), (7, "ts", "src", "ts_block"),
    (8, "go", "src", "go_block"), (5, "c", "src", "c_block"), (3, "h", "include", "c_block"),
    (7, "java", "src/main/java", "java_block"), (5, "rs", "src", "rs_block"),
    (8, "yaml", "deploy", "yaml_block"), (8, "json", "config", "json_block"),
    (6, "md", "docs", "md_block"), (2, "toml", "config", "toml_block"), (2, "ini", "config", "ini_block"),
    (1, "env", ".", "env_block"), (3, "tf", "infra", "tf_block"), (4, "xml", "config", "xml_block"),
    (3, "html", "web", "html_block"), (3, "css", "web", "css_block"), (2, "sh", "scripts", "sh_block"),
    (2, "sql", "db", "sql_block"), (1, "pem", "certs", "pem_block"),
]
MEDIUM_KINDS = [(3, "min.js", "dist"), (3, "csv", "data"), (2, "package-lock.json", "."), (2, "sql", "db/dumps"), (1, "md", "docs")]

POOL_BLOCKS = 400  # pre-generated blocks per small kind; files sample from them


class Tree:
    def __init__(self, args):
        self.args = args
        self.g = Gen(args.seed)
        self.r = self.g.r
        self.total = args.size_mb * MB
        self.files = []  # (relpath, kind, size)
        self.planted = []

    # --- the plan: paths and sizes ---------------------------------------------------------
    def plan(self):
        r = self.r
        budgets = {"small": 0.45, "medium": 0.10, "log": 0.23, "json": 0.14, "bin": 0.08}
        n_repos = max(2, self.args.size_mb // 25)
        repos = [f"{self.g.word()}-{self.g.word()}-{i:02d}" for i in range(n_repos)]
        dirs = {}  # (repo, top) -> subdirectories so far

        def subdir(repo, top):
            # A Chinese-restaurant process: about one new directory per 12 files, new
            # ones nested under an existing one half the time (depth stays small).
            ds = dirs.setdefault((repo, top), [""])
            if len(ds) == 1 or r.random() < 1 / 12:
                parent = r.choice(ds) if r.random() < 0.5 else ""
                if parent.count("/") >= 2:
                    parent = ""
                ds.append(f"{parent}/{self.g.word()}".lstrip("/"))
                return ds[-1]
            return r.choice(ds[1:])

        names = set()

        def unique(path):
            d, _, name = path.rpartition("/")
            stem, dot, ext = name[1:].partition(".")
            stem = name[0] + stem
            p, i = path, 1
            while p in names:
                p = f"{d}/{name}.{i}" if name.startswith(".") else f"{d}/{stem}_{i}{dot}{ext}"
                i += 1
            names.add(p)
            return p

        sk_w = [k[0] for k in SMALL_KINDS]
        mk_w = [k[0] for k in MEDIUM_KINDS]
        for cat, frac in budgets.items():
            budget = int(self.total * frac)
            while budget > 0:
                repo = r.choice(repos)
                if cat == "small":
                    _, ext, d, meth = r.choices(SMALL_KINDS, sk_w)[0]
                    size = int(math.exp(r.uniform(math.log(1024), math.log(65536))))
                    sub = subdir(repo, d) if d != "." else ""
                    name = ".env" if ext == "env" else f"{self.g.ident('snake')}.{ext}"
                    if ext == "env" and r.random() < 0.5:
                        name = f".env.{r.choice(('local', 'production', 'staging', 'example'))}"
                    path = "/".join(x for x in (repo, d if d != "." else "", sub, name) if x)
                    kind = ("small", ext, meth)
                elif cat == "medium":
                    _, ext, d = r.choices(MEDIUM_KINDS, mk_w)[0]
                    size = int(math.exp(r.uniform(math.log(65536), math.log(1 << 20))))
                    name = ext if ext == "package-lock.json" else f"{self.g.ident('snake')}.{ext}"
                    path = "/".join(x for x in (repo, d if d != "." else "", name) if x)
                    kind = ("medium", ext, None)
                elif cat == "log":
                    size = r.randint(1 * MB, 10 * MB)
                    svc = self.g.word()
                    style = "access" if r.random() < 0.3 else "app"
                    path = f"var/log/{svc}/{style}-2024-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}.log"
                    kind = ("log", style, None)
                elif cat == "json":
                    size = r.randint(1 * MB, 10 * MB)
                    path = f"data/exports/{self.g.word()}_{self.g.word()}_{r.randint(1, 9999):04d}.json"
                    kind = ("json", "json", None)
                else:
                    if r.random() < 0.85:  # small assets
                        size = int(math.exp(r.uniform(math.log(4096), math.log(262144))))
                        ext = r.choice(("png", "png", "jpg", "woff2", "ico", "gz"))
                        path = f"{repo}/assets/{self.g.word()}_{self.g.word()}.{ext}"
                        kind = ("bin", "random", None)
                    else:
                        size = r.randint(1 * MB, 24 * MB)
                        style = r.choice(("random", "elf", "elf", "pe"))
                        ext = {"random": r.choice(("tar.gz", "zip", "jar")), "elf": "so", "pe": "dll"}[style]
                        path = f"{repo}/build/lib{self.g.word()}_{self.g.word()}.{ext}"
                        kind = ("bin", style, None)
                    size = min(size, budget + 4096)
                size = max(1024, min(size, budget))
                self.files.append([unique(path), kind, size])
                budget -= size

    # --- plants --------------------------------------------------------------------------------
    # Each style: (target file kinds, function(gen) -> (text, record)). The record names the
    # key ID and, when the snippet pairs it with one, the secret / token / SMTP password.
    def plant_snippet(self, style, ext):
        g = self.g
        r = self.r
        rec = {"style": style}
        if style == "pair":
            kid, sec = g.key_id(), g.secret()
            rec.update(key_id=kid, secret=sec)
            text = {
                "py": f'AWS_ACCESS_KEY_ID = "{kid}"\nAWS_SECRET_ACCESS_KEY = "{sec}"\n',
                "js": f'const s3 = new S3Client({{ credentials: {{ accessKeyId: "{kid}", secretAccessKey: "{sec}" }} }});\n',
                "ts": f'  credentials: {{\n    accessKeyId: "{kid}",\n    secretAccessKey: "{sec}",\n  }},\n',
                "go": f'\tcreds := credentials.NewStaticCredentialsProvider("{kid}", "{sec}", "")\n',
                "java": f'        AwsBasicCredentials creds = AwsBasicCredentials.create("{kid}", "{sec}");\n',
                "rs": f'    let creds = Credentials::new("{kid}", "{sec}", None, None, "static");\n',
                "c": f'static const char *aws_key_id = "{kid}";\nstatic const char *aws_secret_key = "{sec}";\n',
                "yaml": f"aws:\n  access_key_id: {kid}\n  secret_access_key: {sec}\n",
                "json": f'  "credentials": {{"AccessKeyId": "{kid}", "SecretAccessKey": "{sec}"}},\n',
                "ini": f"[{g.word()}]\naws_access_key_id = {kid}\naws_secret_access_key = {sec}\n\n",
                "env": f"AWS_ACCESS_KEY_ID={kid}\nAWS_SECRET_ACCESS_KEY={sec}\n",
                "tf": f'provider "aws" {{\n  access_key = "{kid}"\n  secret_key = "{sec}"\n}}\n\n',
                "xml": f"  <AccessKeyId>{kid}</AccessKeyId>\n  <SecretAccessKey>{sec}</SecretAccessKey>\n",
                "sh": f"export AWS_ACCESS_KEY_ID={kid}\nexport AWS_SECRET_ACCESS_KEY={sec}\n",
                "md": f"```\n[default]\naws_access_key_id = {kid}\naws_secret_access_key = {sec}\n```\n\n",
                "toml": f'[aws]\naccess_key_id = "{kid}"\nsecret_access_key = "{sec}"\n\n',
            }[ext]
        elif style == "session":
            kid, sec, tok = g.key_id("ASIA"), g.secret(), g.session_token()
            rec.update(key_id=kid, secret=sec, session_token=tok)
            text = {
                "ini": f"[{g.word()}-sts]\naws_access_key_id = {kid}\naws_secret_access_key = {sec}\naws_session_token = {tok}\n\n",
                "env": f"AWS_ACCESS_KEY_ID={kid}\nAWS_SECRET_ACCESS_KEY={sec}\nAWS_SESSION_TOKEN={tok}\n",
                "sh": f"export AWS_ACCESS_KEY_ID={kid}\nexport AWS_SECRET_ACCESS_KEY={sec}\nexport AWS_SESSION_TOKEN={tok}\n",
                "json": f'  "sts": {{"AccessKeyId": "{kid}", "SecretAccessKey": "{sec}", "SessionToken": "{tok}", "Expiration": "2024-06-01T12:00:00Z"}},\n',
            }[ext]
        elif style == "smtp":
            region = r.choice(SES_REGIONS)
            kid, pw = g.key_id(), g.smtp_password(region)
            rec.update(key_id=kid, smtp_password=pw)
            text = {
                "env": f"MAIL_HOST=email-smtp.{region}.amazonaws.com\nMAIL_PORT=587\nMAIL_USERNAME={kid}\nMAIL_PASSWORD={pw}\n",
                "yaml": f"smtp:\n  host: email-smtp.{region}.amazonaws.com\n  username: {kid}\n  password: {pw}\n",
                "py": f'EMAIL_HOST = "email-smtp.{region}.amazonaws.com"\nEMAIL_HOST_USER = "{kid}"\nEMAIL_HOST_PASSWORD = "{pw}"\n',
            }[ext]
        elif style == "b64":  # Kubernetes secret: values base64-encoded
            kid, sec = g.key_id(), g.secret()
            rec.update(key_id=kid, secret=sec, encoded="base64")
            e = lambda s: base64.b64encode(s.encode()).decode()
            text = (f"---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: {g.word()}-aws\ntype: Opaque\ndata:\n"
                    f"  AWS_ACCESS_KEY_ID: {e(kid)}\n  AWS_SECRET_ACCESS_KEY: {e(sec)}\n")
        elif style == "log":
            kid = g.key_id(r.choice(("AKIA", "ASIA")))
            rec.update(key_id=kid)
            text = r.choice((
                f"2024-05-01T00:00:00.000Z DEBUG botocore.auth: Authorization: AWS4-HMAC-SHA256 Credential={kid}/20240501/{r.choice(REGIONS)}/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature={g.hexs(64)}\n",
                f"2024-05-01T00:00:00.000Z WARN  config: loaded static credentials access_key_id={kid} from environment\n",
                f'2024-05-01T00:00:00.000Z INFO  http: GET https://{g.word()}.s3.amazonaws.com/{g.word()}.csv?AWSAccessKeyId={kid}&Expires=1714521600&Signature={g.b64(20).rstrip("=")} 200\n',
            ))
        elif style == "json_sts":
            kid, sec, tok = g.key_id("ASIA"), g.secret(), g.session_token()
            rec.update(key_id=kid, secret=sec, session_token=tok)
            text = json.dumps({"Credentials": {"AccessKeyId": kid, "SecretAccessKey": sec, "SessionToken": tok,
                                               "Expiration": "2024-06-01T12:00:00Z"}}) + ",\n"
        elif style == "csv":
            kid, sec = g.key_id(), g.secret()
            rec.update(key_id=kid, secret=sec)
            text = f"User name,Access key ID,Secret access key\n{g.word()}-ci,{kid},{sec}\n"
        elif style == "bin":
            kid, sec = g.key_id(), g.secret()
            rec.update(key_id=kid, secret=sec)
            text = f"\0\0aws_access_key_id\0{kid}\0aws_secret_access_key\0{sec}\0\0"
        else:
            raise AssertionError(style)
        return text, rec

    def assign_plants(self):
        # Proportions per 20 keys: 10 pairs in code/config, 2 STS sessions, 1 SES SMTP,
        # 1 base64 (k8s secret), 2 in logs, 2 in JSON dumps, 1 CSV export, 1 in a binary.
        cycle = ["pair", "pair", "log", "pair", "session", "pair", "json_sts", "pair", "smtp", "pair",
                 "b64", "pair", "log", "pair", "session", "csv", "pair", "json_sts", "bin", "pair"]
        want = {
            "pair": lambda k: k[0] == "small" and k[1] in ("py", "js", "ts", "go", "java", "rs", "c", "yaml", "json", "ini", "env", "tf", "xml", "sh", "md", "toml"),
            "session": lambda k: k[0] == "small" and k[1] in ("ini", "env", "sh", "json"),
            "smtp": lambda k: k[0] == "small" and k[1] in ("env", "yaml", "py"),
            "b64": lambda k: k[0] == "small" and k[1] == "yaml",
            "log": lambda k: k[0] == "log",
            "json_sts": lambda k: k[0] == "json",
            "csv": lambda k: k[0] == "medium" and k[1] == "csv",
            "bin": lambda k: k[0] == "bin" and k[1] in ("elf", "pe"),
        }
        self.plants = {}  # file index -> list of (text, rec)
        for i in range(self.args.keys):
            style = cycle[i % len(cycle)]
            cands = [j for j, f in enumerate(self.files) if want[style](f[1])]
            if not cands:  # tiny trees: fall back to any small text file with a pair
                style = "pair"
                cands = [j for j, f in enumerate(self.files) if want[style](f[1])]
            j = self.r.choice(cands)
            text, rec = self.plant_snippet(style, self.files[j][1][1])
            rec["path"] = self.files[j][0]
            self.plants.setdefault(j, []).append(text)
            self.planted.append(rec)

    # --- content ---------------------------------------------------------------------------------
    def build_pools(self):
        g = self.g
        g.ts_block = lambda: g.js_block(ts=True)
        self.pools = {}
        for _, ext, _, meth in SMALL_KINDS:
            if meth not in self.pools:
                fn = getattr(g, meth)
                self.pools[meth] = [fn() for _ in range(POOL_BLOCKS)]
        self.log_msgs = [g.log_message() for _ in range(20000)]
        self.requests = [g.request_line() for _ in range(20000)]
        self.json_recs = [g.json_record() for _ in range(8000)]

    def fill(self, pool, size):
        r = self.r
        out, n = [], 0
        while n < size:
            b = pool[r.randrange(len(pool))]
            out.append(b)
            n += len(b)
        return "".join(out)

    def small_text(self, ext, meth, size):
        g = self.g
        head = {
            "py": f'"""{g.sentence()}"""\n\nimport logging\nimport os\n\nlogger = logging.getLogger(__name__)\n\n',
            "js": f"// {g.sentence()}\nimport {{ {g.ident('camel')} }} from './{g.word()}.js';\n\n",
            "ts": f"// {g.sentence()}\nimport type {{ {g.ident('pascal')} }} from './{g.word()}';\n\n",
            "go": f"// Package {g.word()} {g.sentence()}\npackage {g.word()}\n\nimport (\n\t\"context\"\n\t\"fmt\"\n\t\"log\"\n)\n\n",
            "c": f"/* {g.sentence()} */\n#include <errno.h>\n#include <string.h>\n\n",
            "h": f"#ifndef {g.ident('const')}_H\n#define {g.ident('const')}_H\n\n",
            "java": f"package com.example.{g.word()};\n\nimport java.io.IOException;\n\npublic final class {g.ident('pascal')} {{\n",
            "rs": f"//! {g.sentence()}\nuse std::collections::HashMap;\n\n",
            "json": "{\n",
            "xml": '<?xml version="1.0" encoding="UTF-8"?>\n<root>\n',
            "html": f"<!DOCTYPE html>\n<html>\n<head><title>{g.sentence(2, 4)}</title></head>\n<body>\n",
            "sh": "#!/usr/bin/env bash\nset -euo pipefail\n\n",
        }.get(ext, "")
        tail = {"java": "}\n", "json": f'  "version": "{self.r.randint(1, 9)}.{self.r.randint(0, 99)}.0"\n}}\n',
                "xml": "</root>\n", "html": "</body>\n</html>\n", "h": "#endif\n"}.get(ext, "")
        return head + self.fill(self.pools[meth], max(0, size - len(head) - len(tail))) + tail

    def medium_text(self, ext, size):
        g, r = self.g, self.r
        if ext == "min.js":
            parts, n = [], 0
            while n < size:
                b = self.pools["js_block"][r.randrange(POOL_BLOCKS)].replace("\n", "").replace("  ", "")
                parts.append(b)
                n += len(b)
            return "".join(parts) + "\n"
        if ext == "csv":
            rows = ["id,name,email,created_at,amount,status,checksum"]
            n = 0
            while n < size:
                row = f"{g.uuid()},{g.ident('snake')},{g.word()}@example.com,2024-{r.randint(1, 12):02d}-{r.randint(1, 28):02d},{r.randint(0, 99999) / 100:.2f},{r.choice(('ok', 'failed', 'pending'))},{g.hexs(40)}"
                rows.append(row)
                n += len(row) + 1
            return "\n".join(rows) + "\n"
        if ext == "package-lock.json":
            out, n = ['{\n  "name": "app",\n  "lockfileVersion": 3,\n  "packages": {\n'], 0
            while n < size:
                name = f"{g.word()}-{g.word()}"
                e = (f'    "node_modules/{name}": {{\n      "version": "{r.randint(0, 9)}.{r.randint(0, 30)}.{r.randint(0, 20)}",\n'
                     f'      "resolved": "https://registry.npmjs.org/{name}/-/{name}-1.0.0.tgz",\n'
                     f'      "integrity": "sha512-{g.b64(64)}",\n      "license": "MIT"\n    }},\n')
                out.append(e)
                n += len(e)
            return "".join(out) + '    "": {}\n  }\n}\n'
        if ext == "sql":
            out, n = [self.pools["sql_block"][0]], 0
            while n < size:
                vals = ",\n".join(f"({r.randint(1, 10 ** 7)}, '{g.uuid()}', '{g.sentence(2, 6)}', '{g.hexs(64)}', now())" for _ in range(50))
                s = f"INSERT INTO {g.ident('snake')} VALUES\n{vals};\n"
                out.append(s)
                n += len(s)
            return "".join(out)
        return self.fill(self.pools["md_block"], size)

    def log_text(self, style, size):
        g, r = self.g, self.r
        msgs = self.log_msgs
        t = 1714521600 + r.randrange(10 ** 7)
        out, n = [], 0
        levels = ("INFO", "INFO", "INFO", "DEBUG", "DEBUG", "WARN", "ERROR")
        while n < size:
            t += r.random() * 0.2
            ms = int(t * 1000) % 1000
            ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t))
            if style == "access":
                line = (f'{g.ip()} - - [{ts}Z] "{self.requests[r.randrange(len(self.requests))]}" '
                        f'{r.choice((200, 200, 200, 200, 304, 302, 404, 500))} {r.randint(100, 99999)} "-" '
                        f'"{r.choice(UAS)}"\n')
            else:
                line = f"{ts}.{ms:03d}Z {r.choice(levels):5s} [{g.hexs(8)}] {msgs[r.randrange(len(msgs))]}\n"
            out.append(line)
            n += len(line)
        return "".join(out)

    def json_text(self, size):
        r = self.r
        recs = self.json_recs
        out, n = ['{"items": [\n'], 0
        while n < size:
            rec = recs[r.randrange(len(recs))]
            out.append(rec)
            out.append(",\n")
            n += len(rec) + 2
        return "".join(out) + '{}\n], "next": null}\n'

    def bin_bytes(self, style, size):
        r, g = self.r, self.g
        if style == "random":
            return r.randbytes(size)
        parts, n = [], 0
        if style == "elf":
            parts.append(b"\x7fELF\x02\x01\x01" + bytes(57))
        else:
            parts.append(b"MZ\x90\x00" + bytes(60) + b"PE\x00\x00")
        while n < size:
            c = r.random()
            if c < 0.45:  # machine code: random-ish bytes
                b = r.randbytes(r.randint(512, 8192))
            elif c < 0.65:  # zero padding / bss
                b = bytes(r.randint(256, 4096))
            elif c < 0.9:  # string table
                b = b"\0".join(f"{g.ident('snake')}".encode() for _ in range(r.randint(20, 200))) + b"\0"
            elif style == "pe":  # UTF-16LE resource strings
                b = "\0".join(g.sentence(2, 8) for _ in range(r.randint(5, 40))).encode("utf-16-le")
            else:
                b = "\0".join(g.sentence(2, 8) for _ in range(r.randint(5, 40))).encode() + b"\0"
            parts.append(b)
            n += len(b)
        return b"".join(parts)[:size]

    def content(self, i):
        path, kind, size = self.files[i]
        cat, ext, meth = kind
        if cat == "small":
            data = self.small_text(ext, meth, size).encode()
        elif cat == "medium":
            data = self.medium_text(ext, size).encode()
        elif cat == "log":
            data = self.log_text(ext, size).encode()
        elif cat == "json":
            data = self.json_text(size).encode()
        else:
            data = self.bin_bytes(ext, size)
        for text in self.plants.get(i, ()):
            snippet = text.encode()
            # Splice at a line start (text) or anywhere (binaries), away from the ends.
            lo, hi = len(data) // 8, max(len(data) // 8 + 1, len(data) * 7 // 8)
            pos = self.r.randrange(lo, hi)
            if cat != "bin":
                nl = data.find(b"\n", pos)
                pos = nl + 1 if nl >= 0 else len(data)
                if not snippet.endswith(b"\n"):
                    snippet += b"\n"
            data = data[:pos] + snippet + data[pos:]
        return data

    def write(self, root):
        self.build_pools()
        total, t0, last = 0, time.time(), 0
        made = set()
        for i, (path, _, _) in enumerate(self.files):
            data = self.content(i)
            full = os.path.join(root, path)
            d = os.path.dirname(full)
            if d not in made:
                os.makedirs(d, exist_ok=True)
                made.add(d)
            with open(full, "wb") as f:
                f.write(data)
            total += len(data)
            if sys.stderr.isatty() and time.time() - last > 1:
                last = time.time()
                sys.stderr.write(f"\rgen_tree: {total / MB:.0f} / {self.total / MB:.0f} MB")
        if sys.stderr.isatty():
            sys.stderr.write("\r")
        return total, time.time() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", help="output directory (the tree goes in OUT/tree)")
    ap.add_argument("--size-mb", type=int, default=1000, help="approximate total size in MB (10^6 bytes); default 1000")
    ap.add_argument("--seed", type=int, default=20240501, help="PRNG seed")
    ap.add_argument("--keys", type=int, default=100, help="number of fake credentials to plant; default 100")
    ap.add_argument("--force", action="store_true", help="regenerate even if the stamp matches")
    args = ap.parse_args()
    if args.size_mb < 1 or args.keys < 0:
        ap.error("--size-mb must be >= 1 and --keys >= 0")

    out = os.path.abspath(args.out)
    tree = os.path.join(out, "tree")
    stamp_path = os.path.join(out, "stamp.json")
    stamp = {"generator": GEN_VERSION, "size_mb": args.size_mb, "seed": args.seed, "keys": args.keys,
             "python": f"{sys.version_info[0]}.{sys.version_info[1]}"}
    if not args.force and os.path.isdir(tree):
        try:
            with open(stamp_path) as f:
                old = json.load(f)
            if all(old.get(k) == v for k, v in stamp.items()):
                print(f"gen_tree: {tree} is up to date ({old['files']} files, {old['bytes']} bytes)")
                return 0
        except (OSError, ValueError, KeyError):
            pass

    os.makedirs(out, exist_ok=True)
    for p in (stamp_path, os.path.join(out, "planted.json")):
        if os.path.exists(p):
            os.remove(p)
    tmp = tree + ".tmp"
    for d in (tree, tmp):
        if os.path.exists(d):
            shutil.rmtree(d)

    t = Tree(args)
    t.plan()
    t.assign_plants()
    total, secs = t.write(tmp)
    os.rename(tmp, tree)

    planted = []
    for rec in t.planted:
        p = {"key_id": rec["key_id"], "style": rec["style"], "path": os.path.join("tree", rec["path"])}
        for k in ("secret", "session_token", "smtp_password"):
            if k in rec:  # the report carries sha256 of secret values, not the values
                p[k + "_sha256"] = hashlib.sha256(rec[k].encode()).hexdigest()
        if "encoded" in rec:
            p["encoded"] = rec["encoded"]
        planted.append(p)
    with open(os.path.join(out, "planted.json"), "w") as f:
        json.dump({"note": "fake credentials from a seeded PRNG; not real", "planted": planted}, f, indent=1)
    stamp.update(files=len(t.files), bytes=total)
    with open(stamp_path, "w") as f:
        json.dump(stamp, f, indent=1)
    print(f"gen_tree: wrote {len(t.files)} files, {total} bytes ({total / MB:.0f} MB) to {tree} in {secs:.0f}s; "
          f"{len(planted)} fake credentials planted (list: {out}/planted.json)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
