/*
 * config.h - the repository configuration file (.sesame.json) and baselines.
 *
 * .sesame.json, at the root of a scanned directory or repository (or --config FILE):
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
    char *source;     /* the file it came from, or NULL if none was found */
};

#define CONFIG_MAX_BYTES (1u << 20)
#define BASELINE_MAX_BYTES (64u << 20)

/* Load `path`. STATUS_IO if it cannot be read, STATUS_CORRUPT (naming the file) if bad. */
enum status config_load(const char *path, struct repo_config *out);
/* Load DIR/.sesame.json if it exists; out->source stays NULL when there is none. */
enum status config_load_dir(const char *dir, struct repo_config *out);
void config_release(struct repo_config *c);

struct baseline {
    char **fingerprints; /* sorted */
    size_t n;
};

enum status baseline_load(const char *path, struct baseline *out);
bool baseline_has(const struct baseline *b, const char *fingerprint);
void baseline_release(struct baseline *b);

#endif
