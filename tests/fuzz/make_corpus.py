#!/usr/bin/env python3
"""Regenerate the seed corpora and dictionaries of the sesame fuzz targets.

    tests/fuzz/make_corpus.py           rewrite corpus/fuzz_rules_load/, corpus/fuzz_scan_blob/
                                        and fuzz_rules_load.dict, fuzz_scan_blob.dict
    tests/fuzz/make_corpus.py --check   regenerate into a temporary directory and fail if the
                                        committed files differ or hold anything key-shaped

Seeds are small and deterministic, and nothing in them is key-shaped: no access key ID
(AKIA/ASIA/ABIA/ACCA + 16 characters) and no run of 40 or more base64 characters (the
shape of a secret access key, SMTP password or session token), neither as written nor
after URL, JSON-escape, UTF-16 or base64 decoding. Values are one character short of a
match ("AKIA" + 15, 39-character secrets) or plainly fake: libFuzzer mutates them into
matches. check_key_shapes() enforces this, so a key can never be committed here by
accident. Only the two corpus directories above are written (corpus/fuzz_decode/ belongs
to its own target).
"""
import base64
import json
import os
import re
import shutil
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TARGETS = ("fuzz_rules_load", "fuzz_scan_blob")

# Fake, one short of a match: mutations (one inserted character) make real matches.
ID15 = "AKIAFAKEID234567XYZ"  # "AKIA" + 15 base32 characters
ASIA15 = "ASIAFAKEID234567XYZ"
SECRET39 = "FakeSecretNotReal/0123456789+abcdefghij"  # 39 base64 characters
SMTP39 = "BAfakeSmtpPasswordNotReal/0123456789+xy"  # SES v4 shape, 39 of 44
TOKEN_SHORT = "IQoJb3JpZ2luX2Vj" + "FakeTokenNotReal"  # STS marker + 16, not 80+

KEY_ID = re.compile(rb"(?:AKIA|ASIA|ABIA|ACCA)[A-Za-z0-9]{16}")
B64_RUN = re.compile(rb"[A-Za-z0-9+/]{40,}")
B64_ANY = re.compile(rb"[A-Za-z0-9+/_\-]{16,}={0,2}")
JSON_ESC = re.compile(rb"\\(?:u([0-9A-Fa-f]{4})|x([0-9A-Fa-f]{2})|(.))", re.S)


def _json_unescape(b):
    def one(m):
        if m.group(1):
            return chr(int(m.group(1), 16)).encode("utf-8", "replace")
        if m.group(2):
            return bytes([int(m.group(2), 16)])
        return {b"n": b"\n", b"t": b"\t", b"r": b"\r"}.get(m.group(3), m.group(3))
    return JSON_ESC.sub(one, b)


def _concat(b):
    """Literals joined by '+', '.' or blanks, as decode/concat.c joins them (join lists,
    which need a join call around them, are left out: their seeds are short anyway)."""
    return re.sub(rb"(?<=[A-Za-z0-9+/=])([\"'`])(?:[ \t\r\n]|\\\r?\n)*"
                  rb"(?:[+.](?:[ \t\r\n]|\\\r?\n)*)?\1(?=[A-Za-z0-9+/=])", b"", b)


def _views(b, depth=0):
    """The bytes and every decoding sesame might apply to them (nested 3 deep)."""
    yield b
    if depth >= 3:
        return
    for view in (b.replace(b"\0", b""), urllib.parse.unquote_to_bytes(b), _json_unescape(b),
                 _concat(b)):
        if view != b:
            yield from _views(view, depth + 1)
    for m in B64_ANY.finditer(b):
        run = m.group(0)
        for alt in (base64.b64decode, base64.urlsafe_b64decode):
            try:
                dec = alt(run.rstrip(b"=") + b"=" * (-len(run.rstrip(b"=")) % 4))
            except ValueError:
                continue
            yield from _views(dec, depth + 1)


