#!/usr/bin/env python3
"""gen_repo.py - deterministic generator of a realistic git history for bench_history.sh.

    gen_repo.py OUT_DIR [--commits N] [--size-mb M] [--seed S] [--force]

Writes OUT_DIR/repo.git (a bare repository), OUT_DIR/planted.json (the fake credentials
planted in its history) and OUT_DIR/stamp.json (the parameters). If the stamp already
holds the same parameters and generator version, nothing is done.

The history (default 5000 commits, ~300 MB of distinct blob bytes) looks like a few
years of a mid-sized application:

  * a source tree that starts at ~1500 files and grows to ~3200: code (py, js, ts, go,
    c, java, rs, sh, sql), config (yaml, json, toml, ini, env, tf, xml) and docs (md,
    html, css), 200 B - 80 KB, a few hot files edited hundreds of times;
  * ~40 larger files (100 KB - 2 MB) that real repositories rewrite again and again:
    package-lock.json, go.sum, CHANGELOG.md, CSV/JSON fixtures, an OpenAPI spec,
    generated protobuf code, .po catalogues, a vendored minified bundle, SVGs and a few
    binary images;
  * each commit edits a few files (hunks inserted, deleted, changed), and some add,
    delete or move files; feature branches fork and merge back (merge commits), some
    stay unmerged (wip/..., release/... branches), releases are tagged (annotated);
  * fixed authors, committers and dates: the same parameters give the same commit IDs;
  * ~20 fake AWS credentials (AKIA/ASIA + 16 base32 characters, 5th character in Q-Z/2-7
    with a decodable account ID, and 40-character secrets) are committed in
    env/ini/yaml/json/python/shell/terraform syntax and removed again later (edited out
    or the file deleted), some on feature branches. They come from
    tests/support/fakekeys.py, seeded: they are not real and never were. None remains
    at any branch tip.

--size-mb sets the total of distinct blob bytes (what sesame reads and the MB/s
denominator of the benchmark): larger files are rewritten more or less often to meet it.
The stream is fed to `git fast-import`, then `git repack -adf` packs it with deltas like
a real clone.
"""

import argparse
import hashlib
import json
import math
import os
import random
import re
import shutil
import string
import subprocess
import sys
import time

# The fake credentials come from the tests' generator, tests/support/fakekeys.py.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "support"))
import fakekeys  # noqa: E402

# Bump whenever the generated repository changes for the same parameters (3: keys from
# fakekeys.py).
GEN_VERSION = 3
MB = 1_000_000

B64 = string.ascii_letters + string.digits + "+/"

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

PEOPLE = [("Alice Moreau", "alice.moreau@example.com"), ("Bogdan Petrov", "bogdan@example.com"),
          ("Chen Wei", "chen.wei@example.com"), ("Dana Whitfield", "dana.w@example.org"),
          ("Emeka Okafor", "emeka@example.com"), ("Fatima Zahra", "fzahra@example.net"),
          ("Gustavo Lima", "glima@example.com"), ("Hanna Nieminen", "hanna.n@example.com"),
          ("Ivan Horvat", "ivan.horvat@example.org"), ("Jun Takahashi", "jun.t@example.com"),
          ("Kiran Rao", "kiran.rao@example.com"), ("Lea Schneider", "lea@example.de"),
          ("ci-bot", "ci-bot@example.com")]
TZS = ["+0000", "+0100", "+0200", "-0500", "-0800", "+0530", "+0900", "+0300"]
REGIONS = ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1",
           "ap-southeast-2", "ap-northeast-1", "sa-east-1", "ca-central-1"]

CODE_KINDS = ["py", "js", "ts", "go", "c", "h", "java", "rs", "sh", "sql"]
CONF_KINDS = ["yaml", "json", "toml", "ini", "env", "tf", "xml"]
DOC_KINDS = ["md", "txt", "html", "css"]
# Relative frequency of kinds for new ordinary files.
KIND_WEIGHTS = {"py": 14, "js": 9, "ts": 10, "go": 9, "c": 4, "h": 3, "java": 7, "rs": 5,
                "sh": 3, "sql": 3, "yaml": 7, "json": 5, "toml": 2, "ini": 1, "env": 1,
                "tf": 3, "xml": 2, "md": 6, "txt": 1, "html": 3, "css": 2}
TOPS = {"py": ["src/app", "src/lib", "tests", "tools"], "js": ["web/src", "web/lib", "web/test"],
        "ts": ["web/src", "web/components", "web/test"], "go": ["cmd", "internal", "pkg"],
        "c": ["native/src"], "h": ["native/include"], "java": ["android/app/src/main/java"],
        "rs": ["crates"], "sh": ["scripts", "deploy"], "sql": ["db/migrations", "db/queries"],
        "yaml": ["deploy/k8s", "config", ".github/workflows"], "json": ["config", "web/public"],
        "toml": ["config", "crates"], "ini": ["config"], "env": ["config", "deploy"],
        "tf": ["infra"], "xml": ["android/app/src/main/res", "config"], "md": ["docs"],
        "txt": ["docs", "data"], "html": ["web/public", "docs/site"], "css": ["web/styles"]}

