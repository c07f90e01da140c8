/*
 * rules/rule.h - detection rules as data, and the rule set loaded from patterns/.
 *
 * A rule is either direct (its pattern is compiled into the one Hyperscan database and
 * confirmed with PCRE2 around each Hyperscan hit) or a proximity rule (`near`): its
 * pattern is run only in a window around confirmed matches of the named kinds, e.g. a
 * 40-character secret near an access key ID. The named group `value` of a rule's
 * pattern is the credential; an optional group `region` names an AWS region.
 *
 * Rule files are JSON: {"rules": [ {...}, ... ]}; data files are {"data": {...}}
 * (SES SMTP regions). Defaults are embedded in the binary; --rules adds files.
 */
#ifndef SESAME_RULES_RULE_H
#define SESAME_RULES_RULE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/status.h"
#include "model/cred.h"

struct rule {
    char *id;
    char *name;
    char *description;
    enum cred_kind kind;
    enum confidence confidence;
    char *pattern;       /* PCRE2 syntax, with a named group "value" */
    char *prefilter;     /* optional Hyperscan pattern; default: pattern in prefilter mode */
    unsigned near_kinds; /* proximity rule: bit (1u << kind) per anchor kind; 0 = direct */
    size_t near_bytes;   /* proximity window on each side of the anchor */
    double min_entropy;  /* of the value, bits per byte; 0 = no gate */
    bool reject_hex;     /* values made only of hex digits are digests, not secrets */
    char **examples;     /* templates: text that must produce a match of this rule */
    size_t n_examples;
    char **negatives;    /* templates: text that must not */
    size_t n_negatives;
    char *source;        /* file the rule came from */
};

struct ruleset {
    struct rule *rules;
    size_t n;
    size_t cap;
    char **smtp_regions; /* SES SMTP regions, from data files */
    size_t n_smtp_regions;
    unsigned char hash[32]; /* SHA-256 over every rule's compiled fields */
};

#define RULESET_INIT { NULL, 0, 0, NULL, 0, { 0 } }

/* Load the embedded default rules (unless no_defaults), then each path in extra (a
 * file or a directory of *.json). A rule whose id exists already replaces it. Errors
 * name the file, the rule id and the problem: "'x.json': rule 'aws.id': ...". */
enum status ruleset_load(struct ruleset *rs, bool no_defaults, const char *const *extra,
                         size_t n_extra);

/* Load rules from one JSON text; `name` is used in messages. For tests and fuzzing. */
enum status ruleset_load_text(struct ruleset *rs, const char *name, const char *text,
                              size_t len);

void ruleset_release(struct ruleset *rs);

/* Compute rs->hash (call after loading). */
void ruleset_hash(struct ruleset *rs);

const struct rule *ruleset_find(const struct ruleset *rs, const char *id);

/* Remove the rule `id`; false if there is none. Call ruleset_hash() afterwards. */
bool ruleset_disable(struct ruleset *rs, const char *id);

#endif
