#!/usr/bin/env python3
"""
fakekeys.py - the fake AWS credentials of every Python test, script and benchmark.

Nothing key-shaped is committed to the repository: the integration tests, their helper
scripts and the benchmark generators make their keys here, at run time. Each value is a
function of a seed and an index (value N of seed S is the same on every machine and
every run), shaped like a real one so that every stage of the scanner accepts it
(shared/AWS-NOTES sections 1.2-1.5, 2 and 7.1):

  key ID        PREFIX (AKIA, ASIA, ABIA, ACCA) + 16 base32 characters. New generation
                (the default): the 5th character is Q-Z or 2-7 and the body carries an
                account ID (<= 999999999999) that account_id() decodes; old generation:
                the 5th character is A-P and no account is carried.
  secret        40 characters of [A-Za-z0-9+/] with at least one upper-case letter, one
                lower-case letter, one digit, and a '/' or '+'.
  session token "IQoJb3JpZ2luX2Vj" (the base64 of an STS token's first bytes) and LEN
                base64 characters.
  SMTP password derived from a secret, as SES does: version 4 for a region, or the
                legacy version 2 ("v2").

Every value clears the scanner's gates with room to spare: Shannon entropy well above
the thresholds, no run of five identical or five ascending characters (the scanner's
placeholder test looks for six), never the word EXAMPLE.

The C tests and the rule examples use the scanner's own generator
(scanner/rules/fakekey.c, splitmix64). The two are independent on purpose: a bug that
both shared could hide itself.

Use from Python (tests: sys.path gets tests/support; benches add it by path):

    import fakekeys
    fakekeys.key_id(3, seed="t0500")            # key ID 3 of that seed
    fakekeys.secret(3, seed="t0500")
    k = fakekeys.Keys("t0700")                  # a stream of distinct values:
    kid, sec, tok = k.key_id("ASIA"), k.secret(), k.token()
    sec, pw = k.smtp_pair("eu-west-1")          # a secret and its SMTP password
    k.r                                         # random.Random for everything else

From a shell:

    fakekeys.py [--seed S] id N [PREFIX]         key ID N
    fakekeys.py [--seed S] secret N              secret N
    fakekeys.py [--seed S] token N [LEN]         session token N
    fakekeys.py [--seed S] creds N               a credentials file: "[default]", then
                                                 aws_access_key_id = key ID N and
                                                 aws_secret_access_key = secret N
    fakekeys.py [--seed S] table N               N lines "I KEY_ID SECRET", I = 0..N-1
    fakekeys.py smtp SECRET REGION               its SMTP password (REGION "v2": legacy)
    fakekeys.py account KEY_ID                   the account it carries, or "-"
    fakekeys.py --self-test                      derivations against published vectors
"""

import base64
import hashlib
import hmac
import math
import random
import sys

B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
NEW_GEN_5TH = "QRSTUVWXYZ234567"  # generation bit 1 (AWS-NOTES 1.2)
OLD_GEN_5TH = "ABCDEFGHIJKLMNOP"
TOKEN_PREFIX = "IQoJb3JpZ2luX2Vj"  # base64 of "!\n\torigin_ec" (AWS-NOTES 1.5)
ACCOUNT_MAX = 999999999999
DEFAULT_SEED = "sesame"

# AWS documentation examples (AWS-NOTES 1.6): public, never real. The scanner hides
# them unless --include-examples.
EXAMPLE_ID = "AKIAIOSFODNN7EXAMPLE"
EXAMPLE_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
EXAMPLE_ID_2 = "AKIAI44QH8DHBEXAMPLE"
EXAMPLE_SECRET_2 = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"

# Gates, each stricter than the scanner's.
KEY_ID_MIN_ENTROPY = 3.4
SECRET_MIN_ENTROPY = 4.5
SMTP_MIN_ENTROPY = 4.3
MAX_TRIES = 10000


# ---- facts about keys ---------------------------------------------------------------

def entropy(s):
    """Shannon entropy of s in bits per character."""
    n = len(s)
    counts = {}
    for c in s:
        counts[c] = counts.get(c, 0) + 1
    return -sum(k / n * math.log2(k / n) for k in counts.values())


