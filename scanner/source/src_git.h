/*
 * source/src_git.h - git history: every blob once, with where it was introduced. The
 * public face of the git source (scanner/source/git/, the only <git2.h> user; its files
 * are listed in source/git/internal.h).
 *
 * A whole history (the audit) is planned tree by tree: each distinct tree of every
 * commit is read once (raw, source/git/tree.h) and its blobs collected; each distinct
 * blob is then read once (in pack order, by several readers in parallel) and scanned.
 * Which commit introduced a blob at which path is worked out after the scan, and only
 * for the blobs that had findings (src_git_attribute): the (path, blob) pairs each
 * commit has that none of its parents has, diffing only the subtrees that lead to those
 * blobs. A revision range or a push (CI, hooks) is planned commit by commit with the
 * same diff over all subtrees, its provenance known before the scan. The raw objects of
 * the commits walked and of the annotated tags planned (their messages) are read after
 * the blobs. After the scan, exposure facts are computed for the blobs that had
 * findings: present at HEAD or at a branch tip, and which commit on HEAD's first-parent
 * line removed them; for messages, the branches whose history holds the commit.
 */
#ifndef SESAME_SOURCE_SRC_GIT_H
#define SESAME_SOURCE_SRC_GIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "source/chunk.h"

struct src_fs_opts;

struct src_git;
struct src_git_reader;

/* Whole histories (no range, push, staged or incremental scan): while the walk plans,
 * `threads` threads of the source read every blob, commit and tag of the packs, in
 * delta-family order, and hand it to `clean` with no path (tmpl: id, deferred). `clean`
 * scans it and says whether it gave nothing at all: no observation, no warning, not an
 * archive; such a result holds at any path, so a planned object found clean is not read
 * again (src_git_prescanned). Objects the walk never reaches are dropped; what was not
 * clean, or not reached before the walk ended, is read as usual with its path. */
struct src_git_prescan {
    unsigned threads;
    bool finish;                /* read them all before the plan returns (tests) */
    void *ctx;
    void *(*start)(void *ctx);  /* a thread's state */
    bool (*clean)(void *state, const struct blob *tmpl, const unsigned char *data, size_t len,
                  uint64_t *views); /* *views: decoded views scanned */
    void (*stop)(void *state);
};

struct src_git_opts {
    const char *rev_range;    /* "A..B": only blobs introduced by commits in the range */
    const char *since_commit; /* same as "SINCE..HEAD" */
    bool staged;              /* only the index against HEAD (pre-commit) */
    bool all_objects;         /* also unreachable commits and blobs in the object database */
    bool allow_shallow;       /* a shallow history is a note, not an incomplete scan */
    bool worktree;            /* list uncommitted working-tree files (src_git_worktree) */
    /* Hooks: only commits reachable from these tips (hex ids)... */
    const char *const *tips;
    size_t n_tips;
    /* ...and not from these, */
    const char *const *hide;
    size_t n_hide;
    /* nor from refs matching this glob: every ref in pre-receive (refs are not updated
     * yet), the remote-tracking refs in pre-push. */
    const char *hide_glob;
    /* Open with GIT_DIR, GIT_OBJECT_DIRECTORY and GIT_ALTERNATE_OBJECT_DIRECTORIES from
     * the environment, so objects in a pre-receive quarantine are visible. */
    bool from_env;
    const char *quarantine;   /* GIT_QUARANTINE_PATH (pre-receive: the pushed objects), or NULL */
    /* Paths excluded by globs (--exclude/--include, .sesame.json), or NULL. */
    const struct src_fs_opts *filter;
    /* CLOCK_MONOTONIC seconds after which planning stops (hook budgets); 0 = none. */
    double deadline;
    /* Incremental audits (store): the ref tips (hex commit ids) of the last complete
     * scan. When every one that still exists is reachable from today's refs, only the
     * commits new since are walked, each diffed against its parents (what it
     * introduced); when one is not (history rewritten, a branch deleted), the whole
     * history is planned and counts.rewritten says so. */
    const char *const *since;
    size_t n_since;
    /* Planning progress (a progress line on a terminal): commits planned of the total,
     * called by the planning thread every few commits and once at the end; or NULL. */
    void (*progress)(void *ctx, uint64_t done, uint64_t total);
    void *progress_ctx;
    const struct src_git_prescan *prescan; /* or NULL */
    bool libgit2_walk;        /* tests: libgit2's revwalk for a whole history, not
                               * full_walk (SESAME_WALK=libgit2) */
};

