/*
 * sender.c - sender addresses next to a credential (sender.h).
 *
 * Line by line through the pairing window: a token that names a sender (by its
 * normalised spelling: lower case without '_', '-', '.', ending in "from", "sender",
 * "fromaddress", ..., or "source"), followed by '=', ':', '(' (a call), '>' after '<'
 * (an XML element) or, after a closing quote, ',' (props.put("mail.smtp.from", ...));
 * then the addresses of its value, up to the end of the line, a ';', the end of the
 * call, an XML end tag or the next `name=` / `name:` on the line (so that
 * `send(from="a@x", to="b@x")` gives a@x only; `address`/`email` keys inside the value
 * stay in it). Each address must stand alone (delimited: not the middle of a URL such
 * as postgres://u@db.example.com/ nor git@github.com:org/repo) and pass aws_sender_ok;
 * it is kept when it is within LIMIT_PAIR_BYTES of the match and no section header or
 * YAML document separator lies between (scope_between), as pairing does.
 */
#include "sender.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "base/limits.h"
#include "scope.h"

/* How far back the start of the window's first line is looked for. */
#define SENDER_LINE_LOOKBACK 256u

static bool ident_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '.';
}

static bool local_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

static bool domain_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '-';
}

/* What may stand before an address: quotes, brackets, separators, space. */
static bool delim(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '"' || c == '\'' || c == '`' ||
           c == '<' || c == '>' || c == '(' || c == ')' || c == '[' || c == ']' || c == '{' ||
           c == '}' || c == '=' || c == ':' || c == ',' || c == ';';
}

/* What may stand after one: not ':' or '/' (git@github.com:org/repo is no sender). */
static bool delim_after(unsigned char c)
{
    return c != ':' && c != '=' && c != '(' && c != '[' && c != '{' && delim(c);
}

/* Does the token s[0, n) name a sender? */
static bool sender_key(const unsigned char *s, size_t n)
{
    static const char *const ends[] = { "from",          "fromemail",   "fromaddress",
                                        "fromaddr",      "frommail",    "fromemailaddress",
                                        "sender",        "senderemail", "senderaddress",
                                        "senderaddr",    "sendermail",  "sourceemail",
                                        "sourceaddress", "withsource" };
    char k[65];
    size_t m = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c == '_' || c == '-' || c == '.')
            continue;
        if (m + 1 >= sizeof(k))
            return false;
        k[m++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    k[m] = '\0';
    if (strcmp(k, "source") == 0) /* SES v1 SendEmail's Source (boto3, JS, Java v2) */
        return true;
    for (size_t i = 0; i < sizeof(ends) / sizeof(*ends); i++) {
        size_t e = strlen(ends[i]);
        if (m >= e && memcmp(k + m - e, ends[i], e) == 0)
            return true;
    }
    return false;
}

/* An address starting at line[i] (line[0, n)): its end, or 0 if there is none. */
static size_t address_at(const unsigned char *line, size_t n, size_t i)
{
    size_t at = i, end;

    if (i > 0 && !delim(line[i - 1]))
        return 0;
    while (at < n && local_char(line[at]))
        at++;
    if (at == i || at >= n || line[at] != '@')
        return 0;
    end = at + 1;
    while (end < n && domain_char(line[end]))
        end++;
    if (end < n && !delim_after(line[end]))
        return 0;
    while (end > at + 1 && line[end - 1] == '.')
        end--; /* the end of a sentence */
    return aws_sender_ok((const char *)line + i, end - i) ? end : 0;
}

struct found {
    const unsigned char *data;
    size_t start, end;
    char (*out)[AWS_SENDER_MAX + 1];
    size_t n, max;
};

static void keep(struct found *f, size_t a, size_t b)
{
    size_t len = b - a;
    enum scope_sep sep;

    if (f->n >= f->max || (b > f->start && a < f->end))
        return;
    if (b <= f->start) {
        if (f->start - b > LIMIT_PAIR_BYTES)
            return;
        sep = scope_between(f->data, a, b, f->start);
    } else {
        if (a - f->end > LIMIT_PAIR_BYTES)
            return;
        sep = scope_between(f->data, f->start, f->end, a);
    }
    if (sep == SCOPE_APART)
        return;
    for (size_t i = 0; i < f->n; i++)
        if (strlen(f->out[i]) == len && memcmp(f->out[i], f->data + a, len) == 0)
            return;
    memcpy(f->out[f->n], f->data + a, len);
    f->out[f->n++][len] = '\0';
}

/* A key inside a sender's value that is still the sender ('from' => ['address' =>
 * 'a@x', 'name' => ...], {"email": "a@x"}). */
