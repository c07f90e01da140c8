/*
 * aws/sender.c - is this a plausible mail sender address (aws/sender.h)?
 */
#include "aws/sender.h"

#include <string.h>

static bool letter(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool alnum(unsigned char c)
{
    return letter(c) || (c >= '0' && c <= '9');
}

bool aws_sender_ok(const char *s, size_t n)
{
    const char *at = s ? memchr(s, '@', n) : NULL;
    size_t local, label = 0, labels = 0, last = 0;

    if (!at || n > AWS_SENDER_MAX)
        return false;
    local = (size_t)(at - s);
    if (local == 0 || local > 64 || s[0] == '.' || s[local - 1] == '.' ||
        n - local - 1 == 0 || n - local - 1 > 253)
        return false;
    for (size_t i = 0; i < local; i++)
        if (!(alnum((unsigned char)s[i]) || (s[i] && strchr("._%+-", s[i]))) ||
            (s[i] == '.' && s[i + 1] == '.'))
            return false;
    for (size_t i = local + 1; i <= n; i++) {
        unsigned char c = i < n ? (unsigned char)s[i] : '.';
        if (c == '.') {
            if (label == 0 || label > 63 || s[i - 1] == '-')
                return false;
            labels++;
            last = i - label; /* where this label started */
            label = 0;
            continue;
        }
        if (!(alnum(c) || c == '-') || (label == 0 && c == '-'))
            return false;
        label++;
    }
    if (labels < 2 || n - last < 2)
        return false;
    for (size_t i = last; i < n; i++)
        if (!letter((unsigned char)s[i]))
            return false;
    return true;
}
