#!/usr/bin/env bash
# Escape views decoded around their triggers (issue 16): URL, JSON-escape and HTML views
# are decoded only in windows around the matcher's trigger hits, a view inside a view
# only near what the outer view changed (canonical labels), and the HTML and JSON
# triggers fire only where a value can be. Each case file is scanned and must give
# exactly the expected locations (path, part, value, line, encoding label) and pairs,
# nothing else:
#   HTML: a key ID with one &#NN; reference (in the middle, first, last), a key ID
#     written entirely as references, one split by an inline tag, a secret after
#     `key=&quot;`, `"secretAccessKey": &quot;`, and their numeric forms (&#34; &#39;:
#     only the quote trigger finds those), also after PHP's `=>`, in a call, after a
#     space (the keyword before the quote opens the view);
#   JSON: a secret with `\/` (in the middle, first, last), `\u0041KIA...`, ES2015
#     `\u{41}KIA...`, a credential in escaped JSON (`\\\"`, no trigger of its own) 12 KiB
#     from a `\/`-in-a-secret trigger inside a 1 MB one-line minified JSON (and, as a
#     control, not found when that trigger is gone);
#   URL: `%2F` in a secret, `%252F` (url>url; also alone on its line), a secret that
#     needs URL then JSON decoding (url>json-escape: its `\/` encoded, or not), a
#     JSON-only secret on a long line that also holds URL escapes more than a window's
#     margin away, and one three lines below a URL escape (json-escape, not
#     url>json-escape, in both);
#   prose with `free&#39;d`, `&#169;` and a quoted ref name (a keyword 65 bytes before
#     it or on the line above: too far), a Perl script with `s/^\///`, JSON with
#     `\u00e9`: no view at all (scan.decoded_views 0);
#   a 20 MB file (three 8 MiB chunks) with hidden keys ending at, straddling and
#     starting at each chunk's edges and ownership boundaries, and at the file's start
#     and end (the last line without '\n').
# Keys come from a fixed seed; no key-shaped literal is in this file.
. "$(dirname "$0")/lib.sh"
setup

cat >"$TRASH/gen.py" <<'EOF'
import json, os, sys, urllib.parse
sys.path.insert(0, os.environ["SUPPORT"])
import fakekeys

k = fakekeys.Keys("sesame-t0345")
r = k.r
MIB = 1024 * 1024
CHUNK, OVERLAP = 8 * MIB, 16 * 1024  # LIMIT_CHUNK_BYTES, LIMIT_CHUNK_OVERLAP
expect = {"cases": [], "cases_pairs": [], "control": [], "control_pairs": [], "big": [],
          "big_pairs": []}


def slashed():
    """A secret with every '/' and '+' in its middle: no escaped form leaves 40 plain
    characters."""
    return k.secret(need="/", middle=True)


def q(s):
    return urllib.parse.quote(s, safe="")


def refs(s, hexa=True):
    return "".join(("&#x%X;" if hexa else "&#%d;") % ord(c) for c in s)


# ---- snippets: (one line, [(part, value, encoding)], pair or None) ------------------

def url_snippet():
    kid, sec = k.key_id(), slashed()
    return ("GET /cb?aws_access_key_id=%s&aws_secret_access_key=%s HTTP/1.1" % (kid, q(sec)),
            [("access_key_id", kid, None), ("secret_access_key", sec, "url")], (kid, sec))


def url2_snippet():
    kid, sec = k.key_id(), slashed()
    # %25 is no trigger: the single-encoded "next" opens the window
    return ("GET /cb?next=%%2Fhome&aws_access_key_id=%s&aws_secret_access_key=%s HTTP/1.1"
            % (kid, q(q(sec))),
            [("access_key_id", kid, None), ("secret_access_key", sec, "url>url")], (kid, sec))


def urljson_snippet():
    kid, sec = k.key_id(), slashed()
    blob = q('{"aws_secret_access_key":"%s"}' % sec.replace("/", "\\/"))
    return ("GET /cb?aws_access_key_id=%s&creds=%s HTTP/1.1" % (kid, blob),
            [("access_key_id", kid, None), ("secret_access_key", sec, "url>json-escape")],
            (kid, sec))


