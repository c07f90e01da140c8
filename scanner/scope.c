/*
 * scope.c - separation of two matches by the structure of the text between them.
 *
 * Read only between the two matches (at most the pairing window, 1 KiB), so it costs
 * nothing next to matching. Three signals, none of which needs to know the format:
 * - a line that is an INI/TOML section header ([profile prod], [[servers]]) or a YAML
 *   document separator (---): the two values are in different sections, never paired;
 * - braces: the path from one to the other leaves a block and enters another one
 *   (`{ id } { secret }`: sibling JSON objects, HCL blocks);
 * - YAML/Python indentation: a `name:` line less indented than both matches' lines
 *   starts a sibling map (`prod:\n  id: ...\ndev:\n  secret: ...`).
 * The last two are soft: Terraform writes one variable block per part of a credential,
 * so a sibling is still the partner when there is no better one.
 */
#include "scope.h"

#include <stdbool.h>

/* How far back the start of a match's line is looked for (indentation). */
#define SCOPE_INDENT_LOOKBACK 256u

/* Start of the line holding data[off], looking back no further than `floor`; `floor`
 * itself if the line starts before it. */
static size_t line_start(const unsigned char *data, size_t floor, size_t off)
{
    while (off > floor && data[off - 1] != '\n')
        off--;
    return off;
}

static size_t indent_of(const unsigned char *data, size_t line, size_t end)
{
    size_t i = line;
    while (i < end && (data[i] == ' ' || data[i] == '\t'))
        i++;
    return i - line;
}

static bool name_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '.' || c == ' ' || c == ':' || c == '/' || c == '"' ||
           c == '\'' || c == '@';
}

/* [section], [profile x], [[array]], with only name characters inside. */
static bool section_header(const unsigned char *s, size_t n)
{
    size_t i = 0, open = 0, close = 0, body = 0;

    while (i < n && s[i] == '[')
        i++, open++;
    if (open == 0 || open > 2)
        return false;
    for (; i < n && s[i] != ']'; i++, body++)
        if (!name_char(s[i]))
            return false;
    while (i < n && s[i] == ']')
        i++, close++;
    return body > 0 && close == open && i == n;
}

/* `name:` alone on its line (a YAML map or a Python block opener). */
static bool block_key(const unsigned char *s, size_t n)
{
    if (n < 2 || s[n - 1] != ':')
        return false;
    for (size_t i = 0; i + 1 < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-' || s[i] == '.' ||
              s[i] == '"' || s[i] == '\''))
            return false;
    return true;
}

/* One whole line [ls, le) strictly between the matches. */
static enum scope_sep line_sep(const unsigned char *data, size_t ls, size_t le, size_t min_indent)
{
    size_t ind = indent_of(data, ls, le);
    const unsigned char *s = data + ls + ind;
    size_t n = le - ls - ind;

    while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n == 0)
        return SCOPE_SAME;
    if (section_header(s, n) || (n == 3 && s[0] == '-' && s[1] == '-' && s[2] == '-'))
        return SCOPE_APART;
    if (ind < min_indent && block_key(s, n))
        return SCOPE_SIBLING;
    return SCOPE_SAME;
}

enum scope_sep scope_between(const unsigned char *data, size_t a_start, size_t a_end,
                             size_t b_start)
{
    enum scope_sep sep = SCOPE_SAME;
    long depth = 0, min_depth = 0;
    size_t a_line, b_line, ib, min_indent;

    if (a_end >= b_start)
        return SCOPE_SAME;
    for (size_t i = a_end; i < b_start; i++) {
        if (data[i] == '{')
            depth++;
        else if (data[i] == '}' && --depth < min_depth)
            min_depth = depth;
    }
    if (min_depth < 0 && depth > min_depth)
        sep = SCOPE_SIBLING;
    b_line = line_start(data, a_end, b_start);
    if (b_line == a_end && (a_end == 0 || data[a_end - 1] != '\n'))
        return sep; /* same line */
    /* Indentation: lines longer than SCOPE_INDENT_LOOKBACK are not structured text. */
    a_line = line_start(data, a_start > SCOPE_INDENT_LOOKBACK ? a_start - SCOPE_INDENT_LOOKBACK : 0,
                        a_start);
    ib = indent_of(data, b_line, b_start);
    min_indent = ib;
    if (a_line == 0 || data[a_line - 1] == '\n') {
        size_t ia = indent_of(data, a_line, a_start);
        if (ia < min_indent)
            min_indent = ia;
    }
    /* Whole lines after a's line and before b's line. */
    for (size_t ls = a_end; ls < b_line;) {
        size_t le = ls;
        while (le < b_line && data[le] != '\n')
            le++;
        if (ls > a_end) {
            enum scope_sep s = line_sep(data, ls, le, min_indent);
            if (s > sep)
                sep = s;
            if (sep == SCOPE_APART)
                return sep;
        }
        ls = le + 1;
    }
    return sep;
}