# Larger files: (kind, path, size range in KB, how often picked when a large file is
# rewritten). Real histories rewrite these over and over: lock files on every dependency
# bump, changelogs on every release, fixtures and generated code on schema changes.
LARGE = [
    ("lockjson", "web/package-lock.json", (600, 1800), 10),
    ("lockjson", "docs/site/package-lock.json", (300, 900), 3),
    ("gosum", "go.sum", (150, 500), 6),
    ("lockjson", "crates/Cargo.lock.json", (200, 600), 3),
    ("changelog", "CHANGELOG.md", (100, 300), 6),
    ("openapi", "api/openapi.yaml", (200, 900), 6),
    ("pbgen", "src/app/proto/service_pb2.py", (150, 700), 4),
    ("pbgen", "internal/proto/service.pb.go", (200, 900), 4),
    ("csv", "tests/fixtures/customers.csv", (300, 2000), 3),
    ("csv", "tests/fixtures/orders.csv", (300, 2000), 3),
    ("csv", "data/seed/products.csv", (100, 800), 2),
    ("jsondata", "tests/fixtures/api_responses.json", (200, 1500), 3),
    ("jsondata", "web/test/fixtures/catalog.json", (100, 900), 2),
    ("po", "locale/de/LC_MESSAGES/messages.po", (100, 400), 2),
    ("po", "locale/fr/LC_MESSAGES/messages.po", (100, 400), 2),
    ("po", "locale/ja/LC_MESSAGES/messages.po", (100, 400), 2),
    ("po", "locale/es/LC_MESSAGES/messages.po", (100, 400), 1),
    ("minjs", "web/vendor/charts.min.js", (150, 500), 1),
    ("minjs", "web/vendor/editor.min.js", (300, 1200), 1),
    ("svg", "web/public/img/architecture.svg", (100, 400), 1),
    ("svg", "docs/img/dataflow.svg", (100, 300), 1),
    ("sqldump", "db/fixtures/dev_dump.sql", (300, 1500), 2),
    ("png", "web/public/img/hero.png", (100, 400), 1),
    ("png", "docs/img/screenshot-dashboard.png", (100, 600), 1),
    ("png", "android/app/src/main/res/drawable/splash.png", (100, 300), 1),
    ("pbgen", "web/src/generated/api_client.ts", (150, 600), 3),
    ("openapi", "api/internal.yaml", (100, 400), 2),
    ("changelog", "web/CHANGELOG.md", (100, 200), 2),
    ("csv", "data/exports/regions.csv", (100, 300), 1),
    ("jsondata", "config/feature_flags.json", (100, 300), 3),
    ("lockjson", "tools/package-lock.json", (100, 400), 1),
    ("gosum", "tools/go.sum", (100, 200), 1),
    ("pbgen", "native/src/generated_tables.c", (200, 1000), 1),
    ("sqldump", "db/schema_snapshot.sql", (100, 300), 2),
]


