/*
 * model/provenance.h - where a value was seen: git provenance and exposure.
 *
 * Sources fill these; findings carry them; reports print them.
 */
#ifndef SESAME_MODEL_PROVENANCE_H
#define SESAME_MODEL_PROVENANCE_H

#include <stddef.h>
#include <stdint.h>

/* Git provenance of a location (issue 3). All NULL/0 for files on disk. */
struct commit_info {
    char *commit;       /* hex object id of the commit that introduced the blob here */
    char *author;       /* "Name <email>" */
    int64_t author_time; /* seconds since the epoch, UTC */
    int64_t commit_time;
    char *summary;      /* first line of the message */
};

/* One place a git blob was seen at: a path in a commit's tree (or the work tree). */
struct provenance {
    const char *path;
    const struct commit_info *commit; /* NULL for the working tree / unreachable blobs */
};

/* Where the blobs of a whole git history were seen, known only after the scan
 * (provenance is deferred: each distinct blob is scanned once, at its first path). The
 * git source fills the table for the blobs that had observations; the finding builder
 * reads it (findings_expand). Plain data, owned by whoever filled it. */
struct prov_blob {
    const char *blob_id;              /* hex object id */
    const char *display;              /* the path the blob was scanned at: its
                                       * observations' paths start with it */
    const struct provenance *places;  /* every (path, commit) it was seen at */
    size_t n_places;
};

struct prov_table {
    const struct prov_blob *blobs;    /* sorted by blob_id (strcmp), each id once */
    size_t n;
};

/* How exposed a credential is, most exposed first. */
enum exposure {
    EXPOSURE_FILE = 0,    /* found in a file on disk (no git history scanned) */
    EXPOSURE_HEAD,        /* in HEAD's tree */
    EXPOSURE_WORKTREE,    /* only uncommitted: staged in the index or in a working-tree file */
    EXPOSURE_BRANCH,      /* at the tip of a branch other than HEAD */
    EXPOSURE_HISTORY,     /* only in commits, no longer at any branch tip */
    EXPOSURE_UNREACHABLE, /* only in objects no ref reaches */
};

/* "file", "head", "worktree", "branch", "history", "unreachable". */
const char *exposure_name(enum exposure e);

#endif
