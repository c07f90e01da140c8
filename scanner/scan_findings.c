/*
 * scan_findings.c - what the driver does to the built findings before reporting them:
 * their git exposure (at HEAD, on which branches, removed by which commit), commit
 * summaries withheld where the message itself leaks the credential, and the baseline
 * test. Apart from scan.c, which reads the inputs and runs the workers.
 */
#include "scan_internal.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "finding/finding.h"
#include "source/src_git.h"

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static enum exposure more_exposed(enum exposure a, enum exposure b)
{
    return a < b ? a : b;
}

/* Git exposure of each finding: at HEAD, at which branch tips, removed by which commit.
 * A location is asked about in the repository of its target (git_targets[g]). */
void scan_add_exposure(struct finding **sorted, size_t n, struct src_git **gits,
                       const unsigned *git_targets, size_t n_gits)
{
    /* Name every question first: one walk of each repository answers them all. */
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < sorted[i]->n_locations; k++)
            for (size_t g = 0; g < n_gits && sorted[i]->locations[k].blob; g++)
                if (git_targets[g] == sorted[i]->locations[k].target)
                    src_git_exposure_want(gits[g], sorted[i]->locations[k].blob,
                                          sorted[i]->locations[k].path);
    for (size_t i = 0; i < n; i++) {
        struct finding *f = sorted[i];
        enum exposure best = EXPOSURE_UNREACHABLE;
        bool any_git = false, any_file = false;

        if (n_gits == 0)
            continue; /* EXPOSURE_FILE */

        for (size_t k = 0; k < f->n_locations; k++) {
            struct location *loc = &f->locations[k];
            struct src_git_exposure ex;
            if (!loc->blob) {
                any_file = true;
                continue;
            }
            for (size_t g = 0; g < n_gits; g++) {
                if (git_targets[g] != loc->target ||
                    src_git_exposure(gits[g], loc->blob, loc->path, &ex) != STATUS_OK)
                    continue;
                any_git = true;
                best = more_exposed(best, ex.at_head ? EXPOSURE_HEAD
                                          : ex.uncommitted ? EXPOSURE_WORKTREE
                                          : ex.n_branches ? EXPOSURE_BRANCH
                                          : ex.unreachable ? EXPOSURE_UNREACHABLE
                                                           : EXPOSURE_HISTORY);
                for (size_t b = 0; b < ex.n_branches; b++) {
                    bool have = false;
                    for (size_t j = 0; j < f->n_branches; j++)
                        have |= strcmp(f->branches[j], ex.branches[b]) == 0;
                    if (!have) {
                        f->branches = xrealloc(f->branches, (f->n_branches + 1) * sizeof(char *));
                        f->branches[f->n_branches++] = xstrdup(ex.branches[b]);
                    }
                }
                if (ex.removed_in && !loc->removed_in)
                    loc->removed_in = xstrdup(ex.removed_in);
                break;
            }
        }
        if (any_file)
            best = more_exposed(best, EXPOSURE_WORKTREE);
        f->exposure = n_gits && (any_git || any_file) ? best : EXPOSURE_FILE;
        if (f->n_branches > 1)
            qsort(f->branches, f->n_branches, sizeof(char *), cmp_cstr);
    }
}

/* A commit whose message holds a credential has it in its summary too (the summary is
 * the message's first paragraph): without --show-secrets, the summary of such a commit
 * is not shown, at any location (issue 11). Message locations are the ones whose
 * "blob" is the commit itself (src_git_is_message). */
void scan_withhold_summaries(struct finding **v, size_t n)
{
    const char **leaky = NULL;
    size_t n_leaky = 0;

    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < v[i]->n_locations; k++) {
            const struct location *l = &v[i]->locations[k];
            if (l->blob && l->commit.commit && strcmp(l->blob, l->commit.commit) == 0) {
                leaky = xrealloc(leaky, (n_leaky + 1) * sizeof(*leaky));
                leaky[n_leaky++] = l->commit.commit;
            }
        }
    for (size_t i = 0; n_leaky && i < n; i++)
        for (size_t k = 0; k < v[i]->n_locations; k++) {
            struct commit_info *c = &v[i]->locations[k].commit;
            for (size_t j = 0; c->commit && c->summary && j < n_leaky; j++)
                if (strcmp(c->commit, leaky[j]) == 0) {
                    free(c->summary);
                    c->summary = NULL;
                }
        }
    free(leaky);
}

/* A finding is left out only when every place it was seen is under a target whose
 * baseline covers it — the key ID and every secret, token and SMTP password it has now
 * (a new part of a baselined credential is new). */
bool scan_baselined(const struct finding *f, struct target_cfg *tcfg, size_t n_tcfg)
{
    if (f->n_locations == 0)
        return false;
    for (size_t k = 0; k < f->n_locations; k++) {
        unsigned t = f->locations[k].target;
        if (t >= n_tcfg || !tcfg[t].have_baseline || !baseline_covers(&tcfg[t].baseline, f))
            return false;
    }
    return true;
}