static bool value_key(const unsigned char *s, size_t n)
{
    static const char *const keys[] = { "address", "email", "mail", "addr", "value" };

    for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++)
        if (strlen(keys[i]) == n && strncasecmp((const char *)s, keys[i], n) == 0)
            return true;
    return false;
}

/* The value after a sender key, from line[i]: its addresses, up to the next key of the
 * line, a ';', the end of a call (`open` '(' after the key) or an XML end tag. */
static void value(struct found *f, size_t base, const unsigned char *line, size_t n, size_t i,
                  unsigned char open)
{
    int depth = open == '(';

    while (i < n && f->n < f->max) {
        size_t e = address_at(line, n, i), j;
        unsigned char c = line[i];
        if (e) {
            keep(f, base + i, base + e);
            i = e;
            continue;
        }
        if (c == ';' || (c == '<' && i + 1 < n && line[i + 1] == '/'))
            return;
        if (!ident_char(c)) {
            depth += (c == '(') - (c == ')');
            if (open == '(' && depth <= 0)
                return;
            i++;
            continue;
        }
        for (j = i; j < n && (ident_char(line[j]) || line[j] == '@'); j++)
            ;
        e = j;
        while (j < n && (line[j] == ' ' || line[j] == '\t' || line[j] == '"' || line[j] == '\''))
            j++;
        if (j < n && (line[j] == '=' || line[j] == ':') && !value_key(line + i, e - i))
            return; /* the next key of the line: its value is not the sender's */
        i = e;
    }
}

/* Every sender key of line[0, n) (at data offset base) and its value. */
static void read_line(struct found *f, size_t base, const unsigned char *line, size_t n)
{
    size_t i = 0;

    while (i < n && f->n < f->max) {
        size_t t, j;
        bool quoted;
        if (!ident_char(line[i]) || (i > 0 && (ident_char(line[i - 1]) || line[i - 1] == '@'))) {
            i++;
            continue;
        }
        for (t = i; t < n && ident_char(line[t]); t++)
            ;
        if (t < n && line[t] == '@') { /* an address, not a key */
            while (t < n && !delim(line[t]))
                t++;
            i = t;
            continue;
        }
        quoted = i > 0 && (line[i - 1] == '"' || line[i - 1] == '\'');
        j = t;
        while (j < n && (line[j] == ' ' || line[j] == '\t' || line[j] == '"' || line[j] == '\''))
            j++;
        if (j < n && sender_key(line + i, t - i) &&
            (line[j] == '=' || line[j] == ':' || line[j] == '(' ||
             (line[j] == '>' && i > 0 && line[i - 1] == '<') ||
             (quoted && line[j] == ','))) {
            value(f, base, line, n, j + 1, line[j]);
        }
        i = t;
    }
}

size_t sender_near(const unsigned char *data, size_t len, size_t start, size_t end,
                   char (*out)[AWS_SENDER_MAX + 1], size_t max)
{
    struct found f = { data, start, end, out, 0, max };
    size_t lo = start > LIMIT_PAIR_BYTES ? start - LIMIT_PAIR_BYTES : 0;
    size_t hi = end + LIMIT_PAIR_BYTES < len ? end + LIMIT_PAIR_BYTES : len;
    size_t floor = lo > SENDER_LINE_LOOKBACK ? lo - SENDER_LINE_LOOKBACK : 0;
    /* The last line is read to its end (at most this far): an address kept starts
     * before hi and is at most AWS_SENDER_MAX long, so it is never cut. */
    size_t ceil = hi + SENDER_LINE_LOOKBACK < len ? hi + SENDER_LINE_LOOKBACK : len;

    if (start >= end || end > len || !memchr(data + floor, '@', ceil - floor))
        return 0; /* no address anywhere near: the common case, one memchr */
    while (lo > floor && data[lo - 1] != '\n')
        lo--;
    /* Only lines with an '@' can name a sender (the value is on the key's line): from
     * one '@' to the next, each such line read once. */
    while (lo < hi && f.n < max) {
        const unsigned char *at = memchr(data + lo, '@', ceil - lo), *nl;
        size_t a, ls, le;
        if (!at)
            break;
        a = (size_t)(at - data);
        for (ls = a; ls > lo && data[ls - 1] != '\n'; ls--)
            ;
        if (ls >= hi)
            break; /* the line starts past the window */
        nl = memchr(data + a, '\n', ceil - a);
        le = nl ? (size_t)(nl - data) : ceil;
        read_line(&f, ls, data + ls, le - ls);
        lo = le + 1;
    }
    return f.n;
}
