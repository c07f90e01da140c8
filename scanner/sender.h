/*
 * sender.h - the mail sender addresses named next to a credential.
 *
 * An SES key's replacement should only send as the addresses the application uses
 * (the ses:FromAddress condition of `sesame remediate`'s policy). Those addresses sit
 * next to the key in the same files: MAIL_FROM=..., DEFAULT_FROM_EMAIL = '...',
 * "from": "...", sender = ..., From: headers, Source= / FromEmailAddress= / .source(...)
 * in SDK calls. This reads them in the window pairing uses (LIMIT_PAIR_BYTES either
 * side, never across an INI/TOML section or a YAML document: scope.h), and only as the
 * value of a sender key on the key's own line: a To:/Cc:/recipient address, or an
 * address after another key on that line, is not a sender.
 */
#ifndef SESAME_SENDER_H
#define SESAME_SENDER_H

#include <stddef.h>

#include "aws/sender.h"

/* The sender addresses named near the match data[start, end) of data[0, len), each
 * valid for aws_sender_ok, in the order they appear, without repeats: at most `max`
 * into out. Returns how many. Reads data[start - LIMIT_PAIR_BYTES - 256,
 * end + LIMIT_PAIR_BYTES + 256) at most. */
size_t sender_near(const unsigned char *data, size_t len, size_t start, size_t end,
                   char (*out)[AWS_SENDER_MAX + 1], size_t max);

#endif