struct src_git_counts {
    uint64_t commits;
    uint64_t blobs;           /* distinct blobs planned */
    uint64_t submodules;      /* gitlink entries skipped */
    uint64_t errors;          /* missing or corrupt objects (warned) */
    uint64_t shallow_cut;     /* shallow boundary commits the walks stopped at (their
                               * parents are not scanned: a truncated history) */
    uint64_t messages;        /* commits and annotated tags whose raw object is scanned */
    bool timed_out;           /* the deadline stopped planning: the plan is incomplete */
    uint64_t rewritten;       /* `since` tips no longer reachable from any ref (or gone) */
    bool incremental;         /* only commits new since `since` were planned */
    uint64_t walk_reads;      /* commits read by the push walk (pushwalk.c); 0 when
                               * libgit2's revwalk walked (SESAME_TIMINGS shows it) */
    uint64_t walk_graph_reads; /* of them, found in the commit-graph file */
    uint64_t push_new;        /* commits a push adds, found as new commits on top of the
                               * refs' without a walk (pushnew.c); 0 when walked */
    uint64_t tips_from_graph; /* refs a push hides whose commit the commit-graph file
                               * lists (no pack entry read to tell their type) */
    uint64_t walk_digest;     /* a hash of the walked commits' ids in walk order (tests:
                               * SESAME_TIMINGS shows it) */
};

/* Start and stop libgit2 for the process (main.c; once: libgit2 itself is loaded and
 * initialised on first use, see src_git_prefetch and source/git/lazy.h). When it cannot
 * be loaded, src_git_open and src_git_hooks_dir fail (STATUS_IO, naming it),
 * src_git_is_repo takes a likely repository for one (so that opening it fails, saying
 * why), and src_git_is_bare and src_git_discover answer no, with a warning (once).
 * sesame only reads objects: it runs no hooks, filters or config commands, so
 * repositories owned by another user are opened, and objects are not re-hashed on read
 * (like git cat-file). */
void src_git_init(void);
void src_git_shutdown(void);
/* Load and initialise libgit2 now, on another thread (otherwise the first function
 * below that needs it does): for a command that will open a repository, so that this
 * overlaps its other start-up work. */
void src_git_prefetch(void);
/* For a process that will never verify, use a PostgreSQL store or let anything reach a
 * remote (the pre-receive hook): libgit2 is loaded without libssh2, OpenSSL and Kerberos
 * (source/git/lazy.h, lg_without_network). Before src_git_prefetch or any function below. */
void src_git_without_network(void);
/* libgit2 is loaded, and without those (SESAME_TIMINGS, tests). */
bool src_git_without_network_used(void);

/* True if `path` itself is a git repository: a work tree root, a .git directory or a
 * bare repository (no search upwards). */
bool src_git_is_repo(const char *path);
/* A bare repository (no work tree) at exactly `path`. */
bool src_git_is_bare(const char *path);
/* The repository `path` is in (itself, or a directory above it, as git finds it): its
 * work tree's top directory (the git directory for a bare one), without a trailing '/',
 * in new storage; NULL when `path` is in no repository. */
char *src_git_discover(const char *path);

/* Open and plan. Errors name the repository. */
enum status src_git_open(struct src_git **out, const char *path, const struct src_git_opts *o);
void src_git_free(struct src_git *g);

const struct src_git_counts *src_git_counts(const struct src_git *g);
size_t src_git_blob_count(const struct src_git *g); /* blobs and messages: items to read */
/* Working-tree files that differ from the index/HEAD, untracked or ignored: paths to
 * open (absolute or relative to the cwd). Valid until src_git_free. */
const char *const *src_git_worktree(const struct src_git *g, size_t *n);