class Text:
    """Random but plausible file content, one generator per kind."""

    def __init__(self, r):
        self.r = r

    # --- small things -------------------------------------------------------------------
    def w(self):
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
            return "".join(x.capitalize() for x in ws)
        return ws[0] + "".join(x.capitalize() for x in ws[1:])

    def sentence(self, lo=6, hi=16):
        s = " ".join(self.r.choice(LOREM) for _ in range(self.r.randint(lo, hi)))
        return s[0].upper() + s[1:] + "."

    def hexs(self, n):
        return "%0*x" % (n, self.r.getrandbits(4 * n))

    def b64(self, n):
        return "".join(self.r.choices(B64, k=n))

    def uuid(self):
        h = self.hexs(32)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"

    def ver(self):
        r = self.r
        return f"{r.randint(0, 12)}.{r.randint(0, 40)}.{r.randint(0, 30)}"

    def num(self):
        return str(self.r.choice((0, 1, 2, 3, 5, 8, 10, 16, 30, 60, 100, 128, 256, 1000, 1024, 3600, 65536)))

    # --- ordinary files: blocks of lines ---------------------------------------------------
    def block(self, kind):
        r, w, i = self.r, self.w, self.ident
        if kind == "py":
            f = i("snake")
            body = [f"def {f}({i('snake')}, {i('snake')}=None, *, timeout={self.num()}):",
                    f'    """{self.sentence()}"""']
            for _ in range(r.randint(2, 14)):
                body.append(r.choice((
                    f"    {i('snake')} = {i('snake')}.{i('snake')}({i('snake')}, {self.num()})",
                    f"    if {i('snake')} is None:\n        raise {i('pascal')}Error(\"{self.sentence(3, 8)}\")",
                    f"    for {w()} in {i('snake')}:\n        {i('snake')}.append({w()}.{w()})",
                    f"    log.debug(\"{w()} %s {w()}=%d\", {i('snake')}, len({w()}))",
                    f"    # {self.sentence()}",
                    f"    {i('snake')}[\"{w()}\"] = {i('snake')}.get(\"{w()}\", {self.num()})",
                )))
            body.append(f"    return {i('snake')}")
            return body + [""]
        if kind in ("js", "ts"):
            f = i("camel")
            t = ": " + r.choice(("string", "number", "boolean", i("pascal"))) if kind == "ts" else ""
            body = [f"export async function {f}({i('camel')}{t}, {i('camel')}{t}) {{"]
            for _ in range(r.randint(2, 12)):
                body.append(r.choice((
                    f"  const {i('camel')} = await {i('camel')}.{i('camel')}({i('camel')});",
                    f"  if (!{i('camel')}) {{\n    throw new Error(`{self.sentence(3, 8)}`);\n  }}",
                    f"  // {self.sentence()}",
                    f"  {i('camel')}.{w()} = {{ {w()}: {self.num()}, {w()}: '{w()}-{w()}' }};",
                    f"  for (const {w()} of {i('camel')}) {{\n    {i('camel')}.push({w()}.{w()});\n  }}",
                )))
            body += [f"  return {i('camel')};", "}", ""]
            return body
        if kind == "go":
            f = i("pascal")
            body = [f"// {f} {self.sentence(4, 12)}",
                    f"func (s *{i('pascal')}) {f}(ctx context.Context, {w()} {r.choice(('string', 'int', '[]byte'))}) error {{"]
            for _ in range(r.randint(2, 12)):
                body.append(r.choice((
                    f"\t{i('camel')}, err := s.{i('camel')}.{i('pascal')}(ctx, {w()})\n\tif err != nil {{\n\t\treturn fmt.Errorf(\"{w()} {w()}: %w\", err)\n\t}}",
                    f"\ts.{i('camel')}[{w()}] = {self.num()}",
                    f"\t// {self.sentence()}",
                    f"\tlog.Printf(\"{w()} %s %d\", {w()}, len(s.{i('camel')}))",
                )))
            body += ["\treturn nil", "}", ""]
            return body
        if kind in ("c", "h"):
            if kind == "h":
                return [f"/* {self.sentence()} */",
                        f"int {i('snake')}(struct {i('snake')} *{w()}, const char *{w()}, size_t {w()});",
                        f"#define {i('const')} {self.num()}", ""]
            f = i("snake")
            body = [f"static int {f}(struct {i('snake')} *{w()}, size_t {w()})", "{"]
            for _ in range(r.randint(2, 12)):
                body.append(r.choice((
                    f"    if ({w()}->{w()} == NULL)\n        return -{r.choice(('EINVAL', 'ENOMEM', 'EIO'))};",
                    f"    {w()}->{i('snake')} = {i('snake')}({w()}, {self.num()});",
                    f"    /* {self.sentence()} */",
                    f"    for (size_t i = 0; i < {w()}->n_{w()}; i++)\n        {w()}->{w()}[i] = {self.num()};",
                )))
            body += ["    return 0;", "}", ""]
            return body
        if kind == "java":
            f = i("camel")
            body = ["    /**", f"     * {self.sentence()}", "     */",
                    f"    public {i('pascal')} {f}({i('pascal')} {w()}, int {w()}) throws {i('pascal')}Exception {{"]
            for _ in range(r.randint(2, 10)):
                body.append(r.choice((
                    f"        {i('pascal')} {i('camel')} = this.{i('camel')}.{i('camel')}({w()});",
                    f"        if ({w()} == null) {{\n            throw new IllegalStateException(\"{self.sentence(3, 7)}\");\n        }}",
                    f"        LOG.info(\"{w()} {{}} {w()} {{}}\", {w()}, {w()});",
                )))
            body += [f"        return {i('camel')};", "    }", ""]
            return body
        if kind == "rs":
            f = i("snake")
            body = [f"/// {self.sentence()}",
                    f"pub fn {f}(&mut self, {w()}: &{i('pascal')}) -> Result<{i('pascal')}, Error> {{"]
            for _ in range(r.randint(2, 10)):
                body.append(r.choice((
                    f"    let {i('snake')} = self.{i('snake')}.{i('snake')}({w()})?;",
                    f"    if {w()}.{w()}.is_empty() {{\n        return Err(Error::{i('pascal')});\n    }}",
                    f"    // {self.sentence()}",
                )))
            body += [f"    Ok({i('snake')})", "}", ""]
            return body
        if kind == "sh":
            return [f"# {self.sentence()}",
                    f"{i('snake')}() {{",
                    f"    local {w()}=\"${{1:-{w()}}}\"",
                    f"    {r.choice(('aws s3 cp', 'kubectl apply -f', 'docker build -t', 'terraform plan -out'))} \"${w()}\" {w()}-{w()}",
                    f"    echo \"{w()} done: ${w()}\"", "}", ""]
        if kind == "sql":
            t = i("snake")
            return [f"-- {self.sentence()}", f"CREATE TABLE IF NOT EXISTS {t} (",
                    "    id BIGSERIAL PRIMARY KEY,",
                    *[f"    {i('snake')} {r.choice(('TEXT', 'INTEGER', 'TIMESTAMPTZ', 'JSONB', 'BOOLEAN'))} NOT NULL," for _ in range(r.randint(2, 8))],
                    "    created_at TIMESTAMPTZ NOT NULL DEFAULT now()", ");",
                    f"CREATE INDEX {t}_{w()}_idx ON {t} ({w()});", ""]
        if kind == "yaml":
            out = [f"{i('snake')}:"]
            for _ in range(r.randint(2, 8)):
                out.append(r.choice((
                    f"  {w()}: {self.num()}", f"  {w()}_{w()}: \"{w()}-{w()}\"",
                    f"  image: registry.example.com/{w()}/{w()}:{self.ver()}",
                    f"  region: {r.choice(REGIONS)}", f"  # {self.sentence(4, 10)}",
                    f"  checksum: sha256:{self.hexs(64)}",
                )))
            return out + [""]
        if kind == "json":
            items = [f'    "{i("camel")}": {r.choice((self.num(), "true", "false", chr(34) + w() + chr(34)))}'
                     for _ in range(r.randint(2, 8))]
            return [f'  "{i("camel")}": {{', ",\n".join(items), "  },"]
        if kind == "toml":
            return [f"[{i('snake')}]"] + [f'{w()} = {r.choice((self.num(), chr(34) + self.ver() + chr(34), "true"))}'
                                          for _ in range(r.randint(2, 6))] + [""]
        if kind == "ini":
            return [f"[{w()}]"] + [f"{i('snake')} = {r.choice((self.num(), w(), r.choice(REGIONS)))}"
                                  for _ in range(r.randint(2, 6))] + [""]
        if kind == "env":
            return [f"{i('const')}={r.choice((self.num(), w(), 'https://' + w() + '.example.com', r.choice(REGIONS)))}"
                    for _ in range(r.randint(2, 6))]
        if kind == "tf":
            return [f'resource "aws_{r.choice(("s3_bucket", "iam_role", "lambda_function", "sqs_queue"))}" "{i("snake")}" {{',
                    f'  name = "{w()}-{w()}-${{var.env}}"', f"  tags = {{ team = \"{w()}\" }}", "}", ""]
        if kind == "xml":
            return [f'  <{i("camel")} name="{w()}" value="{self.num()}"/>' for _ in range(r.randint(2, 6))]
        if kind == "md":
            return [f"## {self.sentence(2, 5)[:-1]}", "", self.sentence(10, 30), self.sentence(10, 30), "",
                    f"- `{i('snake')}`: {self.sentence(4, 10)}", f"- `{i('snake')}`: {self.sentence(4, 10)}", ""]
        if kind == "txt":
            return [self.sentence(8, 20) for _ in range(r.randint(2, 6))] + [""]
        if kind == "html":
            return [f'<div class="{w()}-{w()}">', f"  <h2>{self.sentence(2, 5)}</h2>",
                    f"  <p>{self.sentence(8, 20)}</p>", f'  <a href="/{w()}/{w()}">{w()}</a>', "</div>"]
        if kind == "css":
            return [f".{w()}-{w()} {{", f"  margin: {r.randint(0, 32)}px;",
                    f"  color: #{self.hexs(6)};", f"  display: {r.choice(('flex', 'block', 'grid'))};", "}", ""]
        raise AssertionError(kind)

    def header(self, kind):
        w = self.w
        if kind == "py":
            return [f'"""{self.sentence()}"""', "", "import logging", f"from . import {w()}, {w()}", "",
                    "log = logging.getLogger(__name__)", ""]
        if kind in ("js", "ts"):
            return [f"import {{ {self.ident('camel')} }} from './{w()}';", f"import {w()} from '{w()}';", ""]
        if kind == "go":
            return [f"package {w()}", "", 'import (\n\t"context"\n\t"fmt"\n\t"log"\n)', ""]
        if kind == "c":
            return ['#include <stdlib.h>', '#include <string.h>', f'#include "{w()}.h"', ""]
        if kind == "java":
            return [f"package com.example.{w()};", "", f"public class {self.ident('pascal')} {{", ""]
        if kind == "sh":
            return ["#!/usr/bin/env bash", "set -euo pipefail", ""]
        if kind == "json":
            return ["{"]
        if kind == "xml":
            return ['<?xml version="1.0" encoding="utf-8"?>', "<resources>"]
        if kind == "md":
            return [f"# {self.sentence(2, 5)[:-1]}", ""]
        return []

    def ordinary(self, kind, size):
        out = self.header(kind)
        n = sum(len(x) + 1 for x in out)
        while n < size:
            b = self.block(kind)
            out.extend(b)
            n += sum(len(x) + 1 for x in b)
        if kind == "json":
            out.append('  "version": 1\n}')
        elif kind == "xml":
            out.append("</resources>")
        elif kind == "java":
            out.append("}")
        return ("\n".join(out) + "\n").encode()

    # --- large files -----------------------------------------------------------------------
    def large_unit(self, kind):
        """One record of a large file, as text (several lines)."""
        r, w = self.r, self.w
        if kind == "lockjson":
            n = f"{w()}-{w()}" if r.random() < 0.5 else f"@{w()}/{w()}"
            v = self.ver()
            return (f'    "node_modules/{n}": {{\n      "version": "{v}",\n'
                    f'      "resolved": "https://registry.npmjs.org/{n}/-/{n.split("/")[-1]}-{v}.tgz",\n'
                    f'      "integrity": "sha512-{self.b64(86)}==",\n'
                    f'      "dev": {r.choice(("true", "false"))}\n    }},\n')
        if kind == "gosum":
            m = f"github.com/{w()}/{w()}-{w()} v{self.ver()}"
            return f"{m} h1:{self.b64(43)}=\n{m}/go.mod h1:{self.b64(43)}=\n"
        if kind == "changelog":
            lines = [f"## [{self.ver()}] - 20{r.randint(19, 24)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}", ""]
            for sec in r.sample(("Added", "Changed", "Fixed", "Security", "Removed"), r.randint(1, 3)):
                lines += [f"### {sec}", ""] + [f"- {self.sentence(5, 14)} (#{r.randint(100, 9999)})"
                                               for _ in range(r.randint(1, 6))] + [""]
            return "\n".join(lines) + "\n"
        if kind == "openapi":
            p = f"/v{r.randint(1, 3)}/{w()}s/{{{w()}Id}}/{w()}"
            return (f"  {p}:\n    {r.choice(('get', 'post', 'put', 'delete'))}:\n"
                    f"      operationId: {self.ident('camel')}\n      summary: {self.sentence(4, 9)}\n"
                    f"      tags: [{w()}]\n      responses:\n        '200':\n          description: {self.sentence(3, 6)}\n"
                    f"          content:\n            application/json:\n              schema:\n"
                    f"                $ref: '#/components/schemas/{self.ident('pascal')}'\n")
        if kind == "pbgen":
            name = self.ident("pascal")
            return (f"// Code generated by protoc-gen. DO NOT EDIT.\n"
                    f"var file_{w()}_proto_rawDesc_{name} = []byte{{\n" +
                    "".join("\t" + ", ".join(f"0x{r.getrandbits(8):02x}" for _ in range(16)) + ",\n"
                            for _ in range(r.randint(2, 12))) + "}\n\n")
        if kind == "csv":
            return (f"{r.randint(1, 10**7)},{self.uuid()},{w()} {w()},{w()}@example.com,"
                    f"{r.choice(REGIONS)},{r.random() * 1000:.2f},20{r.randint(19, 24)}-{r.randint(1, 12):02d}-"
                    f"{r.randint(1, 28):02d}T{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:00Z,{r.choice(('active', 'closed', 'pending'))}\n")
        if kind == "jsondata":
            return (f'  {{"id": "{self.uuid()}", "{w()}": "{w()} {w()}", "{w()}": {r.randint(0, 10**6)}, '
                    f'"etag": "{self.hexs(32)}", "tags": ["{w()}", "{w()}"], "note": "{self.sentence(3, 10)}"}},\n')
        if kind == "po":
            return f'#: src/app/{w()}.py:{r.randint(1, 900)}\nmsgid "{self.sentence(2, 8)}"\nmsgstr "{self.sentence(2, 9)}"\n\n'
        if kind == "minjs":
            f = "".join(r.choices(string.ascii_letters, k=2))
            return (f"function {f}(a,b){{var c=a.{w()}||{{}};return c.{w()}?b({self.num()},c):"
                    f"'{w()}-{w()}'+c.{w()}.{w()}({self.num()})}};")
        if kind == "svg":
            pts = " ".join(f"{r.uniform(0, 1200):.2f},{r.uniform(0, 800):.2f}" for _ in range(r.randint(4, 24)))
            return f'  <path d="M {pts} Z" fill="#{self.hexs(6)}" stroke-width="{r.randint(1, 4)}"/>\n'
        if kind == "sqldump":
            return (f"INSERT INTO {w()}_{w()} (id, name, email, payload, created_at) VALUES "
                    f"({r.randint(1, 10**7)}, '{w()} {w()}', '{w()}@example.com', "
                    f"'{{\"{w()}\": \"{self.hexs(24)}\"}}', '20{r.randint(19, 24)}-0{r.randint(1, 9)}-1{r.randint(0, 9)}');\n")
        raise AssertionError(kind)

    def large(self, kind, size):
        if kind == "png":
            return b"\x89PNG\r\n\x1a\n" + self.r.randbytes(size)
        head = {"lockjson": '{\n  "name": "app",\n  "lockfileVersion": 3,\n  "packages": {\n',
                "changelog": "# Changelog\n\nAll notable changes to this project are documented here.\n\n",
                "openapi": "openapi: 3.0.3\ninfo:\n  title: API\n  version: 1.0.0\npaths:\n",
                "csv": "id,uuid,name,email,region,amount,updated_at,status\n",
                "jsondata": "[\n", "svg": '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1200 800">\n',
                "po": 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'}.get(kind, "")
        tail = {"lockjson": "  }\n}\n", "jsondata": "]\n", "svg": "</svg>\n"}.get(kind, "")
        parts = [head]
        n = len(head)
        while n < size:
            u = self.large_unit(kind)
            parts.append(u)
            n += len(u)
        parts.append(tail)
        s = "".join(parts)
        if kind == "minjs":  # a bundle: a few very long lines
            s = "\n".join(s[i:i + 30000] for i in range(0, len(s), 30000)) + "\n"
        return s.encode()

    # --- edits -----------------------------------------------------------------------------
    def edit_ordinary(self, data, kind, base_size):
        """A commit's worth of changes to an ordinary file: 1-3 hunks."""
        r = self.r
        lines = data.split(b"\n")
        shrink = len(data) > 3 * max(base_size, 2000)
        for _ in range(r.choice((1, 1, 1, 2, 2, 3))):
            pos = r.randrange(len(lines) + 1)
            op = r.random()
            if op < 0.35 and not shrink:  # new code
                new = "\n".join(self.block(kind)).encode().split(b"\n")
                lines[pos:pos] = new
            elif op < 0.55 or shrink:  # removed lines
                del lines[pos:pos + r.randint(1, 12 if shrink else 5)]
            else:  # changed lines
                k = r.randint(1, 4)
                new = "\n".join(self.block(kind)).encode().split(b"\n")[:k]
                lines[pos:pos + k] = new
        return b"\n".join(lines)

    def edit_large(self, data, kind):
        """A dependency bump, a release entry, regenerated code, edited fixtures."""
        r = self.r
        if kind == "png":
            return b"\x89PNG\r\n\x1a\n" + r.randbytes(max(1000, len(data) + r.randint(-20000, 20000)))
        if kind == "minjs":  # vendored upgrade: rewritten from scratch
            return self.large("minjs", max(50000, len(data) + r.randint(-30000, 60000)))
        lines = data.split(b"\n")
        n = len(lines)
        if kind == "changelog":  # a release on top
            lines[4:4] = self.large_unit(kind).encode().split(b"\n")
            return b"\n".join(lines)
        hunks = r.randint(2, 25) if kind in ("lockjson", "gosum", "pbgen") else r.randint(1, 8)
        for _ in range(hunks):
            pos = r.randrange(5, max(6, n - 5))
            k = r.randint(1, 8)
            new = "".join(self.large_unit(kind) for _ in range(r.choice((0, 1, 1, 2)))).encode()
            new_lines = new.split(b"\n")[:-1] if new else []
            lines[pos:pos + k] = new_lines
            n = len(lines)
        return b"\n".join(lines)


PLANT_STYLES = ["env", "ini", "yaml", "json", "py", "sh", "tf", "env", "py", "yaml"]


def plant_snippet(r, t, style, kid, sec):
    w = t.w
    if style == "env":
        return f"AWS_ACCESS_KEY_ID={kid}\nAWS_SECRET_ACCESS_KEY={sec}\nAWS_DEFAULT_REGION={r.choice(REGIONS)}\n"
    if style == "ini":
        return f"[{w()}-{w()}]\naws_access_key_id = {kid}\naws_secret_access_key = {sec}\nregion = {r.choice(REGIONS)}\n\n"
    if style == "yaml":
        return f"{w()}_aws:\n  access_key_id: {kid}\n  secret_access_key: {sec}\n\n"
    if style == "json":
        return f'  "awsCredentials": {{"accessKeyId": "{kid}", "secretAccessKey": "{sec}"}},\n'
    if style == "py":
        return f'AWS_ACCESS_KEY_ID = "{kid}"\nAWS_SECRET_ACCESS_KEY = "{sec}"\n'
    if style == "sh":
        return f"export AWS_ACCESS_KEY_ID={kid}\nexport AWS_SECRET_ACCESS_KEY={sec}\n"
    if style == "tf":
        return f'provider "aws" {{\n  region     = "{r.choice(REGIONS)}"\n  access_key = "{kid}"\n  secret_key = "{sec}"\n}}\n\n'
    raise AssertionError(style)


# --- the repository model -----------------------------------------------------------------
class Rec:
    """One file at one point of a branch. Immutable: an edit makes a new Rec."""
    __slots__ = ("mark", "data", "mode", "kind", "hot", "large", "base")

    def __init__(self, mark, data, mode, kind, hot, large, base):
        self.mark, self.data, self.mode, self.kind = mark, data, mode, kind
        self.hot, self.large, self.base = hot, large, base


class Branch:
    def __init__(self, name, files, head, merge_into=None, commits=0, base=None):
        self.name = name
        self.files = files      # path -> Rec
        self.paths = list(files)  # for uniform picks; may hold stale paths (checked)
        self.head = head        # mark of the tip commit
        self.merge_into = merge_into
        self.left = commits     # commits still to make
        self.base = base        # files at the fork point (for the merge)


class Gen:
    def __init__(self, args, out):
        self.args = args
        self.r = random.Random(args.seed)
        self.t = Text(self.r)
        self.keys = fakekeys.Keys("bench-repo:%s" % args.seed)
        self.out = out
        self.mark = 0
        self.blob_bytes = 0
        self.n_blobs = 0
        self.seen = {}          # sha1 of content -> mark
        self.ts = 1546300800    # 2019-01-01
        self.pinned = {}        # path -> number of branches holding a planted credential there
        self.plants = []
        self.pending = []       # plants to remove: dicts with branch, due step
        self.n_commits = 0
        self.n_merges = 0
        self.tags = []
        self.delete_refs = []
        self.large_paths = {}   # path -> (kind, weight)

    def pin(self, p):
        self.pinned[p] = self.pinned.get(p, 0) + 1

    def unpin(self, p):
        self.pinned[p] -= 1
        if not self.pinned[p]:
            del self.pinned[p]

    def next_mark(self):
        self.mark += 1
        return self.mark

    def blob(self, data):
        h = hashlib.sha1(data).digest()
        m = self.seen.get(h)
        if m:
            return m
        m = self.next_mark()
        self.out.write(b"blob\nmark :%d\ndata %d\n" % (m, len(data)))
        self.out.write(data)
        self.out.write(b"\n")
        self.seen[h] = m
        self.blob_bytes += len(data)
        self.n_blobs += 1
        return m

    def person(self):
        name, email = self.r.choice(PEOPLE)
        return f"{name} <{email}> {self.ts} {self.r.choice(TZS)}"

    def tick(self):
        r = self.r
        # Work hours mostly: minutes to a day apart, sometimes a week.
        self.ts += int(r.expovariate(1 / 9000)) + 60 + (r.random() < 0.01) * r.randint(86400, 7 * 86400)

    def message(self):
        r, t = self.r, self.t
        subj = r.choice((f"Fix {t.w()} handling in {t.ident('snake')}",
                         f"Add {t.w()} {t.w()} to {t.w()} service",
                         f"Refactor {t.ident('pascal')}", f"Bump {t.w()}-{t.w()} to {t.ver()}",
                         f"Update {t.w()} docs", f"{t.w().capitalize()}: handle empty {t.w()}",
                         f"Remove unused {t.ident('camel')}", f"Tests for {t.w()} {t.w()}"))
        if r.random() < 0.4:
            subj += "\n\n" + t.sentence(8, 30) + "\n"
        return subj + "\n"

    def emit_commit(self, br, ops, msg=None, merge=None):
        """ops: list of ('M', path, Rec) or ('D', path)."""
        self.tick()
        m = self.next_mark()
        msg = (msg or self.message()).encode()
        w = self.out.write
        w(b"commit refs/heads/%s\nmark :%d\n" % (br.name.encode(), m))
        who = self.person()
        w(f"author {who}\ncommitter {who}\n".encode())
        w(b"data %d\n%s\n" % (len(msg), msg))
        if br.head:
            w(b"from :%d\n" % br.head)
        if merge:
            w(b"merge :%d\n" % merge)
        for op in ops:
            if op[0] == "M":
                w(b"M %s :%d %s\n" % (op[2].mode.encode(), op[2].mark, op[1].encode()))
            else:
                w(b"D %s\n" % op[1].encode())
        w(b"\n")
        br.head = m
        self.n_commits += 1
        return m

    # --- picking files ----------------------------------------------------------------------
    def pick(self, br, want_large=False):
        r = self.r
        for _ in range(200):
            if not br.paths:
                return None
            i = r.randrange(len(br.paths))
            p = br.paths[i]
            rec = br.files.get(p)
            if rec is None:  # stale: deleted or moved
                br.paths[i] = br.paths[-1]
                br.paths.pop()
                continue
            if p in self.pinned or rec.large != want_large:
                continue
            if r.random() * 50 < rec.hot:
                return p
        return None

    def pick_large(self, br):
        r = self.r
        cands = [(p, wt) for p, (k, wt) in self.large_paths.items() if p in br.files and p not in self.pinned]
        if not cands:
            return None
        tot = sum(wt for _, wt in cands)
        x = r.random() * tot
        for p, wt in cands:
            x -= wt
            if x < 0:
                return p
        return cands[-1][0]

    def new_path(self, br, kind):
        r, t = self.r, self.t
        top = r.choice(TOPS[kind])
        depth = r.choice((0, 1, 1, 1, 2, 2, 3))
        parts = [top] + [t.w() for _ in range(depth)]
        name = t.ident("snake" if kind not in ("java", "ts", "js") else "camel")
        if kind == "java":
            name = t.ident("pascal")
        for n in range(100):
            p = "/".join(parts) + "/" + name + (f"_{n}" if n else "") + "." + kind
            if p not in br.files:
                return p
        return None

    def new_ordinary(self, br, kind=None):
        r = self.r
        kind = kind or r.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]
        size = int(min(80000, max(200, r.lognormvariate(math.log(3500), 1.0))))
        p = self.new_path(br, kind)
        if p is None:
            return None
        data = self.t.ordinary(kind, size)
        hot = min(50.0, r.paretovariate(1.1))
        mode = "100755" if kind == "sh" else "100644"
        return p, Rec(self.blob(data), data, mode, kind, hot, False, size)

    # --- one commit ---------------------------------------------------------------------------
    def changes(self, br, step, n_steps):
        """The file operations of an ordinary commit on branch br."""
        r, t = self.r, self.t
        ops = []
        touched = set()

        def put(p, rec):
            br.files[p] = rec
            br.paths.append(p)
            touched.add(p)
            ops.append(("M", p, rec))

        def drop(p):
            br.files.pop(p, None)
            touched.add(p)
            ops.append(("D", p))

        # edits
        for _ in range(r.choice((1, 1, 1, 2, 2, 2, 3, 3, 4, 6))):
            p = self.pick(br)
            if p is None or p in touched:
                continue
            rec = br.files[p]
            data = t.edit_ordinary(rec.data, rec.kind, rec.base)
            put(p, Rec(self.blob(data), data, rec.mode, rec.kind, rec.hot, False, rec.base))
        # large files, paced to reach --size-mb over the history
        goal = self.base_bytes + (self.target - self.base_bytes) * (step + 1) / n_steps
        for _ in range(4):
            if self.blob_bytes >= goal:
                break
            p = self.pick_large(br)
            if p is None or p in touched:
                break
            rec = br.files[p]
            data = t.edit_large(rec.data, rec.kind)
            put(p, Rec(self.blob(data), data, rec.mode, rec.kind, rec.hot, True, rec.base))
        # adds: in bursts of 1-4 files
        if r.random() < self.add_rate / 2.5:
            for _ in range(r.randint(1, 4)):
                nf = self.new_ordinary(br)
                if nf:
                    put(*nf)
        # deletes
        if r.random() < 0.12:
            p = self.pick(br)
            if p and p not in touched:
                drop(p)
                if r.random() < 0.15:  # a whole directory goes
                    d = p.rsplit("/", 1)[0] + "/"
                    for q in [q for q in br.files if q.startswith(d) and q not in self.pinned
                              and not br.files[q].large][:30]:
                        if q not in touched:
                            drop(q)
        # moves (sometimes with a small edit, as git mv + fix-ups)
        if r.random() < 0.06:
            p = self.pick(br)
            if p and p not in touched:
                rec = br.files[p]
                d, name = p.rsplit("/", 1) if "/" in p else ("", p)
                if r.random() < 0.5:
                    d = r.choice(TOPS[rec.kind]) + ("/" + t.w() if r.random() < 0.6 else "")
                else:
                    name = t.ident("snake") + "." + rec.kind
                q = (d + "/" if d else "") + name
                if q not in br.files:
                    drop(p)
                    if r.random() < 0.3:
                        data = t.edit_ordinary(rec.data, rec.kind, rec.base)
                        rec = Rec(self.blob(data), data, rec.mode, rec.kind, rec.hot, False, rec.base)
                    put(q, rec)
        return ops, touched

    # --- plants -------------------------------------------------------------------------------
    def plant(self, br, step, ops, touched, horizon):
        r, t = self.r, self.t
        idx = len(self.plants)
        style = PLANT_STYLES[idx % len(PLANT_STYLES)]
        kid = self.keys.key_id("ASIA" if idx % 7 == 3 else "AKIA")
        sec = self.keys.secret()
        snippet = plant_snippet(r, t, style, kid, sec).encode()
        # In an existing file of that kind, or a new file.
        existing = [p for p in br.files if br.files[p].kind == style and not br.files[p].large
                    and p not in self.pinned and p not in touched]
        new_file = not existing or r.random() < 0.4
        if new_file:
            kind_dir = {"env": "config", "ini": "config", "yaml": "deploy", "json": "config",
                        "py": "src/app/settings", "sh": "scripts", "tf": "infra/envs"}[style]
            p = f"{kind_dir}/{r.choice(('prod', 'staging', 'dev', 'local', 'ci', 'backup'))}_{t.w()}_{idx}.{style}"
            data = snippet if style != "json" else b"{\n" + snippet + b'  "version": 1\n}\n'
            inserted = snippet
            rec = Rec(self.blob(data), data, "100755" if style == "sh" else "100644", style, 1.0, False, len(data))
        else:
            p = r.choice(existing)
            old = br.files[p]
            lines = old.data.split(b"\n")
            pos = r.randrange(1, len(lines)) if len(lines) > 1 else 0
            lines[pos:pos] = snippet.rstrip(b"\n").split(b"\n")
            inserted = snippet.rstrip(b"\n") + b"\n"  # always followed by a line break
            data = b"\n".join(lines)
            rec = Rec(self.blob(data), data, old.mode, old.kind, old.hot, False, old.base)
        br.files[p] = rec
        br.paths.append(p)
        touched.add(p)
        ops.append(("M", p, rec))
        self.pin(p)
        delay = r.choice((1, 1, 2, 5, 20, 60, 150, 400))
        due = min(step + delay, horizon)
        rec_p = {"key_id": kid, "secret": sec, "style": style, "path": p, "branch": br.name,
                 "added_step": step, "removal": "delete file" if new_file and r.random() < 0.5 else "edit",
                 "new_file": new_file, "inserted": inserted}
        self.plants.append(rec_p)
        self.pending.append((due, br, rec_p))

    def unplant(self, br, step, ops, touched, force=False):
        keep = []
        for due, b, p in self.pending:
            if b is not br or (due > step and not force) or p["path"] in touched:
                keep.append((due, b, p))
                continue
            path = p["path"]
            rec = br.files[path]
            if p["removal"] == "delete file":
                br.files.pop(path)
                ops.append(("D", path))
            else:
                if p["inserted"] not in rec.data:
                    sys.exit(f"gen_repo.py: bug: planted {p['key_id']} not found in {path} on {br.name}")
                data = rec.data.replace(p["inserted"], b"", 1)
                nrec = Rec(self.blob(data), data, rec.mode, rec.kind, rec.hot, False, rec.base)
                br.files[path] = nrec
                ops.append(("M", path, nrec))
            touched.add(path)
            self.unpin(path)
            if not p.get("inherited"):
                p["removed_step"] = step
        self.pending = keep

    # --- the whole history --------------------------------------------------------------------
    def run(self):
        args, r, t = self.args, self.r, self.t
        N = args.commits
        self.target = args.size_mb * MB
        main = Branch("main", {}, 0)
        self.branches = [main]
        # Initial import: ordinary files plus the large ones.
        initial = 1500 if N >= 1000 else max(100, int(1500 * N / 1000))
        for _ in range(initial):
            nf = self.new_ordinary(main)
            if nf:
                main.files[nf[0]] = nf[1]
        for kind, path, (lo, hi), wt in LARGE:
            size = int(math.exp(r.uniform(math.log(lo), math.log(hi))) * 1000)
            data = t.large(kind, size)
            main.files[path] = Rec(self.blob(data), data, "100644", kind, 1.0, True, size)
            self.large_paths[path] = (kind, wt)
        main.paths = list(main.files)
        self.emit_commit(main, [("M", p, rec) for p, rec in sorted(main.files.items())],
                         msg="Initial import\n")
        self.base_bytes = self.blob_bytes
        final_files = initial + min(2000, int(0.45 * N))
        self.add_rate = (final_files - initial + 0.14 * N) / N

        n_plants = args.plants
        plant_steps = sorted(int((k + 0.5) * (N - 60) / n_plants) + 5 for k in range(n_plants))
        features = []
        n_feat = 0
        tag_every = max(20, N // 30)
        step = 1
        while self.n_commits < N:
            step += 1
            # Branch bookkeeping: merge a finished feature, fork a new one.
            done = [f for f in features if f.left <= 0]
            if done and self.n_commits < N:
                f = done[0]
                features.remove(f)
                if f.merge_into is not None:
                    self.merge(main, f)
                    continue
            if len(features) < 3 and r.random() < 0.025 and self.n_commits < N - 40:
                n_feat += 1
                kind = r.random()
                if kind < 0.12:
                    name, into = f"wip/{t.w()}-{t.w()}-{n_feat}", None
                elif kind < 0.2:
                    name, into = f"release/{len(self.tags) // 2 + 1}.{n_feat % 10}", None
                else:
                    name, into = f"feature/{t.w()}-{t.w()}-{n_feat}", main
                    if r.random() < 0.75:
                        self.delete_refs.append(f"refs/heads/{name}")
                f = Branch(name, dict(main.files), main.head, into, r.randint(2, 30), dict(main.files))
                f.fork = main.head
                features.append(f)
                self.branches.append(f)
                # Credentials on main not yet removed are on the new branch too: it
                # removes them as well (the developer rebased or cleaned up).
                for due, b, p in list(self.pending):
                    if b is main:
                        q = dict(p, inherited=True)
                        self.pending.append((min(due, step + f.left), f, q))
                        self.pin(p["path"])
            br = main
            if features and r.random() < 0.35:
                br = r.choice(features)
            is_plant = bool(plant_steps) and plant_steps[0] <= step
            if is_plant:
                plant_steps.pop(0)
            if is_plant and br is not main and br.left < 3:
                br = main  # a branch about to end: plant on main instead
            ops, touched = self.changes(br, step, N)
            if br is not main:
                br.left -= 1
            if is_plant:
                self.plant(br, step, ops, touched, step + br.left if br is not main else N - 3)
            self.unplant(br, step, ops, touched,
                         force=(br is not main and br.left <= 0) or self.n_commits >= N - 2)
            if not ops:
                continue
            self.emit_commit(br, ops)
            if br is main and self.n_commits % tag_every == 0:
                self.tag(main)
        # Branches still open: finish them (remove their plants), merge or leave them.
        for f in features:
            ops, touched = [], set()
            self.unplant(f, step, ops, touched, force=True)
            if ops:
                self.emit_commit(f, ops, msg="Remove local credentials\n")
            if f.merge_into is not None:
                self.merge(main, f)
        ops, touched = [], set()
        self.unplant(main, step, ops, touched, force=True)
        if ops:
            self.emit_commit(main, ops, msg="Remove leftover credentials\n")
        self.tag(main)
        if self.pending:
            sys.exit(f"gen_repo.py: bug: {len(self.pending)} planted credentials not removed")
        # No planted key may remain at a branch tip.
        keys = re.compile(b"|".join(re.escape(p["key_id"].encode()) for p in self.plants))
        seen = set()
        for b in self.branches:
            for path, rec in b.files.items():
                if id(rec) not in seen:
                    seen.add(id(rec))
                    m = keys.search(rec.data)
                    if m:
                        sys.exit(f"gen_repo.py: bug: {m.group().decode()} still in {path} on {b.name}")
        self.out.write(b"done\n")

    def merge(self, main, f):
        if f.head == f.fork:
            return  # nothing was committed on it
        ops = []
        for p, rec in f.files.items():
            if p in self.pinned:
                continue
            b = f.base.get(p)
            if b is rec:
                continue
            if b is not None and p not in main.files:
                continue  # deleted or moved on main since the fork: keep it so
            if main.files.get(p) is not rec:
                main.files[p] = rec
                main.paths.append(p)
                ops.append(("M", p, rec))
        for p in f.base:
            if p not in f.files and p in main.files and p not in self.pinned:
                main.files.pop(p)
                ops.append(("D", p))
        self.emit_commit(main, ops, msg=f"Merge branch '{f.name}'\n", merge=f.head)
        self.n_merges += 1

    def tag(self, br):
        n = len(self.tags)
        name = f"v{1 + n // 10}.{n % 10}.0"
        self.tick()
        msg = f"Release {name}\n".encode()
        self.out.write(b"tag %s\nfrom :%d\ntagger %s\ndata %d\n%s\n" %
                       (name.encode(), br.head, self.person().encode(), len(msg), msg))
        self.tags.append(name)


def git(repo, *a, **kw):
    return subprocess.run(["git", "-C", repo, *a], check=True, **kw)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--commits", type=int, default=5000)
    ap.add_argument("--size-mb", type=int, default=300, help="distinct blob bytes to aim for (default 300)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--plants", type=int, default=20, help="fake credentials to plant (default 20)")
    ap.add_argument("--force", action="store_true", help="regenerate even if the stamp matches")
    args = ap.parse_args()
    if args.commits < 50:
        ap.error("--commits must be at least 50")

    out = os.path.abspath(args.out)
    repo = os.path.join(out, "repo.git")
    stamp_path = os.path.join(out, "stamp.json")
    stamp = {"generator": "gen_repo.py", "version": GEN_VERSION, "commits": args.commits,
             "size_mb": args.size_mb, "seed": args.seed, "plants": args.plants,
             "python": sys.version_info[0]}
    try:
        with open(stamp_path) as f:
            old = json.load(f)
        if not args.force and {k: old.get(k) for k in stamp} == stamp and os.path.isdir(repo):
            print(f"gen_repo.py: {repo} is up to date ({old.get('commits_made')} commits, "
                  f"{old.get('blob_bytes', 0) / MB:.0f} MB of blobs)")
            return 0
    except (OSError, ValueError):
        pass

    t0 = time.time()
    shutil.rmtree(repo, ignore_errors=True)
    for f in ("stamp.json", "planted.json"):
        if os.path.exists(os.path.join(out, f)):
            os.unlink(os.path.join(out, f))
    os.makedirs(out, exist_ok=True)
    subprocess.run(["git", "init", "-q", "--bare", "--initial-branch=main", repo], check=True)
    env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1")
    fi = subprocess.Popen(["git", "-C", repo, "fast-import", "--quiet", "--done",
                           "--max-pack-size=4g"], stdin=subprocess.PIPE, env=env,
                          bufsize=1 << 20)
    g = Gen(args, fi.stdin)
    try:
        g.run()
    finally:
        fi.stdin.close()
    if fi.wait() != 0:
        sys.exit("gen_repo.py: git fast-import failed")
    t1 = time.time()
    print(f"gen_repo.py: {g.n_commits} commits ({g.n_merges} merges), {g.n_blobs} blobs, "
          f"{g.blob_bytes / MB:.1f} MB of distinct blob bytes, {len(g.plants)} planted keys "
          f"in {t1 - t0:.0f} s; repacking", flush=True)
    if g.delete_refs:
        git(repo, "update-ref", "--stdin",
            input="".join(f"delete {ref}\n" for ref in g.delete_refs).encode())
    git(repo, "-c", "repack.writeBitmaps=false", "-c", "pack.threads=0", "repack", "-adfq",
        "--window=10", "--depth=50")
    git(repo, "prune-packed")
    git(repo, "pack-refs", "--all")
    t2 = time.time()

    planted = []
    for p in g.plants:
        planted.append({"key_id": p["key_id"], "secret_sha256": hashlib.sha256(p["secret"].encode()).hexdigest(),
                        "secret": p["secret"], "style": p["style"], "path": p["path"],
                        "branch": p["branch"], "removal": p["removal"]})
    with open(os.path.join(out, "planted.json"), "w") as f:
        json.dump({"comment": "Fake AWS credentials from a seeded PRNG (gen_repo.py): never real.",
                   "planted": planted}, f, indent=1)
    stamp.update(commits_made=g.n_commits, merges=g.n_merges, blobs=g.n_blobs,
                 blob_bytes=g.blob_bytes, tags=len(g.tags), generated_s=round(t2 - t0, 1))
    with open(stamp_path, "w") as f:
        json.dump(stamp, f, indent=1)
    print(f"gen_repo.py: {repo} ready in {t2 - t0:.0f} s (repack {t2 - t1:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
