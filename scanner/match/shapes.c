/*
 * match/shapes.c - what the matcher checks in C instead of in an expression: the HTML
 * quote trigger's keyword, and rules that are one run of a character class between two
 * classes.
 *
 * A rule written exactly as
 *     (?<![B])(?<value>[V]{N})(?![A])
 * with B, V, A plain classes (characters and ranges, nothing escaped, not negated) is a
 * run rule (aws.secret_access_key.near_key_id: 40 base64 characters). PCRE2 tries it at
 * every start position of every proximity window; run_rule_find walks the window once,
 * skipping runs that cannot start a match, and gives the same first match (the same
 * start, so the same value). engine_worker_set_whole_buffer's reference still uses PCRE2:
 * tests/unit/test_engine_windows.c compares the two.
 */
#include "match/shapes.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "base/compiler.h"

/* The HTML quote trigger's hit ending at `end` ("&quot;" + 16 key characters): true if a
 * keyword (key, secret, token, pass, pwd, cred; any case) ends at most 64 bytes before
 * its '&' on the same line: the quoted value is a keyword rule's, which needs the quote
 * decoded (key=&quot;..., 'secret' =&gt; &#39;..., set(&#39;key&#39;, &#39;...). A
 * quoted name in prose ("&quot;refs/heads/main&quot;") is not. */
bool html_quote_keyword(const unsigned char *p, size_t end)
{
    static const char *const words[] = { "key", "secret", "token", "pass", "pwd", "cred" };
    size_t amp, lo;

    if (end < 16 + 5)
        return false;
    for (amp = end - 16 - 1; amp > 0 && p[amp] != '&' && end - 16 - amp < 12;)
        amp--;
    if (p[amp] != '&')
        return false;
    /* a keyword ending in [amp - 64, amp], no '\n' from its end to amp */
    lo = amp > 64 + 6 ? amp - 64 - 6 : 0;
    for (size_t nl = amp; nl > lo; nl--)
        if (p[nl - 1] == '\n') {
            lo = nl;
            break;
        }
    for (size_t i = lo; i < amp; i++)
        for (size_t k = 0; k < ARRAY_SIZE(words); k++) {
            size_t n = strlen(words[k]);
            if (i + n <= amp && i + n + 64 >= amp &&
                strncasecmp((const char *)p + i, words[k], n) == 0)
                return true;
        }
    return false;
}

/* ---- run rules ------------------------------------------------------------------- */

static bool in_set(const uint8_t set[32], unsigned char c)
{
    return set[c >> 3] & (1u << (c & 7));
}

static bool plain_char(unsigned char c)
{
    return c > ' ' && c < 0x7f && !strchr("[]\\^-", c);
}

/* "[...]" at *s: characters and ranges into set; *s moves past the ']' */
static bool parse_class(const char **s, uint8_t set[32])
{
    const char *p = *s;

    memset(set, 0, 32);
    if (*p++ != '[' || *p == ']')
        return false;
    while (*p != ']') {
        unsigned char lo = (unsigned char)*p, hi = lo;
        if (!plain_char(lo))
            return false;
        if (p[1] == '-') { /* "a-]": ']' is no plain character */
            hi = (unsigned char)p[2];
            if (!plain_char(hi) || hi < lo)
                return false;
            p += 3;
        } else {
            p++;
        }
        for (unsigned c = lo; c <= hi; c++)
            set[c >> 3] |= (uint8_t)(1u << (c & 7));
    }
    *s = p + 1;
    return true;
}

static bool literal(const char **s, const char *lit)
{
    size_t n = strlen(lit);

    if (strncmp(*s, lit, n) != 0)
        return false;
    *s += n;
    return true;
}

bool run_rule_parse(const char *pattern, struct run_rule *out)
{
    const char *s = pattern;
    size_t n = 0;

    memset(out, 0, sizeof(*out));
    if (!literal(&s, "(?<!") || !parse_class(&s, out->before) || !literal(&s, ")(?<value>") ||
        !parse_class(&s, out->value) || !literal(&s, "{"))
        return false;
    while (*s >= '0' && *s <= '9' && n < 100000)
        n = n * 10 + (size_t)(*s++ - '0');
    if (n == 0 || n >= 100000 || !literal(&s, "})(?!") || !parse_class(&s, out->after) ||
        !literal(&s, ")") || *s != '\0')
        return false;
    out->n = n;
    /* a failed start can skip the run it looked at when every value character would
     * also fail the look-behind */
    out->skip = true;
    for (unsigned c = 0; c < 256; c++)
        if (in_set(out->value, (unsigned char)c) && !in_set(out->before, (unsigned char)c))
            out->skip = false;
    return true;
}

size_t run_rule_find(const struct run_rule *r, const unsigned char *p, size_t len, size_t pos,
                     size_t hi)
{
    size_t s = pos;

    while (s <= hi && r->n <= len && s <= len - r->n) {
        size_t k = 0;
        if (s > 0 && in_set(r->before, p[s - 1])) {
            s++;
            continue;
        }
        while (k < r->n && in_set(r->value, p[s + k]))
            k++;
        if (k == r->n && (s + k == len || !in_set(r->after, p[s + k])))
            return s;
        /* the starts up to s + k follow a value character: with skip, none can match */
        s += r->skip ? k + 1 : 1;
    }
    return SIZE_MAX;
}