def find_key_shape(data):
    """(what, bytes) for the first key-shaped string in `data` or its decodings, or None."""
    for view in _views(data):
        for rx, what in ((KEY_ID, "an access key ID"), (B64_RUN, "a 40+ base64 run")):
            m = rx.search(view)
            if m:
                return what, m.group(0)[:60]
    return None


def check_key_shapes(name, data):
    """Exit with a message if `data` or one of its decodings holds something key-shaped."""
    found = find_key_shape(data)
    if found:
        raise SystemExit(f"make_corpus: {name}: {found[0]} in a seed: {found[1]!r}")


# ---------------------------------------------------------------- fuzz_rules_load

def _defang(v):
    """Strings of a copied rule with key-shaped runs cut one character short."""
    if isinstance(v, str):
        v = KEY_ID.sub(lambda m: m.group(0)[:19], v.encode())
        return B64_RUN.sub(lambda m: m.group(0)[:39], v).decode()
    if isinstance(v, list):
        return [_defang(e) for e in v]
    if isinstance(v, dict):
        return {k: _defang(e) for k, e in v.items()}
    return v


def rules_seeds():
    seeds = {}

    def put(name, obj_or_text):
        if isinstance(obj_or_text, (bytes, str)):
            data = obj_or_text.encode() if isinstance(obj_or_text, str) else obj_or_text
        else:
            data = json.dumps(obj_or_text, separators=(",", ":")).encode() + b"\n"
        seeds[name] = data

    # Copies of the default rules, one rule per file, trimmed to stay small.
    for fn in sorted(os.listdir(os.path.join(ROOT, "patterns"))):
        if not fn.endswith(".json"):
            continue
        with open(os.path.join(ROOT, "patterns", fn), encoding="utf-8") as fp:
            doc = json.load(fp)
        stem = fn[:-5]
        if "data" in doc:
            data = {k: (v[:3] if isinstance(v, list) else v) for k, v in doc["data"].items()}
            put(f"patterns-{stem}", {"$comment": "trimmed copy", "data": data})
        for rule in doc.get("rules", []):
            r = {k: _defang(v) for k, v in rule.items() if k != "description"}
            for key in ("examples", "negative_examples"):
                if key in r:
                    r[key] = [e for e in r[key] if not find_key_shape(json.dumps(e).encode())][:1]
            put(f"patterns-{stem}-{rule['id']}", {"rules": [r]})

    full = {
        "id": "f.r",
        "name": "F",
        "description": "d",
        "kind": "secret_access_key",
        "confidence": "high",
        "pattern": "k=(?<value>[a-z]{4})",
        "min_entropy": 1.5,
        "reject_hex": True,
        "examples": ["k={SECRET}"],
        "negative_examples": ["k=AAAA"],
    }
    base = {k: full[k] for k in ("id", "name", "kind", "pattern")}

    def rule(**changes):
        """{"rules": [base rule with `changes`; None removes a field]}."""
        r = dict(base)
        for k, v in changes.items():
            if v is None:
                r.pop(k, None)
            else:
                r[k] = v
        return {"rules": [r]}

    near = {"kinds": ["access_key_id", "context"], "bytes": 1024}
    put("valid-base", rule())
    put("valid-full", {"rules": [full]})
    put("valid-minimal", {"rules": [{"id": "m", "name": "M", "kind": "context",
                                     "pattern": "(?<value>x)"}]})
    put("valid-near", rule(id="fuzz.near", near=near, kind="smtp_password"))
    put("valid-prefilter", rule(prefilter="key=[a-z]{4}", confidence="low"))
    put("valid-python-group", rule(pattern="k=(?P<value>[0-9]+)", kind="session_token"))
    put("valid-comment-data", {"$comment": "c", "rules": [base],
                               "data": {"ses_smtp_regions": ["us-east-1", "us-gov-west-1"]}})
    put("valid-data-only", {"data": {"ses_smtp_regions": ["eu-west-1"], "other": 1}})
    put("valid-empty-rules", {"rules": []})
    put("valid-replace-id", {"rules": [full, dict(base, name="Replaced")]})
    put("valid-bool-false", rule(reject_hex=False, min_entropy=0))

    put("bad-missing-id", rule(id=None))
    put("bad-id-chars", rule(id="Bad ID!"))
    put("bad-id-long", rule(id="ab." * 43))
    put("bad-id-number", rule(id=7))
    put("bad-missing-name", rule(name=None))
    put("bad-name-empty", rule(name=""))
    put("bad-missing-pattern", rule(pattern=None))
    put("bad-pattern-no-value", rule(pattern="key=[a-z]{4}"))
    put("bad-pattern-nul", rule(pattern="(?<value>a\u0000b)"))
    put("bad-unknown-field", rule(severity="high"))
    put("bad-kind", rule(kind="password"))
    put("bad-missing-kind", rule(kind=None))
    put("bad-confidence", rule(confidence="critical"))
    put("bad-near-type", rule(near=[1]))
    put("bad-near-kinds-empty", rule(near={"kinds": [], "bytes": 10}))
    put("bad-near-kind", rule(near={"kinds": ["nope"], "bytes": 10}))
    put("bad-near-bytes-zero", rule(near={"kinds": ["context"], "bytes": 0}))
    put("bad-near-bytes-big", rule(near={"kinds": ["context"], "bytes": 9000}))
    put("bad-near-bytes-str", rule(near={"kinds": ["context"], "bytes": "10"}))
    put("bad-near-field", rule(near=dict(near, window=3)))
    put("bad-near-prefilter", rule(near=near, prefilter="x"))
    put("bad-entropy-neg", rule(min_entropy=-1))
    put("bad-entropy-big", rule(min_entropy=9))
    put("bad-entropy-str", rule(min_entropy="3"))
    put("bad-reject-hex", rule(reject_hex="yes"))
    put("bad-examples-type", rule(examples="key={SECRET}"))
    put("bad-examples-item", rule(negative_examples=[None, 1]))
    put("bad-rules-type", {"rules": {"id": "x"}})
    put("bad-rule-not-object", {"rules": [1, "x", None]})
    put("bad-top-array", [base])
    put("bad-top-field", {"rules": [], "version": 2})
    put("bad-top-empty", {})
    put("bad-data-type", {"data": ["us-east-1"]})
    put("bad-regions-type", {"data": {"ses_smtp_regions": "us-east-1"}})
    put("bad-region-name", {"data": {"ses_smtp_regions": ["US EAST", 3]}})
    put("bad-region-long", {"data": {"ses_smtp_regions": ["a-" * 17]}})
    put("bad-duplicate-key", '{"rules": [], "rules": []}\n')

    text = json.dumps(rule()).encode()
    put("broken-truncated", text[: len(text) // 2])
    put("broken-trailing-comma", b'{"rules": [{"id": "x", "name": "y",}]}')
    put("broken-unterminated", b'{"rules": [{"id": "x')
    put("broken-utf8", b'{"rules": [{"id": "x", "name": "\xff\xfe"}]}')
    put("broken-bom", b"\xef\xbb\xbf" + text)
    put("broken-nesting", b"[" * 64 + b"]" * 64)
    put("broken-number", b'{"rules": [], "data": {"x": 1e400}}')
    put("broken-nul", b'{"rules": []}\0{}')
    put("broken-empty", b"")
    put("broken-null", b"null")
    # the input itself as a pattern: a run rule (match/shapes.c), short enough to match
    put("run-rule-pattern", "(?<![A-Za-z0-9/+])(?<value>[A-Za-z0-9/+]{4})(?![A-Za-z0-9/+=])")
    return seeds


# ---------------------------------------------------------------- fuzz_scan_blob

def _b64(s, alt=False):
    enc = base64.urlsafe_b64encode if alt else base64.b64encode
    return enc(s.encode()).decode()


def scan_seeds():
    s = {}
    s["ini"] = (f"[default]\naws_access_key_id = {ID15}\n"
                f"aws_secret_access_key = {SECRET39}\nregion = us-east-1\n")
    s["env"] = (f"export AWS_ACCESS_KEY_ID={ASIA15}\n"
                f"export AWS_SECRET_ACCESS_KEY=\"{SECRET39}\"\n"
                f"AWS_SESSION_TOKEN={TOKEN_SHORT}\n")
    s["json"] = json.dumps({"Credentials": {"AccessKeyId": ID15, "SecretAccessKey": SECRET39,
                                            "SessionToken": "FwoGZXIvYXdzFakeToken"}}, indent=2)
    s["xml"] = (f"<Credentials><AccessKeyId>{ASIA15}</AccessKeyId>\n"
                f"<SecretAccessKey>{SECRET39}</SecretAccessKey></Credentials>\n")
    s["csv"] = f"User name,Access key ID,Secret access key\nci-deploy,{ID15},{SECRET39}\n"
    s["java"] = f'new BasicAWSCredentials("{ID15}", "{SECRET39}");\n'
    s["hcl"] = f'provider "aws" {{\n  access_key = "{ID15}"\n  secret_key = "{SECRET39}"\n}}\n'
    s["yaml-generic"] = f"cloud.aws.credentials.secret-key={SECRET39}\nsecretKey: short\n"
    s["cli"] = f"aws configure set aws_secret_access_key {SECRET39}\n"
    s["html-quot"] = f"aws_secret_access_key=&quot;{SECRET39}&quot;\n"
    s["smtp"] = ("MAIL_HOST=email-smtp.eu-west-1.amazonaws.com\n"
                 f"MAIL_USERNAME={ID15}\nMAIL_PASSWORD={SMTP39}\n")
    s["smtp-fips"] = f"host: email-smtp-fips.us-gov-west-1.amazonaws.com\npass: '{SMTP39}'\n"
    s["smtp-keyword"] = "spring.mail.password=AgFakeLegacyPassword0123+/\nSMTP_HOST=mail\n"
    s["token-marker"] = f"{ASIA15} {TOKEN_SHORT}\ntoken AQoDYXdzFakeTokenValue\n"
    s["examples"] = "Credential=AKIDEXAMPLE/20150830\naws_access_key_id = AKIAI44QH8DH\n"
    s["hex-value"] = "aws_secret_access_key = 0123456789abcdef0123456789abcdef012345\n"
    s["url"] = (f"https://bucket.s3.amazonaws.com/f?AWSAccessKeyId={ID15}&Expires=1"
                "&Signature=abc%2Fdef%2Bghi%3D&X-Amz-Security-Token=IQoJ%2FFake%2B\n")
    s["url-keyword"] = "aws_secret_access_key%3DFake%2FSecret%2BNotReal%3D%3D\n"
    s["json-escaped"] = ('{"config": "{\\"SecretAccessKey\\":\\"Fake\\/Secret\\",'
                         f'\\"AccessKeyId\\":\\"\\u0041{ID15[1:]}\\"}}"}}\n')
    s["js-hex-escape"] = "var k = '\\x61ws_secret_access_key=\\x46ake\\/1';\n"
    s["b64-keyword"] = f"blob: {_b64('aws_secret_access_key=Fake')}\n"
    s["b64-id"] = f"data = {_b64('aws_access_key_id=AKIAFAKE')}\n"
    s["b64-urlsafe"] = f"value: {_b64('AWS_SECRET=?>?>Fake~~', alt=True)}\n"
    s["b64-smtp"] = f"x {_b64('SMTP_PASSWORD=BAfake')} y {_b64('password: short')}\n"
    s["b64-in-url"] = "q=" + urllib.parse.quote(_b64("secret_key: FakeValue+/"), safe="") + "\n"
    escaped = '{"Token":"a\\/b"}'
    s["b64-of-json-escape"] = f"token: {_b64(escaped)}\n"
    s["lines"] = "\n\n\r\n# comment\n\tsecret_key = \"short\"\n\n" + ID15[:-1] + "\n"
    s["crlf"] = f"aws_access_key_id={ID15}\r\naws_secret_access_key={SECRET39}\r\n"
    s["many-keywords"] = "secret_key=abc; " * 24 + "\n"
    s["concat"] = (f'aws_access_key_id = ("{ID15[:9]}"\n    "{ID15[9:]}")\n'
                   f"aws_secret = ''.join(['{SECRET39[:20]}', '{SECRET39[20:]}'])\n"
                   f"const k = ['{SECRET39[:10]}', '{SECRET39[10:]}'].join('') + 'x'\n"
                   f'String s = "{SECRET39[:19]}" +\n  "{SECRET39[19:]}";\n')
    # sender addresses next to a key (sender.c): one mutation from a key ID, the reader runs
    s["senders-env"] = (f"MAIL_FROM=noreply@example.com\nMAIL_TO=a@example.com\n"
                        f"AWS_ACCESS_KEY_ID={ID15}\nSES_FROM=\"Ops <ops@example.com>\"\n")
    s["senders-code"] = (f"ses.send_email(Source='Billing <b@example.com>', Destination="
                         f"{{'ToAddresses': ['c@example.org']}})  # {ID15}\n"
                         f"msg.setFrom(new InternetAddress(\"o@example.com\"));\n"
                         f"{{\"from\": {{\"email\": \"t@example.io\"}}, \"key\": \"{ID15}\"}}\n"
                         f"<from>x@example.com</from><to>y@example.com</to>\n")
    s["senders-ini"] = (f"[mail]\nsender = s@example.com\nFrom: f@example.com, g@example.com\n"
                        f"[aws]\naws_access_key_id = {ID15}\n---\nfrom: \"h@example.com\"\n")
    # proximity windows at their edge (engine.c confirm_range bounds where a match may
    # start): a value one mutation from starting exactly 1,024 bytes after its key ID,
    # and a keyword's value running far past its window
    s["near-edge"] = f"{ID15}{' ' * 1023}{SECRET39}\n{SECRET39}{' ' * 984}{ID15}\n"
    s["value-past-window"] = ("aws_session_token = " + "-".join(["AbCd0123/+" * 3 + "AbCd0123/"] * 40)
                              + "\nmail smtp mail\n")
    s = {k: v.encode() for k, v in s.items()}
    s["utf16le-bom"] = (f"aws_access_key_id = {ID15}\naws_secret_access_key = Fake\n"
                        .encode("utf-16"))  # Python writes a little-endian BOM
    s["utf16be-bom"] = b"\xfe\xff" + f"SecretAccessKey: {SECRET39}\n".encode("utf-16-be")
    s["utf16le-nobom"] = "MAIL_PASSWORD=BAfake\nsmtp\n".encode("utf-16-le")
    s["utf16-surrogates"] = b"\xff\xfe" + "key \U0001F511 = ".encode("utf-16-le") + b"\x00\xd8a\x00"
    s["binary"] = bytes(range(256))
    s["empty"] = b""
    return s


# ---------------------------------------------------------------- dictionaries

DICT_RULES = ['"rules"', '"data"', '"$comment"', '"id"', '"name"', '"description"', '"kind"',
              '"confidence"', '"pattern"', '"prefilter"', '"near"', '"kinds"', '"bytes"',
              '"min_entropy"', '"reject_hex"', '"examples"', '"negative_examples"',
              '"ses_smtp_regions"', '"access_key_id"', '"secret_access_key"',
              '"session_token"', '"smtp_password"', '"context"', '"low"', '"medium"',
              '"high"', '(?<value>', '(?P<value>', '(?<region>', '\\u0000', '\\ud800',
              'true', 'false', 'null', '1e400', '-1', '8192', '8193', '{', '}', '[', ']']
DICT_SCAN = ["AKIA", "ASIA", "ABIA", "ACCA", "AIDA", "AKIDEXAMPLE", "aws_access_key_id",
             "aws_secret_access_key", "AWS_SECRET_ACCESS_KEY", "SecretAccessKey", "secret_key",
             "secretKey", "aws_session_token", "SessionToken", "X-Amz-Security-Token",
             "IQoJb3JpZ2luX2Vj", "FwoGZXIvYXdz", "AQoDYXdz", "MAIL_PASSWORD", "smtp_password",
             "SMTP", "email-smtp.", ".amazonaws.com", "us-east-1", "eu-west-1", "&quot;",
             "%2F", "%2B", "%3D", "\\/", "\\u00", "\\x", "\xff\xfe", "\xfe\xff",
             _b64("aws_secret_access_key")[:24], _b64("AKIA")[:4], _b64("secret")[:8],
             "=>", ":=", " = ", "\n", "\r\n", "MAIL_FROM=", "From: ", "\"from\": ", "sender = ",
             "Source=", "FromEmailAddress", "@example.com", "<a@example.com>", "[mail]", "---"]


def dict_text(entries):
    """libFuzzer dictionary: one quoted token a line, with \\, \\" and \\xNN escapes."""
    lines = ["# libFuzzer dictionary, written by make_corpus.py"]
    for e in entries:
        b = e.encode("latin-1")
        q = "".join(chr(c) if 32 <= c < 127 and c not in b'"\\' else f"\\x{c:02x}"
                    for c in b)
        lines.append(f'"{q}"')
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- output

def outputs():
    """{relative path: bytes} of everything this script owns."""
    out = {}
    for target, seeds in (("fuzz_rules_load", rules_seeds()), ("fuzz_scan_blob", scan_seeds())):
        for name, data in seeds.items():
            check_key_shapes(f"{target}/{name}", data)
            out[os.path.join("corpus", target, name)] = data
    out["fuzz_rules_load.dict"] = dict_text(DICT_RULES).encode()
    out["fuzz_scan_blob.dict"] = dict_text(DICT_SCAN).encode()
    for name, data in out.items():
        # A dictionary is a list of tokens, one a line, never read as one text.
        for line in (data.splitlines() if name.endswith(".dict") else [data]):
            check_key_shapes(name, line)
    return out


def write(base, files):
    for target in TARGETS:
        shutil.rmtree(os.path.join(base, "corpus", target), ignore_errors=True)
        os.makedirs(os.path.join(base, "corpus", target))
    for rel, data in sorted(files.items()):
        with open(os.path.join(base, rel), "wb") as fp:
            fp.write(data)


def main(argv):
    files = outputs()
    if argv[1:] == ["--check"]:
        bad = []
        for target in TARGETS:
            d = os.path.join(HERE, "corpus", target)
            have = set(os.listdir(d)) if os.path.isdir(d) else set()
            want = {os.path.basename(p) for p in files if p.startswith(f"corpus/{target}/")}
            bad += [f"corpus/{target}/{n}: not generated" for n in sorted(have - want)]
            for n in sorted(have):
                with open(os.path.join(d, n), "rb") as fp:
                    check_key_shapes(f"corpus/{target}/{n}", fp.read())
        for rel, data in sorted(files.items()):
            path = os.path.join(HERE, rel)
            if not os.path.exists(path) or open(path, "rb").read() != data:
                bad.append(f"{rel}: differs from make_corpus.py output")
        for b in bad:
            print(f"make_corpus: {b}", file=sys.stderr)
        return 1 if bad else 0
    if len(argv) > 1:
        print(__doc__, file=sys.stderr)
        return 2
    write(HERE, files)
    total = sum(len(d) for d in files.values())
    print(f"make_corpus: wrote {len(files)} files, {total} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
