/*
 * config.h - the repository configuration file (.sesame.json) and baselines.
 *
 * .sesame.json, in a scanned directory or above it up to its repository's top directory
 * (or --config FILE, or SESAME_CONFIG):
 *   {
 *     "exclude": ["glob", ...],          paths not to scan (added to --exclude)
 *     "include": ["glob", ...],          only these paths (added to --include)
 *     "rules": {"disable": ["rule.id", ...]},
 *     "baseline": ".sesame-baseline.json" a baseline file, relative to the config file
 *   }
 * A baseline (`sesame baseline create`) lists finding fingerprints already known;
 * --baseline FILE reports only the others. Both files are untrusted input: strict
 * validation, bounded size, errors naming the file.
 */
#ifndef SESAME_CONFIG_H
#define SESAME_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "base/status.h"

struct repo_config {
    char **exclude;
    size_t n_exclude;
    char **include;
    size_t n_include;
    char **disable;
    size_t n_disable;
    char *baseline;   /* resolved path, or NULL */
    char *known_keys; /* resolved path of the key inventory, or NULL */
    char *accounts;   /* resolved path of the account list, or NULL */
    char *source;     /* the file it came from, or NULL if none was found */
};


/* Load `path`. STATUS_IO if it cannot be read, STATUS_CORRUPT (naming the file) if bad. */
enum status config_load(const char *path, struct repo_config *out);
/* Load DIR/.sesame.json if it exists; out->source stays NULL when there is none. */
enum status config_load_dir(const char *dir, struct repo_config *out);
/* The .sesame.json that applies to directory `dir`: its own, else the nearest one in a
 * directory above it, up to and including `top` (the repository's top directory; NULL:
 * `dir` only). Globs of a configuration found above `dir` are made relative to `dir`
 * (a glob without '/' or starting with two stars is kept; "sub/x/STAR" scanning "sub"
 * becomes "x/STAR"; one for another subtree is dropped), since paths are matched relative to the
 * scanned directory. out->source stays NULL when there is none. */
enum status config_find_up(const char *dir, const char *top, struct repo_config *out);
void config_release(struct repo_config *c);

/* One recorded finding: its fingerprint and the parts it had ("secret_access_key:" +
 * the first 16 hex digits of the value's SHA-256, and the same for session tokens and
 * SMTP passwords). Version 1 baselines recorded no parts (has_parts false). */
struct baseline_entry {
    char *fingerprint;
    char **parts;        /* sorted */
    size_t n_parts;
    bool has_parts;
};

struct baseline {
    struct baseline_entry *v; /* sorted by fingerprint */
    size_t n;
    char *path;
    bool warned_v1;
};


struct finding;

enum status baseline_load(const char *path, struct baseline *out);
/* The entry for `fingerprint`, or NULL. */
const struct baseline_entry *baseline_find(const struct baseline *b, const char *fingerprint);
/* True if the baseline recorded this finding with every part it has now: a secret,
 * token or SMTP password that is new for a baselined key ID is not covered. */
bool baseline_covers(struct baseline *b, const struct finding *f);
void baseline_release(struct baseline *b);

#endif