def json_snippet():
    kid, sec = k.key_id(), slashed()
    return ('{"aws_access_key_id": "%s", "aws_secret_access_key": "%s"}'
            % (kid, sec.replace("/", "\\/")),
            [("access_key_id", kid, None), ("secret_access_key", sec, "json-escape")], (kid, sec))


def html_snippet():
    kid = k.key_id()
    return ("<p>key: <code>%s&#%d;%s</code></p>" % (kid[:6], ord(kid[6]), kid[7:]),
            [("access_key_id", kid, "html")], None)


# ---- the case files ------------------------------------------------------------------

def case(path, lines, items=(), pair=None):
    """lines: the file's lines; items: (line number, part, value, encoding); expected in
    the scan of the file's top directory."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("".join(l + "\n" for l in lines))
    top = path.split("/")[0]
    for line, part, value, enc in items:
        expect[top].append([path, part, value, line, enc])
    if pair:
        expect[top + "_pairs"].append(list(pair))


def one_line(path, snippet, before=2):
    text, items, pair = snippet
    lines = ["<!-- filler %d -->" % i for i in range(before)] + [text, "end"]
    case(path, lines, [(before + 1, p, v, e) for p, v, e in items], pair)


one_line("cases/html-one-ref.html", html_snippet())
# a reference with key characters only after it, only before it; an inline tag
kid = k.key_id()
case("cases/html-first-ref.html", ["<p>", "<code>&#%d;%s</code>" % (ord(kid[0]), kid[1:])],
     [(2, "access_key_id", kid, "html")])
kid = k.key_id()
case("cases/html-last-ref.html", ["<p>", "<code>%s&#x%x;</code>" % (kid[:-1], ord(kid[-1]))],
     [(2, "access_key_id", kid, "html")])
kid = k.key_id()
case("cases/html-tag.html", ['<td>%s<span class="hl">%s</span></td>' % (kid[:9], kid[9:])],
     [(1, "access_key_id", kid, "html")])
for name, hexa in (("all-refs", True), ("all-refs-dec", False)):
    kid = k.key_id()
    case("cases/html-%s.html" % name,
         ["<table>", "<tr><td>%s</td></tr>" % refs(kid, hexa), "</table>"],
         [(2, "access_key_id", kid, "html")])
# the named quote is found in the text as it is; its numeric forms need the HTML view,
# which only the quote-before-a-value trigger opens
for name, form, enc in (("quot", "aws_secret_access_key=&quot;%s&quot;", None),
                        ("quot-num", "aws_secret_access_key=&#34;%s&#34;", "html"),
                        ("apos-num", "aws_secret_access_key: &#39;%s&#39;", "html"),
                        ("json-quot", '  "secretAccessKey": &quot;%s&quot;', None),
                        ("json-quot-num", '  "secretAccessKey": &#x22;%s&#x22;', "html")):
    sec = k.secret()
    case("cases/html-%s.html" % name, ["<pre>{", form % sec, "}</pre>"],
         [(2, "secret_access_key", sec, enc)])

# quotes written as references in other syntaxes: the keyword before the quote (at most
# 64 bytes, on its line) is what opens the view
for name, form in (("php", "  'aws_secret' =&gt; &#39;%s&#39;,"),
                   ("call", "config.set(&#39;aws_secret_access_key&#39;, &#39;%s&#39;)"),
                   ("paren", "aws_secret_access_key(&#34;%s&#34;)"),
                   ("shell", "aws configure set aws_secret_access_key &#39;%s&#39;")):
    sec = k.secret()
    case("cases/html-%s.html" % name, ["<pre>", form % sec, "</pre>"],
         [(2, "secret_access_key", sec, "html")])

one_line("cases/json-slash.json", json_snippet())
# a secret's only '/' last (key characters before the escape only), first (after only)
for name, shape in (("last", lambda s: s[:-1].replace("/", "A") + "/"),
                    ("first", lambda s: "/" + s[1:].replace("/", "A"))):
    sec = k.secret(shape=shape)
    case("cases/json-slash-%s.json" % name,
         ["{", '  "SecretAccessKey": "%s"' % sec.replace("/", "\\/"), "}"],
         [(2, "secret_access_key", sec, "json-escape")])
kid = k.key_id()
case("cases/json-u0041.json", ['{', '  "id": "\\u00%02X%s"' % (ord(kid[0]), kid[1:]), '}'],
     [(2, "access_key_id", kid, "json-escape")])
kid = k.key_id()
case("cases/json-u-braces.js", ["// ES2015", 'const id = "\\u{%x}%s";' % (ord(kid[0]), kid[1:])],
     [(2, "access_key_id", kid, "json-escape")])

# 1 MB of minified JSON on one line: a pair whose secret has a '\/' (the trigger), and
# 12 KiB further a credential only a JSON view shows: JSON in a string in a string
# (\\\" around it: the rule takes \" as a quote, not \\\"), no trigger of its own
def minified(path, trigger_escaped):
    kid, sec, quoted = k.key_id(), slashed(), k.secret()
    recs = ['{"id":%d,"name":"item%d","tags":["a","b"],"w":%d}' % (i, i, r.randrange(10 ** 6))
            for i in range(20000)]
    cfg = '"cfg":{"aws_access_key_id":"%s","aws_secret_access_key":"%s"}' % (
        kid, sec.replace("/", "\\/") if trigger_escaped else sec)
    pad = '"pad":"%s"' % ("x" * (12 * 1024))
    esc3 = '\\\\\\"'  # \\\" : a quote in a string in a string
    payload = ('"payload":"{\\"inner\\":\\"{%sSecretAccessKey%s:%s%s%s}\\"}"'
               % (esc3, esc3, esc3, quoted, esc3))
    body = '{"records":[%s],%s,%s,%s,"more":[%s]}' % (
        ",".join(recs[:1500]), cfg, pad, payload, ",".join(recs[1500:]))
    assert len(body) > 1000000 and "\n" not in body
    items = [(1, "access_key_id", kid, None),
             (1, "secret_access_key", sec, "json-escape" if trigger_escaped else None)]
    if trigger_escaped:
        items.append((1, "secret_access_key", quoted, "json-escape"))
    case(path, [body], items, (kid, sec))


minified("cases/minified.json", True)
minified("control/minified-no-trigger.json", False)

one_line("cases/url-slash.txt", url_snippet())
one_line("cases/url-double.txt", url2_snippet())
# encoded twice and nothing else on the line: %252F is a trigger too
kid, sec = k.key_id(), slashed()
case("cases/url-double-alone.txt",
     ["GET /cb?aws_access_key_id=%s&aws_secret_access_key=%s HTTP/1.1" % (kid, q(q(sec)))],
     [(1, "access_key_id", kid, None), (1, "secret_access_key", sec, "url>url")], (kid, sec))
one_line("cases/url-json.txt", urljson_snippet())
# a JSON-only pair three lines below a URL escape (inside the URL view's window and near
# what it changed): the label still names only the decoder the value needs
text, items, pair = json_snippet()
case("cases/url-then-json.json",
     ["[", '{"next": "https://example.com/login?r=%2Fhome"},', "{}, {},", text, "]"],
     [(4, p, v, e) for p, v, e in items], pair)
# the same with the '\/' left as it is in the URL (some clients do not encode them): the
# JSON trigger sits 9 to 32 bytes from what the URL view changed, not on it
kid, sec = k.key_id(), slashed()
blob = q('{"aws_secret_access_key":"').replace("%", "%%") + "%s" + q('"}').replace("%", "%%")
case("cases/url-json-raw-slash.txt",
     ["GET /cb?next=%%2Fhome&aws_access_key_id=%s&creds=%s HTTP/1.1"
      % (kid, blob % sec.replace("/", "\\/"))],
     [(1, "access_key_id", kid, None), (1, "secret_access_key", sec, "url>json-escape")],
     (kid, sec))
# one long line: URL escapes at its start, a JSON-escaped pair 24 KiB further (inside the
# URL view's window, which is the whole line, but far from anything it decoded)
text, items, pair = json_snippet()
line = ('{"next": "https://example.com/login?r=%%2Fhome%%2Fdash%%3Dx", "pad": "%s", %s'
        % ("y" * (24 * 1024), text[1:]))
case("cases/url-near-json.json", ["[", line, "]"], [(2, p, v, e) for p, v, e in items], pair)

# ---- no view at all ---------------------------------------------------------------------
os.makedirs("noview", exist_ok=True)
with open("noview/prose.html", "w") as f:
    for i in range(400):
        f.write("<p>Paragraph %d: the buffer is free&#39;d twice; Alice&#39;s patch fixes it. "
                "Copyright &#169; 2026, Copyright&#169;2026 &amp; &lt;b&gt; notes; the "
                "&quot;refs/heads/feature/a-long-branch&quot; ref, &#39;Documentation/"
                "technical&#39;.</p>\n" % i)
# a quoted name with the keyword 65 bytes before it, or on the line above: no view
with open("noview/quote-far.html", "w") as f:
    for i in range(50):
        f.write("<p>token" + " " * 65 + "&quot;refs/heads/feature/a-long-branch&quot;</p>\n"
                "<p>secret</p>\n<p>&#39;Documentation/technical/api-%d&#39;</p>\n" % i)
with open("noview/script.pl", "w") as f:
    for i in range(200):
        f.write('$path%d =~ s/^\\///; @parts = split /\\//, $path%d; $p =~ tr/\\//_/;\n' % (i, i))
with open("noview/accents.json", "w") as f:
    f.write("[\n" + ",\n".join('{"name": "Caf\\u00e9 M\\u00fcnchen %d", "n": "\\u00e9t\\u00e9"}' % i
                               for i in range(200)) + "\n]\n")

# ---- 20 MB, three chunks ----------------------------------------------------------------
N = 20 * 1000 * 1000
line = b"%06d no escapes on this line, only words and numbers, abcdefg\n"
assert len(line % 0) == 64
big = bytearray(b"".join(line % (i % 10 ** 6) for i in range(N // 64 + 1))[:N])
placed = []


def put(at, snippet, newline=True):
    text, items, pair = snippet
    data = text.encode() + (b"\n" if newline else b"")
    assert all(not (at < b + 1 and a < at + len(data) + 1) for a, b in placed), "overlap"
    if at > 0:
        big[at - 1] = ord("\n")
    big[at:at + len(data)] = data
    placed.append((at - 1, at + len(data)))
    for p, v, e in items:
        expect["big"].append(["big.txt", p, v, at, e])  # the line: once all are placed
    if pair:
        expect["big_pairs"].append(list(pair))


step = CHUNK - OVERLAP
clusters = [  # chunk starts, ownership boundaries and chunk ends; one kind of escape each
    ([step, step + OVERLAP // 2, CHUNK], [url_snippet, url2_snippet]),
    ([2 * step, 2 * step + OVERLAP // 2, step + CHUNK], [json_snippet]),
]
for edges, makers in clusters:
    for i, e in enumerate(edges):
        for j in range(2):
            s = makers[(i + j) % len(makers)]()
            n = len(s[0]) + 1
            # ending at the edge then starting 2 KiB after it; straddling it then one
            # 2 KiB before; starting at it then one ending 2 KiB before
            at = [[e - n, e + 2048], [e - n // 2, e - 2048 - n], [e, e - 2048 - n]][i % 3][j]
            put(at, s)
put(0, html_snippet())
last = urljson_snippet()
put(N - len(last[0]), last, newline=False)
assert len(big) == N
for x in expect["big"]:
    x[3] = big.count(b"\n", 0, x[3]) + 1
open("big.txt", "wb").write(big)
json.dump(expect, open("expect.json", "w"), indent=1)
EOF

(cd "$TRASH" && SUPPORT="$SESAME_SRC/tests/support" "$PYTHON" gen.py) || exit 2

test_expect_success 'the cases, and the control without the \/ trigger: exactly what is expected' '
    for what in cases control; do
        run_cmd sesame scan --no-config $what --format json --show-secrets
        expect_rc 1
        cp out $what.json
        "$PYTHON" "$IT_DIR/check_located.py" expect.json $what.json $what || exit 1
    done
'

test_expect_success 'prose references, a regex s/^\/// and \u00e9 open no view' '
    run_cmd sesame scan --no-config noview --format json
    expect_rc 0
    "$PYTHON" "$IT_DIR/check_located.py" --no-view out 4
'

test_expect_success '20 MB in three chunks: keys at chunk edges and the file ends, exactly' '
    run_cmd sesame scan --no-config big.txt --format json --show-secrets
    expect_rc 1
    cp out big.json
    "$PYTHON" "$IT_DIR/check_located.py" expect.json big.json big --pairs missing
'

test_done
