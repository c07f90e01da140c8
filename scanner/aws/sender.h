/*
 * aws/sender.h - the shape of a mail sender address (the ses:FromAddress value of a
 * least-privilege SES policy), checked wherever one comes in: read near a credential,
 * from a saved report, from the store.
 *
 * Deliberately narrower than RFC 5322: an address sesame puts into a policy JSON and
 * prints next to shell commands must need no quoting, so only the characters real
 * sender addresses use are accepted.
 */
#ifndef SESAME_AWS_SENDER_H
#define SESAME_AWS_SENDER_H

#include <stdbool.h>
#include <stddef.h>

/* Longest address kept (RFC 5321's path limit, 256, minus the angle brackets). */
#define AWS_SENDER_MAX 254u

/* s[0, n) is local@domain: a local part of 1-64 bytes [A-Za-z0-9._%+-] (no leading,
 * trailing or double dot), a domain of at most 253 bytes with two labels or more
 * ([A-Za-z0-9-], 1-63 bytes, not starting or ending with '-') and a top-level label
 * of letters (2 or more); at most AWS_SENDER_MAX bytes. */
bool aws_sender_ok(const char *s, size_t n);

#endif
