/*
 * verify/awsxml.h - a strict, bounded reader for the AWS query-protocol XML answers the
 * verifier reads (STS, IAM, SES v1, and their error bodies).
 *
 * Not a general XML parser, but it checks the whole body before anything in it is
 * believed: one root element with the expected local name (namespace prefix ignored),
 * every element closed by its own end tag, well-formed tags, attributes, comments,
 * CDATA sections, character and entity references (the five predefined entities only:
 * there is no DTD), no control characters, nothing but white space, comments and
 * processing instructions around the root. So a body cut short by the network, a proxy
 * or sesame's own cap is never taken for an answer, and neither is an HTML page. The
 * fields asked for are read at exact paths, and a field present twice is an error (two
 * answers are no answer). Input is untrusted: nothing is read past len, there is no
 * recursion, nesting is bounded (LIMIT_XML_DEPTH), and outputs are truncated to their
 * buffers.
 */
#ifndef SESAME_VERIFY_AWSXML_H
#define SESAME_VERIFY_AWSXML_H

#include <stdbool.h>
#include <stddef.h>

#define AWSXML_MAX_FIELDS 8  /* fields read in one call */
#define AWSXML_MAX_PATH 6    /* elements in a field's path */

struct awsxml_field {
    const char *path; /* in: local names below the root, '/'-separated ("Error/Code") */
    char *out;        /* in: where the element's text goes: entities decoded, CDATA
                       * copied, surrounding white space trimmed, NUL-terminated */
    size_t out_size;  /* in: > 0 */
    unsigned count;   /* out: 1 if the element is there (with out set), else 0 */
};

/*
 * Check that xml[0, len) is one well-formed XML document whose root element's local
 * name is `root`, and read each field. True if so; else false, with a one-line reason
 * naming the problem and its byte offset in why (NUL-terminated; never a value from the
 * body other than element names, shown with unusual bytes replaced by '?'). A field's
 * element that holds child elements, comments or processing instructions, or that
 * appears twice, makes the document unacceptable too. A field that is absent has count
 * 0 and out "". A NULL or bad field path is a caller bug: false with a reason.
 */
bool awsxml_read(const char *xml, size_t len, const char *root, struct awsxml_field *fields,
                 size_t n_fields, char *why, size_t why_size);

/* A repeated element (a query-protocol list: "GetSendStatisticsResult/SendDataPoints/
 * member") and the fields read inside each one (paths relative to it). At the end tag of
 * each item, `item` is called with the fields as read in that item (a field twice in
 * one item is an error; absent: count 0); false from it stops the read, with its
 * reason. The document is still checked to its end: a caller keeps what `item` saw only
 * when awsxml_read_list returns true. */
typedef bool awsxml_item_fn(void *payload, const struct awsxml_field *fields, size_t n,
                            char *why, size_t why_size);
struct awsxml_list {
    const char *path;
    struct awsxml_field *fields;
    size_t n_fields;
    awsxml_item_fn *item;
    void *payload;
    size_t count;     /* out: items seen */
};

/* awsxml_read with one list besides the plain fields (n_fields + list->n_fields <=
 * AWSXML_MAX_FIELDS; a list field's whole path, list path included, <= AWSXML_MAX_PATH
 * elements). */
bool awsxml_read_list(const char *xml, size_t len, const char *root,
                      struct awsxml_field *fields, size_t n_fields, struct awsxml_list *list,
                      char *why, size_t why_size);

#endif