/* Was item i (a blob or a message) read clean while the walk ran (src_git_prescan)? Then it
 * needs no reading: *bytes is its size, *views the decoded views its scan counted. */
bool src_git_prescanned(const struct src_git *g, size_t i, uint64_t *bytes, uint64_t *views);

/* Items src_git_read reads: the planned blobs, then (whole histories, ranges, pushes)
 * the raw objects of the commits and annotated tags planned, which hold their messages:
 * true for those. A message's location is "(commit <id>)" with that commit's
 * provenance, or "(tag <name>)"; lines count in the raw object (`git cat-file -p`). */
bool src_git_is_message(const struct src_git *g, size_t i);

/* The object id (hex) of item i: a blob, or a commit or tag whose message it is. */
const char *src_git_item_id(const struct src_git *g, size_t i);

/* The refs a whole-history or incremental plan started from: names ("refs/heads/main",
 * "HEAD", "refs/stash@{0}") and the commit ids they peeled to, borrowed from g. */
size_t src_git_ref_tips(const struct src_git *g, const char *const **names,
                        const char *const **ids);

/* One reader per thread (its own repository handle). */
enum status src_git_reader_new(struct src_git_reader **out, struct src_git *g);
void src_git_reader_free(struct src_git_reader *r);

/* Read blob `i` (in the planned order) and feed it to fn in chunks, with its
 * provenance. *bytes receives its size. STATUS_CORRUPT/STATUS_IO (message names the
 * blob and a path) when it cannot be read: a warning for the caller. */
enum status src_git_read(struct src_git_reader *r, size_t i, unsigned char **buf, blob_fn *fn,
                         void *payload, uint64_t *bytes);

/* Called with a whole in-memory blob (and `tmpl` carrying its path, id and provenance)
 * instead of chunking it: the caller decides, e.g. to open an archive. */
typedef enum status whole_blob_fn(const struct blob *tmpl, const unsigned char *data, size_t len,
                                  void *payload);

/* src_git_read, with `whole` deciding what to do with blobs held in memory. */
enum status src_git_read_whole(struct src_git_reader *r, size_t i, unsigned char **buf,
                               blob_fn *fn, whole_blob_fn *whole, void *payload,
                               uint64_t *bytes);

/* Full-history scans defer provenance (src_git_deferred): blobs are scanned with their
 * first path and marked `deferred` (struct blob). After the scan, src_git_attribute
 * works out where the given blobs (those with observations: hex ids, any order) were
 * introduced, and returns it as data: for each of them that the plan knows, its display
 * path and every (path, commit) it was introduced at (model/provenance.h). The table
 * belongs to g (valid until src_git_free); findings_expand() consumes it. Once per
 * repository: a second call returns the same table. */
bool src_git_deferred(const struct src_git *g);
struct prov_table;
const struct prov_table *src_git_attribute(struct src_git *g, const char *const *blob_hex,
                                           size_t n);

/* Exposure of one blob seen at `path`: present in HEAD's tree (at any path), the branch
 * tips whose tree contains it (names, sorted; borrowed), the commit on HEAD's
 * first-parent line that removed it from `path` (hex id, or NULL), whether only
 * unreachable objects hold it, and whether it is staged (in the index, --staged or the
 * uncommitted changes of a whole scan). Not thread-safe: call after the scan. */
struct src_git_exposure {
    bool at_head;
    const char *const *branches;
    size_t n_branches;
    const char *removed_in;
    bool unreachable;         /* no ref reaches it, nor the index (only with all_objects) */
    bool uncommitted;         /* the index has it (staged): not in history yet */
};
enum status src_git_exposure(struct src_git *g, const char *blob_hex, const char *path,
                             struct src_git_exposure *out);
/* Name a (blob, path) exposure will be asked about, before the first src_git_exposure:
 * all are then answered by one walk (asking about others later is slower, not wrong). */
void src_git_exposure_want(struct src_git *g, const char *blob_hex, const char *path);

/* The hooks directory of the repository at `path` (core.hooksPath if set, made absolute,
 * else GIT_DIR/hooks). *out is a new string. */
enum status src_git_hooks_dir(const char *path, char **out);

#endif