def looks_like_placeholder(s):
    """Five identical or five consecutive ascending characters (AKIAXXXX..., ABCDE)."""
    same = asc = 1
    for a, b in zip(s, s[1:]):
        same = same + 1 if a == b else 1
        asc = asc + 1 if ord(b) == ord(a) + 1 else 1
        if same >= 5 or asc >= 5:
            return True
    return False


def account_id(key_id):
    """The 12-digit account a key ID carries (AWS-NOTES section 2), or None (old
    generation, not base32, out of range)."""
    if len(key_id) != 20 or any(c not in B32 for c in key_id[4:]):
        return None
    v = 0
    for c in key_id[4:20]:
        v = (v << 5) | B32.index(c)
    z = v >> 32
    if not (z >> 47) & 1:
        return None
    acct = (z & 0x7FFFFFFFFF80) >> 7
    return "%012d" % acct if acct <= ACCOUNT_MAX else None


def _hmac(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def smtp_password(secret, region):
    """The SES SMTP password of a secret (AWS-NOTES 7.1): version 4 for `region`, or the
    legacy version 2 when region is "v2"."""
    if region == "v2":
        return base64.b64encode(b"\x02" + _hmac(secret.encode(), "SendRawEmail")).decode()
    k = _hmac(("AWS4" + secret).encode(), "11111111")
    for part in (region, "ses", "aws4_request", "SendRawEmail"):
        k = _hmac(k, part)
    return base64.b64encode(b"\x04" + k).decode()


def _usable(v, min_entropy):
    return entropy(v) >= min_entropy and not looks_like_placeholder(v) and "EXAMPLE" not in v


# ---- values from a seed and an index --------------------------------------------------

def _rng(seed, what, n):
    return random.Random("sesame-fakekeys:%s:%s:%d" % (seed, what, n))


def _draw(r, make, ok):
    for _ in range(MAX_TRIES):
        v = make(r)
        if ok(v):
            return v
    raise ValueError("fakekeys: no value fits after %d tries" % MAX_TRIES)


def key_id(n, seed=DEFAULT_SEED, prefix="AKIA", new_gen=True, account=None):
    """Key ID n of `seed`. New generation: the body carries `account` (12 digits, or a
    random one); old generation (new_gen=False): 5th character A-P, no account."""
    if len(prefix) != 4:
        raise ValueError("fakekeys: a key ID prefix has 4 characters: %r" % prefix)
    if account is not None and (not new_gen or not 0 <= int(account) <= ACCOUNT_MAX):
        raise ValueError("fakekeys: account %r needs a new-generation ID" % account)
    what = "id:%s:%s:%s" % (prefix, "new" if new_gen else "old", account or "")

    def make(r):
        if new_gen:
            acct = int(account) if account is not None else r.randrange(10 ** 11, ACCOUNT_MAX + 1)
            body = (1 << 79) | (acct << 39) | r.getrandbits(39)
        else:
            body = r.getrandbits(79)
        return prefix + "".join(B32[(body >> (75 - 5 * i)) & 31] for i in range(16))
    return _draw(_rng(seed, what, n), make, lambda v: _usable(v, KEY_ID_MIN_ENTROPY))


def _secret_ok(s, need, middle):
    if not (any(c in "+/" for c in s) and any(c.isdigit() for c in s)
            and any(c.isupper() for c in s) and any(c.islower() for c in s)):
        return False
    if middle and any(c in "+/" for c in s[:8] + s[32:]):
        return False
    return all(c in s for c in need) and _usable(s, SECRET_MIN_ENTROPY)


def _secret_make(shape):
    def make(r):
        s = "".join(r.choice(B64) for _ in range(40))
        return shape(s) if shape else s
    return make


def secret(n, seed=DEFAULT_SEED, need="", middle=False, shape=None):
    """Secret n of `seed`. `need`: characters that must appear; middle=True: every '/'
    and '+' in positions 8..31 (so no escaped form leaves 40 plain characters);
    shape(s) rewrites each candidate (to put a '/' at a given place, ...)."""
    return _draw(_rng(seed, "secret", n), _secret_make(shape),
                 lambda s: _secret_ok(s, need, middle))


def session_token(n, seed=DEFAULT_SEED, length=340):
    """Session token n of `seed`: the STS prefix and `length` base64 characters."""
    return _draw(_rng(seed, "token:%d" % length, n),
                 lambda r: TOKEN_PREFIX + "".join(r.choice(B64) for _ in range(length)),
                 lambda t: not looks_like_placeholder(t))


def _smtp_ok(p, region):
    if len(p) != 44 or "=" in p:
        return False
    if region == "v2":
        shape = p[0] == "A" and p[1] in "ghijklmnopqrstuv"
    else:
        shape = p[0] == "B" and p[1] in "ABCDEFGHIJKLMNOP"
    return shape and _usable(p, SMTP_MIN_ENTROPY)


def smtp_pair(n, region, seed=DEFAULT_SEED):
    """(secret, SMTP password) n of `seed` for `region` ("v2": legacy): a secret as
    secret() makes them, whose password has the usual shape and clears the gates."""
    pair = _draw(_rng(seed, "smtp:%s" % region, n),
                 lambda r: (lambda s: (s, smtp_password(s, region)))(_secret_make(None)(r)),
                 lambda sp: _secret_ok(sp[0], "", False) and _smtp_ok(sp[1], region))
    return pair


def bedrock_long_term(n, seed=DEFAULT_SEED):
    """Long-term Amazon Bedrock API key n of `seed`: "ABSK" + base64 of
    "BedrockAPIKey-xxxx-at-ACCOUNT:PASSWORD" (132 characters, as real ones)."""
    def make(r):
        user = "".join(r.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(4))
        acct = r.randrange(10 ** 11, ACCOUNT_MAX + 1)
        pw = "".join(r.choice(B64) for _ in range(59)) + "="
        text = "BedrockAPIKey-%s-at-%012d:%s" % (user, acct, pw)
        return "ABSK" + base64.b64encode(text.encode()).decode()
    return _draw(_rng(seed, "bedrock-lt", n), make, lambda v: not looks_like_placeholder(v))


def bedrock_short_term(n, key_id, token=None, region="us-east-1", seed=DEFAULT_SEED):
    """Short-term Amazon Bedrock API key n of `seed`, signed by `key_id` in `region` on
    2026-01-01 for 12 hours (with `token` if given): "bedrock-api-key-" + base64 of the
    presigned URL without its scheme."""
    import urllib.parse

    def make(r):
        url = ("bedrock.amazonaws.com/?Action=CallWithBearerToken&X-Amz-Algorithm=AWS4-HMAC-SHA256"
               "&X-Amz-Credential=%s%%2F20260101%%2F%s%%2Fbedrock%%2Faws4_request"
               "&X-Amz-Date=20260101T000000Z&X-Amz-Expires=43200&X-Amz-SignedHeaders=host"
               % (key_id, region))
        if token:
            url += "&X-Amz-Security-Token=" + urllib.parse.quote(token, safe="")
        url += "&X-Amz-Signature=%064x&Version=1" % r.getrandbits(256)
        return "bedrock-api-key-" + base64.b64encode(url.encode()).decode()
    return _draw(_rng(seed, "bedrock-st:%s" % key_id, n), make,
                 lambda v: not looks_like_placeholder(v))


# ---- a stream of distinct values ----------------------------------------------------

class Keys:
    """Distinct fake credentials of one seed: each call takes the next index of its kind
    and skips values already handed out. `r` is a random.Random of the same seed for
    whatever else a test draws (filler, look-alikes, IAM unique IDs); it does not move
    the keys, and the keys do not move it."""

    def __init__(self, seed=DEFAULT_SEED):
        self.seed = seed
        self.r = random.Random("sesame-fakekeys:%s:other" % seed)
        self.next = {}
        self.seen = set()

    def _take(self, what, make):
        i = self.next.get(what, 0)
        while True:
            v = make(i)
            i += 1
            key = v if isinstance(v, str) else v[0]
            if key not in self.seen:
                self.next[what] = i
                self.seen.add(key)
                if not isinstance(v, str):
                    self.seen.update(v[1:])
                return v

    def key_id(self, prefix="AKIA", new_gen=True, account=None):
        return self._take("id:%s:%s:%s" % (prefix, new_gen, account),
                          lambda i: key_id(i, self.seed, prefix, new_gen, account))

    def secret(self, need="", middle=False, shape=None):
        return self._take("secret:%s:%s:%s" % (need, middle, shape is not None),
                          lambda i: secret(i, self.seed, need, middle, shape))

    def token(self, n=340):
        return self._take("token:%d" % n, lambda i: session_token(i, self.seed, n))

    def smtp_pair(self, region):
        return self._take("smtp:%s" % region, lambda i: smtp_pair(i, region, self.seed))

    def bedrock_long_term(self):
        return self._take("bedrock-lt", lambda i: bedrock_long_term(i, self.seed))

    def bedrock_short_term(self, key_id, token=None, region="us-east-1"):
        return self._take("bedrock-st:%s" % key_id,
                          lambda i: bedrock_short_term(i, key_id, token, region, self.seed))

    def base32(self, n):
        """n random base32 characters (look-alike key IDs: not credentials)."""
        return "".join(self.r.choice(B32) for _ in range(n))

    def base64(self, n):
        """n random base64 characters (look-alike secrets: not credentials)."""
        return "".join(self.r.choice(B64) for _ in range(n))

    def hexid(self, n):
        """n upper-case hex digits (IAM unique-ID bodies: not credentials)."""
        return "".join(self.r.choice("0123456789ABCDEF") for _ in range(n))


# ---- self-test and command line -----------------------------------------------------

def self_test():
    """The derivations against AWS's published vectors, and the shapes of generated
    values (AWS-NOTES 2, 7.1)."""
    bad = []
    pw = smtp_password(EXAMPLE_SECRET, "us-east-2")
    if pw != "BMPPgbAHoFVbze1Ud0oA5uNdXRwUXUZ+qOwphGJbl/cS":
        bad.append("SMTP v4 password %s" % pw)
    if account_id("AKIASP2TPHJSQH3FJRUX") != "171436882533":
        bad.append("account decoding")
    if account_id("AKIAIOSFODNN7EXAMPLE") is not None:
        bad.append("an old-generation ID decodes")
    for n in range(50):
        kid, old = key_id(n), key_id(n, prefix="ASIA", new_gen=False)
        if account_id(kid) is None or kid[4] not in NEW_GEN_5TH or old[4] not in OLD_GEN_5TH:
            bad.append("key ID %d: %s %s" % (n, kid, old))
        if account_id(key_id(n, account="123456789012")) != "123456789012":
            bad.append("key ID %d with an account" % n)
        s = secret(n)
        if len(s) != 40 or not _secret_ok(s, "", False):
            bad.append("secret %d: %s" % (n, s))
        s, p = smtp_pair(n, "v2")
        if smtp_password(s, "v2") != p or not _smtp_ok(p, "v2"):
            bad.append("v2 pair %d" % n)
    if key_id(7, seed="a") != key_id(7, seed="a") or key_id(7, seed="a") == key_id(7, seed="b"):
        bad.append("seeds")
    for line in bad:
        print("self-test: " + line)
    print("self-test: %s" % ("ok" if not bad else "%d failures" % len(bad)))
    return 1 if bad else 0


def main(argv):
    args = argv[1:]
    seed = DEFAULT_SEED
    if args[:1] == ["--self-test"]:
        return self_test()
    if len(args) >= 2 and args[0] == "--seed":
        seed, args = args[1], args[2:]
    if not args:
        sys.exit(__doc__)
    cmd, rest = args[0], args[1:]
    if cmd == "id" and len(rest) in (1, 2):
        print(key_id(int(rest[0]), seed, rest[1] if len(rest) > 1 else "AKIA"))
    elif cmd == "secret" and len(rest) == 1:
        print(secret(int(rest[0]), seed))
    elif cmd == "token" and len(rest) in (1, 2):
        print(session_token(int(rest[0]), seed, int(rest[1]) if len(rest) > 1 else 340))
    elif cmd == "creds" and len(rest) == 1:
        n = int(rest[0])
        print("[default]\naws_access_key_id = %s\naws_secret_access_key = %s"
              % (key_id(n, seed), secret(n, seed)))
    elif cmd == "table" and len(rest) == 1:
        for n in range(int(rest[0])):
            print(n, key_id(n, seed), secret(n, seed))
    elif cmd == "smtp" and len(rest) == 2:
        print(smtp_password(rest[0], rest[1]))
    elif cmd == "account" and len(rest) == 1:
        print(account_id(rest[0]) or "-")
    else:
        sys.exit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
