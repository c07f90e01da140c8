/*
 * verify/awsxml.h - a bounded extractor for the few fields sesame reads from AWS
 * query-protocol XML responses (STS, IAM, SES v1) and error bodies.
 *
 * Not a general XML parser: it finds the first element whose local name (namespace
 * prefix ignored) matches, optionally inside a named parent, and returns its text with
 * the five predefined entities and numeric character references decoded. Input is
 * untrusted: it never reads past len, never recurses, and truncates output to out_size.
 */
#ifndef SESAME_VERIFY_AWSXML_H
#define SESAME_VERIFY_AWSXML_H

#include <stdbool.h>
#include <stddef.h>

/* Text of the first <name> element (inside the first <parent> element when parent is
 * not NULL). False if absent or if the element is not closed. out is always
 * NUL-terminated. An empty element (<name/> or <name></name>) gives "". */
bool awsxml_get(const char *xml, size_t len, const char *parent, const char *name, char *out,
                size_t out_size);

/* True if the body looks like XML whose root element has this local name
 * ("ErrorResponse", "GetCallerIdentityResponse"). */
bool awsxml_root_is(const char *xml, size_t len, const char *name);

#endif
