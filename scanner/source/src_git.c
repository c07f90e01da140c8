/*
 * source/src_git.c - git history via libgit2 (the only <git2.h> user besides main.c's
 * init/shutdown).
 *
 * What it does: plan (walk commits; for a whole history visit each distinct tree once and
 * keep the tree graph, for a range find the (path, blob) pairs each commit introduced;
 * dedupe blobs; the commits and annotated tags whose raw objects, messages included, are
 * scanned too), read blobs in pack order, then those objects, attribute the blobs with
 * findings to the commits that introduced them (whole histories), and answer exposure
 * questions.
 * What it does not: match anything, or decide what to do with archives.
 * The tricky point: "introduced" for a merge means different from *every* parent, so
 * that scanning main..feature does not report what a merge from main brought in.
 * Trees are parsed from their raw bytes (gittree.c): libgit2's git_tree objects cost
 * more than the reading itself on a history's worth of trees. Packed blobs, and the trees
 * of the single-threaded walks, are read by gitpack.c (faster than libgit2 at rebuilding
 * deltas); libgit2 reads everything else and whatever gitpack refuses.
 */
#include "source/src_git.h"

#include <dirent.h>
#include <pthread.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>
#include <zlib.h>

#include "base/limits.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "model/provenance.h"
#include "source/gitpack.h"
#include "source/gittree.h"
#include "source/src_fs.h"

extern char **environ;

/* ---- small maps ----------------------------------------------------------------- */

struct oidmap {
    git_oid *keys;
    size_t *vals;
    size_t size, used; /* size is a power of two; a zero key marks an empty slot */
};

/* Inline: these run for every tree entry of a history (libgit2's are calls). */
static inline bool oid_is_zero(const git_oid *o)
{
    uint64_t a, b;
    uint32_t c;
    memcpy(&a, o->id, 8);
    memcpy(&b, o->id + 8, 8);
    memcpy(&c, o->id + 16, 4);
    return (a | b | c) == 0;
}

static inline bool oid_eq(const git_oid *x, const git_oid *y)
{
    return memcmp(x->id, y->id, GIT_OID_RAWSZ) == 0;
}

static size_t oid_hash(const git_oid *o)
{
    size_t h;
    memcpy(&h, o->id, sizeof(h));
    return h;
}

static void oidmap_grow(struct oidmap *m);

static size_t *oidmap_slot(struct oidmap *m, const git_oid *k, bool create, bool *created)
{
    size_t i;

    if (created)
        *created = false;
    if (create && (m->used + 1) * 2 > m->size)
        oidmap_grow(m);
    if (m->size == 0)
        return NULL;
    for (i = oid_hash(k) & (m->size - 1);; i = (i + 1) & (m->size - 1)) {
        if (oid_is_zero(&m->keys[i])) {
            if (!create)
                return NULL;
            git_oid_cpy(&m->keys[i], k);
            m->used++;
            if (created)
                *created = true;
            return &m->vals[i];
        }
        if (oid_eq(&m->keys[i], k))
            return &m->vals[i];
    }
}

static void oidmap_grow(struct oidmap *m)
{
    struct oidmap n = { 0 };

    n.size = m->size ? m->size * 2 : 1024;
    n.keys = xcalloc(n.size, sizeof(*n.keys));
    n.vals = xcalloc(n.size, sizeof(*n.vals));
    for (size_t i = 0; i < m->size; i++) {
        if (!oid_is_zero(&m->keys[i])) {
            size_t *v = oidmap_slot(&n, &m->keys[i], true, NULL);
            *v = m->vals[i];
        }
    }
    free(m->keys);
    free(m->vals);
    *m = n;
}

static void oidmap_release(struct oidmap *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof(*m));
}

struct strmap {
    char **keys;
    size_t *vals;
    size_t size, used;
};

static uint64_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static void strmap_grow(struct strmap *m);

static size_t *strmap_slot(struct strmap *m, const char *k, bool create, const char **stored)
{
    size_t i;

    if (create && (m->used + 1) * 2 > m->size)
        strmap_grow(m);
    if (m->size == 0)
        return NULL;
    for (i = (size_t)str_hash(k) & (m->size - 1);; i = (i + 1) & (m->size - 1)) {
        if (!m->keys[i]) {
            if (!create)
                return NULL;
            m->keys[i] = xstrdup(k);
            m->used++;
            m->vals[i] = SIZE_MAX;
            if (stored)
                *stored = m->keys[i];
            return &m->vals[i];
        }
        if (strcmp(m->keys[i], k) == 0) {
            if (stored)
                *stored = m->keys[i];
            return &m->vals[i];
        }
    }
}

static void strmap_grow(struct strmap *m)
{
    struct strmap n = { 0 };

    n.size = m->size ? m->size * 2 : 1024;
    n.keys = xcalloc(n.size, sizeof(*n.keys));
    n.vals = xcalloc(n.size, sizeof(*n.vals));
    for (size_t i = 0; i < m->size; i++) {
        if (m->keys[i]) {
            size_t j = (size_t)str_hash(m->keys[i]) & (n.size - 1);
            while (n.keys[j])
                j = (j + 1) & (n.size - 1);
            n.keys[j] = m->keys[i];
            n.vals[j] = m->vals[i];
            n.used++;
        }
    }
    free(m->keys);
    free(m->vals);
    *m = n;
}

static void strmap_release(struct strmap *m)
{
    for (size_t i = 0; i < m->size; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof(*m));
}

/* ---- the plan ------------------------------------------------------------------- */

struct oidvec {
    git_oid *v;
    size_t n, cap;
};

static void oidvec_push(struct oidvec *v, const git_oid *id)
{
    XGROW(v->v, v->cap, v->n + 1);
    git_oid_cpy(&v->v[v->n++], id);
}

struct prov_entry {
    const char *path;    /* interned */
    size_t commit;       /* index into commits, or one of the PROV_ values below */
};

/* Where a blob seen outside any commit was seen: no ref reaches it (--all-objects), a ref
 * names it or a tree holding it (a tag on a blob, a pushed tree), or the index has it
 * (staged, not committed). Exposure tells them apart (issue 11). */
#define PROV_UNREACHABLE SIZE_MAX
#define PROV_REF (SIZE_MAX - 1)
#define PROV_STAGED (SIZE_MAX - 2)
#define PROV_IS_COMMIT(c) ((c) < PROV_STAGED)

struct gblob {
    git_oid oid;
    char hex[GIT_OID_HEXSZ + 1];
    uint64_t order;      /* pack number << 40 | delta-family position; unpacked last */
    uint64_t off;        /* offset in g->packs[pack] */
    uint32_t pack;       /* NO_PACK: read through libgit2 */
    uint32_t seq;        /* creation number (stable across order_blobs) */
    const char *display; /* interned: the first path it was seen at */
    size_t *prov;        /* indices into g->prov */
    size_t n_prov, cap_prov;
};

#define NO_PACK UINT32_MAX

/* A commit or an annotated tag whose raw object (headers, signature, message) is
 * scanned: messages carry user text as blobs do (issue 11). */
enum gmsg_kind { MSG_COMMIT, MSG_TAG };

struct gmsg {
    git_oid oid;
    char hex[GIT_OID_HEXSZ + 1];
    enum gmsg_kind kind;
    bool unreachable;    /* no ref reaches it (--all-objects) */
    const char *display; /* interned: "(commit <id>)", "(tag <name>)" */
    uint64_t off;        /* offset in g->packs[pack] */
    uint32_t pack;       /* NO_PACK: read through libgit2 */
};

struct branch_set {
    char *name;
    struct oidmap blobs;
};

struct tnode {
    uint32_t first, count; /* its edges in tgraph.edges */
};

struct tgraph {
    struct oidmap index;   /* tree id -> tree number */
    struct tnode *nodes;
    size_t n_nodes, cap_nodes;
    uint32_t *edges;       /* child tree number << 1 | 1, or blob seq << 1 */
    size_t n_edges, cap_edges;
    unsigned char *hot;    /* by tree number: leads to a target blob */
    unsigned char *target; /* by blob seq: a blob with findings */
};

struct rnode;
static void rnode_free(struct rnode *n);

struct src_git {
    char *path;          /* as given */
    char *gitdir;        /* the repository's .git (or bare) directory */
    char *workdir;       /* NULL when bare */
    git_repository *repo;
    git_odb *odb;        /* repo's object database */
    struct src_git_opts opts;
    /* Full-history scans defer provenance: blobs are found by visiting each distinct
     * tree once (pass 1), and which commits introduced them at which paths is worked
     * out after the scan for the blobs with findings (src_git_attribute). */
    bool deferred, attributed;
    struct tgraph tg;
    struct oidvec walked;      /* the commits pass 1 visited, in walk order... */
    struct oidvec walked_roots; /* ...and their root trees */
    struct provenance *prov_out; /* src_git_provenance's answer */
    struct src_git_counts counts;
    struct commit_info **commits;
    size_t n_commits, cap_commits;
    struct oidmap commit_index;
    struct oidmap unreachable_commits; /* --all-objects: commits no ref reaches */
    struct oidmap bad_loose;   /* objects libgit2 must not read: loose ones whose zlib stream
                                * is broken, packed ones whose delta chain never ends */
    bool *commit_unreachable;          /* by commit index */
    struct strmap paths; /* interned paths (vals unused) */
    struct prov_entry *prov;
    size_t n_prov, cap_prov;
    struct gblob *blobs;
    size_t n_blobs, cap_blobs;
    struct gitpack **packs;    /* this repository's packs, read by gitpack.c */
    size_t n_packs;
    struct gitpack_reader *tree_reader; /* pass 1 and exposure (one thread) */
    size_t tree_pack;          /* the pack that held the last tree read */
    struct oidmap blob_index;
    struct gmsg *msgs;         /* read after the blobs: item n_blobs + k is msgs[k] */
    size_t n_msgs, cap_msgs;
    struct oidmap msg_index;
    char **worktree;
    size_t n_worktree, cap_worktree;
    /* exposure, computed lazily */
    bool exposure_ready;
    struct oidmap head_blobs;
    struct branch_set *branches;
    size_t n_branches;
    git_oid *chain;      /* HEAD's first-parent line, oldest first */
    size_t n_chain;
    struct oidmap exp_blobs;     /* blobs exposure is asked about */
    struct oidmap exp_msgs;      /* commit messages exposure is asked about -> tip bits */
    uint64_t *msg_bits;          /* by exp_msgs value: words_per_msg words of tip bits */
    size_t words_per_msg;        /* bit 0: HEAD, bit 1 + b: g->branches[b] */
    struct rnode *rroot;         /* the paths it is asked about, as a tree */
    char **branch_scratch;
};

struct src_git_reader {
    struct src_git *g;
    git_repository *repo;
    git_odb *odb;
    struct gitpack_reader *pack; /* for g->packs, made on first use */
    struct provenance *prov;
    size_t cap_prov;
};

static const char *git_message(void)
{
    const git_error *e = git_error_last();
    return e && e->message ? e->message : "unknown libgit2 error";
}

void src_git_init(void)
{
    git_libgit2_init();
    /* A repository owned by another user (CI checkouts, audits) is safe to open: nothing
     * of it is run. */
    (void)git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
    /* Like `git cat-file`, do not re-hash every object read: the SHA-1 check was 43% of
     * the time spent reading history (benches/RESULTS.md). Corruption still fails zlib. */
    (void)git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
}

void src_git_shutdown(void)
{
    git_libgit2_shutdown();
}

bool src_git_is_repo(const char *path)
{
    git_repository *repo = NULL;
    int rc = git_repository_open_ext(&repo, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);

    git_repository_free(repo);
    return rc == 0;
}

const struct src_git_counts *src_git_counts(const struct src_git *g)
{
    return &g->counts;
}

bool src_git_deferred(const struct src_git *g)
{
    return g->deferred;
}

size_t src_git_blob_count(const struct src_git *g)
{
    return g->n_blobs + g->n_msgs;
}

bool src_git_is_message(const struct src_git *g, size_t i)
{
    return i >= g->n_blobs;
}

const char *const *src_git_worktree(const struct src_git *g, size_t *n)
{
    *n = g->n_worktree;
    return (const char *const *)g->worktree;
}

static const char *intern_path(struct src_git *g, const char *p)
{
    const char *stored = NULL;
    (void)strmap_slot(&g->paths, p, true, &stored);
    return stored;
}

/* A commit's provenance record, made from the commit object (by any thread). */
static struct commit_info *commit_info_of(const git_commit *c)
{
    struct commit_info *ci = xcalloc(1, sizeof(*ci));
    const git_signature *a = git_commit_author(c), *cm = git_commit_committer(c);
    const char *summary = git_commit_summary((git_commit *)c);
    char hex[GIT_OID_HEXSZ + 1];

    git_oid_tostr(hex, sizeof(hex), git_commit_id(c));
    ci->commit = xstrdup(hex);
    if (a)
        ci->author = xasprintf("%s <%s>", a->name ? a->name : "", a->email ? a->email : "");
    ci->author_time = a ? (int64_t)a->when.time : 0;
    ci->commit_time = cm ? (int64_t)cm->when.time : ci->author_time;
    ci->summary = summary ? xstrndup(summary, strlen(summary) > 200 ? 200 : strlen(summary))
                          : NULL;
    return ci;
}

static void commit_info_free(struct commit_info *ci)
{
    if (!ci)
        return;
    free(ci->commit);
    free(ci->author);
    free(ci->summary);
    free(ci);
}

/* Register commit `id`; takes ownership of *ci (set to NULL). Returns its index. */
static size_t add_commit(struct src_git *g, const git_oid *id, struct commit_info **ci)
{
    bool created;
    size_t *slot = oidmap_slot(&g->commit_index, id, true, &created);

    if (!created) {
        commit_info_free(*ci);
        *ci = NULL;
        return *slot;
    }
    {
        size_t cap = g->cap_commits;
        XGROW(g->commits, g->cap_commits, g->n_commits + 1);
        if (cap != g->cap_commits)
            g->commit_unreachable = xrealloc(g->commit_unreachable,
                                             g->cap_commits * sizeof(*g->commit_unreachable));
    }
    g->commits[g->n_commits] = *ci;
    *ci = NULL;
    g->commit_unreachable[g->n_commits] = oidmap_slot(&g->unreachable_commits, id, false,
                                                      NULL) != NULL;
    *slot = g->n_commits;
    return g->n_commits++;
}

/* The blob's index, created (first seen at `path`) if new. */
static size_t blob_seen(struct src_git *g, const git_oid *oid, const char *path)
{
    bool created;
    size_t *slot = oidmap_slot(&g->blob_index, oid, true, &created);

    if (created) {
        struct gblob *b;
        XGROW(g->blobs, g->cap_blobs, g->n_blobs + 1);
        b = &g->blobs[g->n_blobs];
        memset(b, 0, sizeof(*b));
        git_oid_cpy(&b->oid, oid);
        git_oid_tostr(b->hex, sizeof(b->hex), oid);
        b->order = UINT64_MAX;
        b->pack = NO_PACK;
        b->seq = (uint32_t)g->n_blobs;
        b->display = intern_path(g, path);
        *slot = g->n_blobs++;
    }
    return *slot;
}

static void add_blob(struct src_git *g, const git_oid *oid, const char *path, size_t commit)
{
    size_t at = blob_seen(g, oid, path);
    struct gblob *b = &g->blobs[at];

    for (size_t i = 0; i < b->n_prov; i++) {
        const struct prov_entry *p = &g->prov[b->prov[i]];
        if (p->commit == commit && strcmp(p->path, path) == 0)
            return;
    }
    XGROW(g->prov, g->cap_prov, g->n_prov + 1);
    g->prov[g->n_prov].path = intern_path(g, path);
    g->prov[g->n_prov].commit = commit;
    XGROW(b->prov, b->cap_prov, b->n_prov + 1);
    b->prov[b->n_prov++] = g->n_prov++;
}

/* Plan the raw object of commit or annotated tag `id` (`name`: the tag's name) for
 * scanning, once. A commit no ref reaches (--all-objects) is marked so; a tag that is
 * only found in the object database as well. */
static void add_message(struct src_git *g, const git_oid *id, enum gmsg_kind kind,
                        const char *name, bool unreachable)
{
    bool created;
    size_t *slot = oidmap_slot(&g->msg_index, id, true, &created);
    struct gmsg *m;
    char *display;

    if (!created) {
        if (!unreachable)
            g->msgs[*slot].unreachable = false;
        return;
    }
    XGROW(g->msgs, g->cap_msgs, g->n_msgs + 1);
    m = &g->msgs[g->n_msgs];
    memset(m, 0, sizeof(*m));
    git_oid_cpy(&m->oid, id);
    git_oid_tostr(m->hex, sizeof(m->hex), id);
    m->kind = kind;
    m->unreachable = unreachable;
    m->pack = NO_PACK;
    display = kind == MSG_COMMIT ? xasprintf("(commit %s)", m->hex)
                                 : xasprintf("(tag %.*s)", LIMIT_GIT_TAG_NAME_BYTES,
                                             name && *name ? name : m->hex);
    m->display = intern_path(g, display);
    free(display);
    *slot = g->n_msgs++;
    g->counts.messages++;
}

/* (path, blob) pairs a tree has that another does not. */
struct pair {
    char *path;
    git_oid oid;
};

struct pairs {
    struct pair *v;
    size_t n, cap;
};

static void pairs_release(struct pairs *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->v[i].path);
    free(p->v);
    memset(p, 0, sizeof(*p));
}

/* libgit2 1.5 can spin forever inflating a truncated loose object (libgit2 #7342, fixed
 * upstream after 1.5). So, once at open, every loose object's zlib stream is inflated
 * here, bounded, and the broken ones are remembered and never handed to libgit2. */
static bool loose_stream_ok(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    unsigned char in[16384], out[65536];
    z_stream z;
    int zr = Z_OK;
    bool ok = false;

    if (fd < 0)
        return true; /* vanished or unreadable: libgit2 reports that without hanging */
    memset(&z, 0, sizeof(z));
    if (inflateInit(&z) != Z_OK) {
        close(fd);
        return true;
    }
    for (;;) {
        ssize_t n = read(fd, in, sizeof(in));
        if (n <= 0)
            break;
        z.next_in = in;
        z.avail_in = (uInt)n;
        do {
            z.next_out = out;
            z.avail_out = sizeof(out);
            zr = inflate(&z, Z_NO_FLUSH);
        } while (zr == Z_OK && z.avail_in > 0);
        if (zr != Z_OK)
            break;
    }
    ok = zr == Z_STREAM_END;
    inflateEnd(&z);
    close(fd);
    return ok;
}

static void check_loose_objects(struct src_git *g)
{
    const char *common = git_repository_commondir(g->repo);
    char *objects = xasprintf("%sobjects", common ? common : g->gitdir);

    for (int i = 0; i < 256; i++) {
        char *dir = xasprintf("%s/%02x", objects, i);
        DIR *d = opendir(dir);
        struct dirent *de;
        while (d && (de = readdir(d))) {
            char hex[GIT_OID_HEXSZ + 1];
            git_oid id;
            char *path;
            if (strlen(de->d_name) != GIT_OID_HEXSZ - 2)
                continue;
            snprintf(hex, 3, "%02x", i);
            memcpy(hex + 2, de->d_name, GIT_OID_HEXSZ - 2); /* length checked above */
            hex[GIT_OID_HEXSZ] = '\0';
            if (git_oid_fromstr(&id, hex) != 0)
                continue;
            path = xasprintf("%s/%s", dir, de->d_name);
            if (!loose_stream_ok(path)) {
                log_warn("'%s': object %s is corrupt (truncated or bad zlib data), skipped",
                         g->path, hex);
                g->counts.errors++;
                (void)oidmap_slot(&g->bad_loose, &id, true, NULL);
            }
            free(path);
        }
        if (d)
            closedir(d);
        free(dir);
    }
    free(objects);
}

/* What is read never depends on replace refs or grafts. libgit2 1.5 reads neither
 * refs/replace/ nor info/grafts (its commit parser has "TODO: commit grafts"), and the
 * `git` children run with GIT_NO_REPLACE_OBJECTS (read_streamed). libgit2 1.7 and later
 * apply info/grafts to commit parents, which would hide the history a graft cuts off
 * from the walk: with such a libgit2, a grafts file is a warning, counted. */
static void check_grafts(struct src_git *g)
{
    const char *common = git_repository_commondir(g->repo);
    char *path = xasprintf("%sinfo/grafts", common ? common : g->gitdir);
    int major = 0, minor = 0, rev = 0;

    (void)git_libgit2_version(&major, &minor, &rev);
    if ((major > 1 || (major == 1 && minor >= 7)) && access(path, F_OK) == 0) {
        log_warn("'%s': '%s': this libgit2 (%d.%d) applies grafts to commit parents, so "
                 "history a graft cuts off may not be scanned", g->path, path, major, minor);
        g->counts.errors++;
    }
    free(path);
}

static bool bad_object(const struct src_git *g, const git_oid *id)
{
    return g->bad_loose.used && oidmap_slot((struct oidmap *)&g->bad_loose, id, false, NULL);
}

/* ---- trees, read raw ----------------------------------------------------------------- */

/* A tree object's raw bytes, or NULL (missing, corrupt, not a tree: the caller warns). */
static git_odb_object *read_tree(const struct src_git *g, git_odb *odb, const git_oid *id)
{
    git_odb_object *o = NULL;

    if (bad_object(g, id) || git_odb_read(&o, odb, id) != 0)
        return NULL;
    if (git_odb_object_type(o) != GIT_OBJECT_TREE) {
        git_odb_object_free(o);
        git_error_set_str(GIT_ERROR_INVALID, "not a tree");
        return NULL;
    }
    return o;
}

/* A tree's bytes from the packs through g->tree_reader (valid until its next read), else
 * from libgit2. For the single-threaded walks: pass 1 and exposure. */
struct rawtree {
    git_odb_object *o;
    const unsigned char *data;
    size_t len;
};

/* What a gitpack reader keeps of the objects it rebuilt (gitpack.h). Small on purpose:
 * blobs are read in delta-family order and trees mostly in the order they were packed,
 * so few bases are needed again, and on the generated histories of benches/ 2-8 MiB
 * were faster than 16-64 MiB (fresh memory costs page faults; benches/RESULTS.md). */
#define GIT_PACK_BLOB_CACHE (8u * 1024 * 1024)
#define GIT_PACK_TREE_CACHE (4u * 1024 * 1024)

/* Trees larger than this are left to libgit2 (a tree of 1M entries is ~40 MB). */
#define GIT_PACK_TREE_BYTES (256u * 1024 * 1024)

static bool tree_get(struct src_git *g, const git_oid *id, struct rawtree *t)
{
    memset(t, 0, sizeof(*t));
    if (bad_object(g, id))
        return false;
    for (size_t k = 0; k < g->n_packs; k++) {
        size_t i = (g->tree_pack + k) % g->n_packs; /* the pack that held the last one first */
        uint64_t off;
        enum gitpack_type type;

        if (!gitpack_find(g->packs[i], id->id, &off))
            continue;
        if (!g->tree_reader)
            g->tree_reader = gitpack_reader_new(GIT_PACK_TREE_CACHE);
        if (gitpack_read(g->tree_reader, g->packs[i], off, GIT_PACK_TREE_BYTES, &type, &t->data,
                         &t->len) == STATUS_OK &&
            type == GP_TREE) {
            g->tree_pack = i;
            return true;
        }
        break;
    }
    t->o = read_tree(g, g->odb, id);
    if (!t->o)
        return false;
    t->data = git_odb_object_data(t->o);
    t->len = git_odb_object_size(t->o);
    return true;
}

static void tree_put(struct rawtree *t)
{
    git_odb_object_free(t->o);
    t->o = NULL;
}

/* A copy of a tree's bytes, for walks that read other trees while they hold it. */
static unsigned char *tree_copy(struct src_git *g, const git_oid *id, size_t *len)
{
    struct rawtree t;
    unsigned char *copy;

    if (!tree_get(g, id, &t))
        return NULL;
    copy = xmalloc(t.len ? t.len : 1);
    memcpy(copy, t.data, t.len);
    *len = t.len;
    tree_put(&t);
    return copy;
}

/* A path built up while descending trees. */
struct pathbuf {
    char *s;
    size_t len, cap;
};

/* Append "/name" (or "name" at the top); returns the length to restore with pb_cut. */
static size_t pb_push(struct pathbuf *pb, const char *name, size_t n)
{
    size_t at = pb->len;
    XGROW(pb->s, pb->cap, pb->len + n + 2);
    if (pb->len)
        pb->s[pb->len++] = '/';
    memcpy(pb->s + pb->len, name, n);
    pb->len += n;
    pb->s[pb->len] = '\0';
    return at;
}

static void pb_cut(struct pathbuf *pb, size_t at)
{
    pb->len = at;
    if (pb->s)
        pb->s[at] = '\0';
}

static const char *pb_str(const struct pathbuf *pb)
{
    return pb->s ? pb->s : "";
}

/* ---- the tree graph of a full-history scan ------------------------------------------ */

/* Pass 1 of a full-history scan visits each distinct tree once and keeps only its edges
 * (children as numbers), not names. After the scan, the trees that lead to a blob with
 * findings are marked hot, and only hot subtrees are diffed to find which commit
 * introduced those blobs at which path (src_git_attribute). */
static void graph_release(struct tgraph *tg)
{
    oidmap_release(&tg->index);
    free(tg->nodes);
    free(tg->edges);
    free(tg->hot);
    free(tg->target);
    memset(tg, 0, sizeof(*tg));
}

static uint32_t tree_node(struct src_git *g, const git_oid *id, bool *created)
{
    struct tgraph *tg = &g->tg;
    size_t *slot = oidmap_slot(&tg->index, id, true, created);

    if (*created) {
        XGROW(tg->nodes, tg->cap_nodes, tg->n_nodes + 1);
        tg->nodes[tg->n_nodes].first = 0;
        tg->nodes[tg->n_nodes].count = 0;
        *slot = tg->n_nodes++;
    }
    return (uint32_t)*slot;
}

static bool filtering(const struct src_git *g)
{
    return g->opts.filter && (g->opts.filter->n_excludes || g->opts.filter->n_includes);
}

/* Is the file or directory at `path` excluded by --exclude/--include? */
static bool excluded(const struct src_git *g, const char *path, bool is_dir)
{
    return filtering(g) && src_fs_excluded(g->opts.filter, path, is_dir);
}

/* The graph's key for a tree: its id, mixed with its path when path filters apply (the
 * same tree may be filtered differently at two paths, so it is visited at each). */
static void tree_key(const struct src_git *g, const git_oid *id, const char *path, git_oid *key)
{
    *key = *id;
    if (filtering(g)) {
        uint64_t h = str_hash(path);
        for (int i = 0; i < 8; i++)
            key->id[i] ^= (unsigned char)(h >> (8 * i));
    }
}

static bool tree_hot(const struct src_git *g, const git_oid *id, const char *path)
{
    git_oid key;
    size_t *slot;

    tree_key(g, id, path, &key);
    slot = oidmap_slot((struct oidmap *)&g->tg.index, &key, false, NULL);
    return slot && g->tg.hot && g->tg.hot[*slot];
}

static bool blob_target(const struct src_git *g, const git_oid *id)
{
    size_t *slot = oidmap_slot((struct oidmap *)&g->blob_index, id, false, NULL);
    return slot && g->tg.target && g->tg.target[g->blobs[*slot].seq];
}

static void edge_push(struct tgraph *tg, uint32_t e)
{
    XGROW(tg->edges, tg->cap_edges, tg->n_edges + 1);
    tg->edges[tg->n_edges++] = e;
}

struct titem {
    git_oid id;
    uint32_t node;
    uint32_t depth;
    char *path;
};

/* Visit the trees under `root` not visited yet; `commit_hex` names it in warnings. */
static void graph_visit(struct src_git *g, const git_oid *root, const char *commit_hex)
{
    struct tgraph *tg = &g->tg;
    struct titem *stack = NULL;
    size_t n = 0, cap = 0;
    struct pathbuf pb = { 0 };
    bool created;
    git_oid key;
    uint32_t node;

    tree_key(g, root, "", &key);
    node = tree_node(g, &key, &created);
    if (!created)
        return;
    XGROW(stack, cap, 1);
    stack[n].id = *root;
    stack[n].node = node;
    stack[n].depth = 0;
    stack[n++].path = xstrdup("");
    while (n) {
        struct titem it = stack[--n];
        struct rawtree o;
        char hex[GIT_OID_HEXSZ + 1];
        struct gt_iter gi;
        struct gt_entry e;
        size_t first = tg->n_edges;

        if (!tree_get(g, &it.id, &o)) {
            git_oid_tostr(hex, sizeof(hex), &it.id);
            log_warn("commit %.12s: cannot read tree %s ('%s'): %s", commit_hex, hex,
                     *it.path ? it.path : "/", git_message());
            g->counts.errors++;
            free(it.path);
            continue;
        }
        pb_cut(&pb, 0);
        pb_push(&pb, it.path, strlen(it.path));
        gt_init(&gi, o.data, o.len);
        while (gt_next(&gi, &e)) {
            size_t at = pb_push(&pb, e.name, e.name_len);
            git_oid cid;
            memcpy(cid.id, e.oid, GIT_OID_RAWSZ);
            if (e.kind == GT_TREE && !excluded(g, pb_str(&pb), true)) {
                uint32_t c;
                tree_key(g, &cid, pb_str(&pb), &key);
                c = tree_node(g, &key, &created);
                edge_push(tg, c << 1 | 1u);
                if (created && it.depth >= 512) {
                    log_warn("commit %.12s: tree '%s' nests deeper than 512 levels, not "
                             "followed", commit_hex, pb_str(&pb));
                    g->counts.errors++;
                } else if (created) {
                    XGROW(stack, cap, n + 1);
                    stack[n].id = cid;
                    stack[n].node = c;
                    stack[n].depth = it.depth + 1;
                    stack[n++].path = xstrdup(pb_str(&pb));
                }
            } else if (e.kind == GT_BLOB && !excluded(g, pb_str(&pb), false)) {
                size_t bi = blob_seen(g, &cid, pb_str(&pb));
                edge_push(tg, g->blobs[bi].seq << 1);
            } else if (e.kind == GT_GITLINK) {
                g->counts.submodules++;
            }
            pb_cut(&pb, at);
        }
        if (gi.bad) {
            git_oid_tostr(hex, sizeof(hex), &it.id);
            log_warn("commit %.12s: tree %s ('%s') is malformed, the rest of it skipped",
                     commit_hex, hex, *it.path ? it.path : "/");
            g->counts.errors++;
        }
        tg->nodes[it.node].first = (uint32_t)first;
        tg->nodes[it.node].count = (uint32_t)(tg->n_edges - first);
        tree_put(&o);
        free(it.path);
    }
    free(stack);
    free(pb.s);
}

/* Mark target blobs and every tree that leads to one (a walk up reversed edges). */
static void graph_mark(struct src_git *g, const char *const *blob_hex, size_t n_hex)
{
    struct tgraph *tg = &g->tg;
    size_t nn = tg->n_nodes + g->n_blobs;
    uint32_t *start = xcalloc(nn + 1, sizeof(*start));
    uint32_t *parents = xcalloc(tg->n_edges + 1, sizeof(*parents));
    uint32_t *queue = xcalloc(nn + 1, sizeof(*queue));
    size_t qh = 0, qt = 0;

    tg->target = xcalloc(g->n_blobs + 1, 1);
    tg->hot = xcalloc(tg->n_nodes + 1, 1);
    /* parents of node x (trees 0..n_nodes-1, blob seq s as n_nodes + s) */
    for (size_t t = 0; t < tg->n_nodes; t++)
        for (uint32_t k = 0; k < tg->nodes[t].count; k++) {
            uint32_t e = tg->edges[tg->nodes[t].first + k];
            start[(e & 1u) ? e >> 1 : tg->n_nodes + (e >> 1)]++;
        }
    for (size_t x = 0, sum = 0; x <= nn; x++) {
        size_t c = x < nn ? start[x] : 0;
        start[x] = (uint32_t)sum;
        sum += c;
    }
    {
        uint32_t *fill = xcalloc(nn + 1, sizeof(*fill));
        for (size_t t = 0; t < tg->n_nodes; t++)
            for (uint32_t k = 0; k < tg->nodes[t].count; k++) {
                uint32_t e = tg->edges[tg->nodes[t].first + k];
                size_t x = (e & 1u) ? e >> 1 : tg->n_nodes + (e >> 1);
                parents[start[x] + fill[x]++] = (uint32_t)t;
            }
        free(fill);
    }
    for (size_t i = 0; i < n_hex; i++) {
        git_oid id;
        size_t *slot;
        if (git_oid_fromstr(&id, blob_hex[i]) != 0 ||
            !(slot = oidmap_slot(&g->blob_index, &id, false, NULL)))
            continue;
        if (!tg->target[g->blobs[*slot].seq]) {
            tg->target[g->blobs[*slot].seq] = 1;
            queue[qt++] = (uint32_t)(tg->n_nodes + g->blobs[*slot].seq);
        }
    }
    while (qh < qt) {
        uint32_t x = queue[qh++];
        for (uint32_t k = start[x]; k < start[x + 1]; k++) {
            uint32_t p = parents[k];
            if (!tg->hot[p]) {
                tg->hot[p] = 1;
                queue[qt++] = p;
            }
        }
    }
    free(start);
    free(parents);
    free(queue);
}

/* ---- what each commit introduced ---------------------------------------------------- */

/* What one planning thread uses: its own repository handle and counters. */
struct plan_ctx {
    struct src_git *g;        /* read-only while threads run */
    git_repository *repo;
    git_odb *odb;
    bool hot_only;            /* attribution: only hot subtrees and target blobs */
    struct pathbuf path;
    uint64_t errors, submodules, commits;
    bool timed_out;
};

/* The (path, blob) pairs of tree `new_id` that tree `old_id` (or NULL) does not have.
 * Both trees are in git order, so one merge pass pairs entries by name. */
static void tree_diff(struct plan_ctx *pc, const char *commit_hex, const git_oid *old_id,
                      const git_oid *new_id, struct pairs *out, int depth)
{
    struct src_git *g = pc->g;
    git_odb_object *nt, *ot = NULL;
    struct gt_iter ni, oi;
    struct gt_entry ne, oe;
    bool have_old;

    if (depth > 512) {
        log_warn("commit %.12s: tree '%s' nests deeper than 512 levels, not followed",
                 commit_hex, pb_str(&pc->path));
        pc->errors++;
        return;
    }
    if (!(nt = read_tree(g, pc->odb, new_id))) {
        char hex[GIT_OID_HEXSZ + 1];
        git_oid_tostr(hex, sizeof(hex), new_id);
        log_warn("commit %.12s: cannot read tree %s ('%s'): %s", commit_hex, hex,
                 pc->path.len ? pb_str(&pc->path) : "/", git_message());
        pc->errors++;
        return;
    }
    if (old_id)
        ot = read_tree(g, pc->odb, old_id); /* unreadable: compare with nothing */
    gt_init(&ni, git_odb_object_data(nt), git_odb_object_size(nt));
    gt_init(&oi, ot ? git_odb_object_data(ot) : NULL, ot ? git_odb_object_size(ot) : 0);
    have_old = gt_next(&oi, &oe);
    while (gt_next(&ni, &ne)) {
        const struct gt_entry *old = NULL;
        int c = -1;
        git_oid id;
        size_t at;

        while (have_old && (c = gt_cmp(&oe, &ne)) < 0)
            have_old = gt_next(&oi, &oe);
        if (have_old && c == 0)
            old = &oe;
        if (old && old->kind == ne.kind && memcmp(old->oid, ne.oid, GIT_OID_RAWSZ) == 0)
            continue;
        memcpy(id.id, ne.oid, GIT_OID_RAWSZ);
        if (ne.kind == GT_TREE) {
            git_oid old_sub;
            at = pb_push(&pc->path, ne.name, ne.name_len);
            if ((pc->hot_only && !tree_hot(g, &id, pb_str(&pc->path))) ||
                excluded(g, pb_str(&pc->path), true)) {
                pb_cut(&pc->path, at);
                continue;
            }
            if (old)
                memcpy(old_sub.id, old->oid, GIT_OID_RAWSZ);
            tree_diff(pc, commit_hex, old && old->kind == GT_TREE ? &old_sub : NULL, &id, out,
                      depth + 1);
            pb_cut(&pc->path, at);
        } else if (ne.kind == GT_BLOB) {
            if (pc->hot_only && !blob_target(g, &id))
                continue;
            at = pb_push(&pc->path, ne.name, ne.name_len);
            XGROW(out->v, out->cap, out->n + 1);
            out->v[out->n].path = xstrdup(pb_str(&pc->path));
            out->v[out->n].oid = id;
            out->n++;
            pb_cut(&pc->path, at);
        } else if (ne.kind == GT_GITLINK && !pc->hot_only) {
            pc->submodules++;
        }
    }
    if (ni.bad) {
        char hex[GIT_OID_HEXSZ + 1];
        git_oid_tostr(hex, sizeof(hex), new_id);
        log_warn("commit %.12s: tree %s ('%s') is malformed, the rest of it skipped",
                 commit_hex, hex, pc->path.len ? pb_str(&pc->path) : "/");
        pc->errors++;
    }
    git_odb_object_free(ot);
    git_odb_object_free(nt);
}

static bool pairs_has(const struct pairs *p, const struct pair *x)
{
    for (size_t i = 0; i < p->n; i++)
        if (git_oid_equal(&p->v[i].oid, &x->oid) && strcmp(p->v[i].path, x->path) == 0)
            return true;
    return false;
}

/* What a commit introduced: the (path, blob) pairs that differ from every parent. */
struct commit_result {
    struct pairs pairs;
    struct commit_info *ci;   /* only when pairs.n > 0 */
    bool read;                /* the commit could be read (its message is scanned) */
};

static void plan_commit(struct plan_ctx *pc, const git_oid *id, struct commit_result *res)
{
    struct src_git *g = pc->g;
    git_commit *c = NULL;
    struct pairs first = { 0 };
    char hex[GIT_OID_HEXSZ + 1];
    const git_oid *tree;
    unsigned np;

    memset(res, 0, sizeof(*res));
    git_oid_tostr(hex, sizeof(hex), id);
    if (bad_object(g, id))
        return;
    if (git_commit_lookup(&c, pc->repo, id) != 0) {
        log_warn("cannot read commit %s: %s", hex, git_message());
        pc->errors++;
        return;
    }
    res->read = true;
    tree = git_commit_tree_id(c);
    if (pc->hot_only && !tree_hot(g, tree, ""))
        goto out;
    pc->commits++;
    np = git_commit_parentcount(c);
    for (unsigned p = 0; p < (np ? np : 1); p++) {
        git_commit *parent = NULL;
        const git_oid *ptree = NULL;
        struct pairs cur = { 0 };

        /* A missing parent (shallow clone, corrupt repo): compare with nothing. */
        if (np && !bad_object(g, git_commit_parent_id(c, p)) &&
            git_commit_parent(&parent, c, p) == 0)
            ptree = git_commit_tree_id(parent);
        pb_cut(&pc->path, 0);
        tree_diff(pc, hex, ptree, tree, p == 0 ? &first : &cur, 0);
        if (p > 0) {
            /* Merge: keep what differs from this parent too. */
            size_t k = 0;
            for (size_t i = 0; i < first.n; i++) {
                if (pairs_has(&cur, &first.v[i]))
                    first.v[k++] = first.v[i];
                else
                    free(first.v[i].path);
            }
            first.n = k;
        }
        pairs_release(&cur);
        git_commit_free(parent);
    }
    if (first.n) {
        res->pairs = first;
        res->ci = commit_info_of(c);
        memset(&first, 0, sizeof(first));
    }
out:
    pairs_release(&first);
    git_commit_free(c);
}

/* Fold one commit's result into the plan (main thread, commit order); its message too,
 * unless this is attribution (hot_only). */
static void plan_merge(struct src_git *g, const git_oid *id, struct commit_result *res,
                       bool hot_only)
{
    size_t ci = SIZE_MAX;

    if (res->read && !hot_only)
        add_message(g, id, MSG_COMMIT, NULL,
                    oidmap_slot(&g->unreachable_commits, id, false, NULL) != NULL);

    for (size_t i = 0; i < res->pairs.n; i++) {
        if (excluded(g, res->pairs.v[i].path, false))
            continue;
        if (ci == SIZE_MAX)
            ci = add_commit(g, id, &res->ci);
        add_blob(g, &res->pairs.v[i].oid, res->pairs.v[i].path, ci);
    }
    pairs_release(&res->pairs);
    commit_info_free(res->ci);
    res->ci = NULL;
}

static git_repository *open_like(const struct src_git *g)
{
    git_repository *repo = NULL;
    int rc = g->opts.from_env
                 ? git_repository_open_ext(&repo, NULL, GIT_REPOSITORY_OPEN_FROM_ENV, NULL)
                 : git_repository_open_ext(&repo, g->gitdir, GIT_REPOSITORY_OPEN_NO_SEARCH,
                                           NULL);
    return rc == 0 ? repo : NULL;
}

struct plan_job {
    struct plan_ctx pc;
    const struct oidvec *commits;
    struct commit_result *results;
    size_t first, step;
};

static void *plan_thread(void *arg)
{
    struct plan_job *j = arg;
    double deadline = j->pc.g->opts.deadline;

    for (size_t i = j->first, k = 0; i < j->commits->n; i += j->step, k++) {
        if (deadline > 0 && (k & 31) == 0 && clock_now() > deadline) {
            j->pc.timed_out = true;
            break;
        }
        plan_commit(&j->pc, &j->commits->v[i], &j->results[i]);
    }
    return NULL;
}

/* Diff each commit against its parents. The commits are split over threads, each with
 * its own repository handle; results are merged in commit order so the plan is the
 * same whatever the timing. hot_only: attribution after a deferred scan. */
static void plan_commits(struct src_git *g, const struct oidvec *commits, bool hot_only)
{
    struct commit_result *results = xcalloc(commits->n + 1, sizeof(*results));
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    size_t threads = commits->n >= 256 && ncpu > 1 ? (size_t)(ncpu > 8 ? 8 : ncpu) : 1;
    struct plan_job *jobs = xcalloc(threads, sizeof(*jobs));
    pthread_t *tids = xcalloc(threads, sizeof(*tids));
    bool *started = xcalloc(threads, sizeof(*started));

    for (size_t t = 0; t < threads; t++) {
        jobs[t].pc.g = g;
        jobs[t].pc.hot_only = hot_only;
        jobs[t].commits = commits;
        jobs[t].results = results;
        jobs[t].first = t;
        jobs[t].step = threads;
        if (t == 0 || !(jobs[t].pc.repo = open_like(g)) ||
            git_repository_odb(&jobs[t].pc.odb, jobs[t].pc.repo) != 0 ||
            pthread_create(&tids[t], NULL, plan_thread, &jobs[t]) != 0) {
            /* No thread: the calling thread does this share with the shared handle. */
            git_odb_free(jobs[t].pc.odb);
            git_repository_free(jobs[t].pc.repo);
            jobs[t].pc.repo = g->repo;
            jobs[t].pc.odb = g->odb;
        } else {
            started[t] = true;
        }
    }
    for (size_t t = 0; t < threads; t++) {
        if (started[t])
            pthread_join(tids[t], NULL);
        else
            plan_thread(&jobs[t]);
    }
    for (size_t t = 0; t < threads; t++) {
        g->counts.errors += jobs[t].pc.errors;
        g->counts.submodules += jobs[t].pc.submodules;
        if (!hot_only)
            g->counts.commits += jobs[t].pc.commits;
        g->counts.timed_out |= jobs[t].pc.timed_out;
        free(jobs[t].pc.path.s);
    }
    for (size_t i = 0; i < commits->n; i++)
        plan_merge(g, &commits->v[i], &results[i], hot_only);
    for (size_t t = 0; t < threads; t++) {
        if (started[t]) {
            git_odb_free(jobs[t].pc.odb);
            git_repository_free(jobs[t].pc.repo);
        }
    }
    free(results);
    free(jobs);
    free(tids);
    free(started);
}

static void visit_commits_1(struct src_git *g, const struct oidvec *commits)
{
    double deadline = g->opts.deadline;

    for (size_t i = 0; i < commits->n; i++) {
        git_commit *c = NULL;
        char hex[GIT_OID_HEXSZ + 1];

        if (deadline > 0 && (i & 31) == 0 && clock_now() > deadline) {
            g->counts.timed_out = true;
            return;
        }
        if (g->tg.n_nodes >= ((size_t)1 << 31) || g->n_blobs >= ((size_t)1 << 31) ||
            g->tg.n_edges >= ((size_t)UINT32_MAX - ((size_t)1 << 20))) {
            log_warn("'%s': more than 2^31 trees or blobs: the rest of the history is not "
                     "scanned", g->path);
            g->counts.errors++;
            return;
        }
        git_oid_tostr(hex, sizeof(hex), &commits->v[i]);
        if (bad_object(g, &commits->v[i]) ||
            git_commit_lookup(&c, g->repo, &commits->v[i]) != 0) {
            log_warn("cannot read commit %s: %s", hex, git_message());
            g->counts.errors++;
            continue;
        }
        g->counts.commits++;
        add_message(g, &commits->v[i], MSG_COMMIT, NULL,
                    oidmap_slot(&g->unreachable_commits, &commits->v[i], false, NULL) != NULL);
        oidvec_push(&g->walked, &commits->v[i]);
        oidvec_push(&g->walked_roots, git_commit_tree_id(c));
        graph_visit(g, git_commit_tree_id(c), hex);
        git_commit_free(c);
    }
}

/* libgit2 caches every tree of up to 4 KB it reads (its default); pass 1 reads each
 * tree once, so caching them only costs time and memory (a third of pass 1, measured in
 * benches/RESULTS.md). The setting is process-wide: restored when pass 1 ends. */
#define LIBGIT2_TREE_CACHE_LIMIT 4096

static void tree_cache(bool on)
{
    (void)git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE,
                           (size_t)(on ? LIBGIT2_TREE_CACHE_LIMIT : 0));
}

/* Pass 1 of a deferred scan: the trees of these commits. */
static void visit_commits(struct src_git *g, const struct oidvec *commits)
{
    tree_cache(false);
    visit_commits_1(g, commits);
    tree_cache(true);
}

struct odb_walk {
    const struct src_git *g;
    git_odb *odb;
    git_oid *commits;
    size_t n_commits, cap_commits;
    git_oid *blobs;
    size_t n_blobs, cap_blobs;
    git_oid *tags;
    size_t n_tags, cap_tags;
    uint64_t errors;
};

static int collect_object(const git_oid *id, void *payload)
{
    struct odb_walk *w = payload;
    size_t len;
    git_object_t type;

    if (bad_object(w->g, id))
        return 0; /* warned about when it was found */
    if (git_odb_read_header(&len, &type, w->odb, id) != 0) {
        w->errors++;
        return 0;
    }
    if (type == GIT_OBJECT_COMMIT) {
        XGROW(w->commits, w->cap_commits, w->n_commits + 1);
        git_oid_cpy(&w->commits[w->n_commits++], id);
    } else if (type == GIT_OBJECT_BLOB) {
        XGROW(w->blobs, w->cap_blobs, w->n_blobs + 1);
        git_oid_cpy(&w->blobs[w->n_blobs++], id);
    } else if (type == GIT_OBJECT_TAG) {
        XGROW(w->tags, w->cap_tags, w->n_tags + 1);
        git_oid_cpy(&w->tags[w->n_tags++], id);
    }
    return 0;
}


/* Add every blob of a tree that a ref names directly (a tag on a tree). */
static void plan_tree_blobs(struct src_git *g, const git_tree *t, const char *prefix,
                            git_odb *only_in, int depth)
{
    size_t n = git_tree_entrycount(t);

    if (depth > 512)
        return;
    for (size_t i = 0; i < n; i++) {
        const git_tree_entry *e = git_tree_entry_byindex(t, i);
        char *path = xasprintf("%s/%s", prefix, git_tree_entry_name(e));
        if (git_tree_entry_type(e) == GIT_OBJECT_BLOB) {
            if (!only_in || git_odb_exists(only_in, git_tree_entry_id(e)))
                add_blob(g, git_tree_entry_id(e), path, PROV_REF);
        } else if (git_tree_entry_type(e) == GIT_OBJECT_TREE) {
            git_tree *sub = NULL;
            if (git_tree_lookup(&sub, g->repo, git_tree_entry_id(e)) == 0)
                plan_tree_blobs(g, sub, path, only_in, depth + 1);
            git_tree_free(sub);
        }
        free(path);
    }
}

/* The objects a push adds sit in git's quarantine directory during pre-receive: an odb
 * of just those, to tell new blobs of a pushed tree from ones the server already has.
 * NULL outside a quarantine (everything counts as new). */
static git_odb *quarantine_odb(void)
{
    const char *q = getenv("GIT_QUARANTINE_PATH");
    git_odb *odb = NULL;

    if (!q || !*q || git_odb_open(&odb, q) != 0)
        return NULL;
    return odb;
}

/* Tips of a full scan: every ref (peeled; refs to trees and blobs are planned directly),
 * every stash entry (older ones live only in the refs/stash reflog), HEAD. */
/* git_reference_peel, but no object libgit2 must not read (bad_object) is looked up: the
 * ref's target, then through annotated tags to what they name (each tag's message is
 * planned). */
static int peel(struct src_git *g, git_reference *ref, git_object **out, bool plan_tags)
{
    git_reference *direct = NULL;
    git_oid id;

    *out = NULL;
    if (git_reference_resolve(&direct, ref) != 0)
        return -1;
    git_oid_cpy(&id, git_reference_target(direct));
    git_reference_free(direct);
    for (int depth = 0; depth < 64; depth++) {
        git_object *obj = NULL;
        if (bad_object(g, &id)) {
            git_error_set_str(GIT_ERROR_ODB, "corrupt object");
            return -1;
        }
        if (git_object_lookup(&obj, g->repo, &id, GIT_OBJECT_ANY) != 0)
            return -1;
        if (git_object_type(obj) != GIT_OBJECT_TAG) {
            *out = obj;
            return 0;
        }
        if (plan_tags)
            add_message(g, &id, MSG_TAG, git_tag_name((git_tag *)obj), false);
        git_oid_cpy(&id, git_tag_target_id((git_tag *)obj));
        git_object_free(obj);
    }
    git_error_set_str(GIT_ERROR_INVALID, "tags nested more than 64 deep");
    return -1;
}

static void collect_ref_tips(struct src_git *g, struct oidvec *tips)
{
    git_reference_iterator *it = NULL;
    git_reference *ref;
    git_reflog *log = NULL;
    git_oid head;

    if (git_reference_iterator_new(&it, g->repo) != 0) {
        log_warn("'%s': cannot list refs: %s", g->path, git_message());
        g->counts.errors++;
        return;
    }
    while (git_reference_next(&ref, it) == 0) {
        git_object *obj = NULL;
        const char *name = git_reference_name(ref);
        if (peel(g, ref, &obj, true) == 0) {
            git_object_t type = git_object_type(obj);
            if (type == GIT_OBJECT_COMMIT) {
                oidvec_push(tips, git_object_id(obj));
            } else if (type == GIT_OBJECT_TREE) {
                char *prefix = xasprintf("(%s)", name);
                plan_tree_blobs(g, (git_tree *)obj, prefix, NULL, 0);
                free(prefix);
            } else if (type == GIT_OBJECT_BLOB) {
                char *path = xasprintf("(%s)", name);
                add_blob(g, git_object_id(obj), path, PROV_REF);
                free(path);
            }
        } else {
            char hex[GIT_OID_HEXSZ + 1] = "?";
            const git_oid *target = git_reference_target(ref);
            if (target)
                git_oid_tostr(hex, sizeof(hex), target);
            log_warn("'%s': ref %s: cannot read object %s: %s", g->path, name, hex,
                     git_message());
            g->counts.errors++;
        }
        git_object_free(obj);
        git_reference_free(ref);
    }
    git_reference_iterator_free(it);
    if (git_reflog_read(&log, g->repo, "refs/stash") == 0) {
        for (size_t i = 0; i < git_reflog_entrycount(log); i++)
            oidvec_push(tips, git_reflog_entry_id_new(git_reflog_entry_byindex(log, i)));
        git_reflog_free(log);
    }
    if (git_reference_name_to_id(&head, g->repo, "HEAD") == 0)
        oidvec_push(tips, &head);
}

static void collect_glob_tips(struct src_git *g, const char *glob, struct oidvec *out)
{
    git_reference_iterator *it = NULL;
    git_reference *ref;

    if (git_reference_iterator_glob_new(&it, g->repo, glob) != 0)
        return;
    while (git_reference_next(&ref, it) == 0) {
        git_object *obj = NULL;
        if (git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT) == 0)
            oidvec_push(out, git_object_id(obj));
        git_object_free(obj);
        git_reference_free(ref);
    }
    git_reference_iterator_free(it);
}

/* Commit ids of a shallow repository's boundary ($GIT_DIR/shallow): their parents are
 * missing by design. libgit2 1.5 does not read this file. */
static void read_shallow(struct src_git *g, struct oidmap *out)
{
    char *path = xasprintf("%sshallow", g->gitdir);
    FILE *f = fopen(path, "r");
    char line[128];

    free(path);
    if (!f)
        return;
    while (fgets(line, sizeof(line), f)) {
        git_oid id;
        line[strcspn(line, "\r\n")] = '\0';
        if (git_oid_fromstr(&id, line) == 0)
            (void)oidmap_slot(out, &id, true, NULL);
    }
    fclose(f);
}

/* The commits reachable from `tips` and not from `hide`, tolerating missing objects
 * (shallow clones, corrupt repositories): libgit2's revwalk stops at the first missing
 * parent and loses everything. */
static void walk_tolerant(struct src_git *g, const struct oidvec *tips, const struct oidvec *hide,
                          struct oidvec *out)
{
    struct oidmap hidden = { 0 }, seen = { 0 }, shallow = { 0 };
    struct oidvec stack = { 0 };

    read_shallow(g, &shallow);
    for (int pass = 0; pass < 2; pass++) {
        const struct oidvec *from = pass == 0 ? hide : tips;
        struct oidmap *mark = pass == 0 ? &hidden : &seen;
        stack.n = 0;
        for (size_t i = 0; i < from->n; i++)
            oidvec_push(&stack, &from->v[i]);
        while (stack.n) {
            git_oid id = stack.v[--stack.n];
            git_commit *c = NULL;
            bool created = false;
            if (pass == 1 && oidmap_slot(&hidden, &id, false, NULL))
                continue;
            (void)oidmap_slot(mark, &id, true, &created);
            if (!created)
                continue;
            if (bad_object(g, &id) || git_commit_lookup(&c, g->repo, &id) != 0) {
                if (pass == 1) {
                    char hex[GIT_OID_HEXSZ + 1];
                    git_oid_tostr(hex, sizeof(hex), &id);
                    log_warn("'%s': commit %s is missing or unreadable: %s", g->path, hex,
                             git_message());
                    g->counts.errors++;
                }
                continue;
            }
            if (pass == 1)
                oidvec_push(out, &id);
            if (!oidmap_slot(&shallow, &id, false, NULL))
                for (unsigned k = 0; k < git_commit_parentcount(c); k++)
                    oidvec_push(&stack, git_commit_parent_id(c, k));
            else if (pass == 1 && git_commit_parentcount(c) > 0)
                g->counts.shallow_cut++; /* its parents are past the shallow boundary */
            git_commit_free(c);
        }
    }
    free(stack.v);
    oidmap_release(&hidden);
    oidmap_release(&seen);
    oidmap_release(&shallow);
}

/* tips minus hide: libgit2's revwalk first (fast, handles hiding lazily), the tolerant
 * walk if it fails or the repository is shallow. */
static void walk(struct src_git *g, const struct oidvec *tips, const struct oidvec *hide,
                 struct oidvec *out)
{
    git_revwalk *w = NULL;
    git_oid id;
    bool ok = true;
    char *shallow = xasprintf("%sshallow", g->gitdir);
    bool is_shallow = access(shallow, F_OK) == 0;

    free(shallow);
    out->n = 0;
    /* libgit2's walk would read the objects it must not (bad_object): walk ourselves */
    if (!is_shallow && !g->bad_loose.used && git_revwalk_new(&w, g->repo) == 0) {
        git_revwalk_sorting(w, GIT_SORT_NONE);
        for (size_t i = 0; ok && i < tips->n; i++)
            ok = git_revwalk_push(w, &tips->v[i]) == 0;
        for (size_t i = 0; ok && i < hide->n; i++)
            (void)git_revwalk_hide(w, &hide->v[i]);
        for (int rc; ok && (rc = git_revwalk_next(&id, w)) != GIT_ITEROVER;) {
            if (rc != 0)
                ok = false;
            else
                oidvec_push(out, &id);
        }
        git_revwalk_free(w);
        if (ok)
            return;
        out->n = 0;
    }
    walk_tolerant(g, tips, hide, out);
}

static enum status plan_history(struct src_git *g)
{
    struct oidvec tips = { 0 }, hide = { 0 }, commits = { 0 };
    enum status st = STATUS_OK;
    struct odb_walk ow = { .g = g };
    char *range = NULL;

    if (g->opts.since_commit)
        range = xasprintf("%s..HEAD", g->opts.since_commit);
    else if (g->opts.rev_range)
        range = xstrdup(g->opts.rev_range);
    if (g->opts.n_tips) {
        /* objects the push adds (pre-receive), to tell new tags, trees and blobs */
        git_odb *q = quarantine_odb();
        for (size_t i = 0; st == STATUS_OK && i < g->opts.n_tips; i++) {
            git_oid tip;
            git_object *obj = NULL;
            if (git_oid_fromstr(&tip, g->opts.tips[i]) != 0 ||
                git_object_lookup(&obj, g->repo, &tip, GIT_OBJECT_ANY) != 0) {
                st = fail(STATUS_CORRUPT, "'%s': cannot read pushed object %s: %s", g->path,
                          g->opts.tips[i], git_message());
                break;
            }
            for (int depth = 0; obj && git_object_type(obj) == GIT_OBJECT_TAG; depth++) {
                git_object *target = NULL;
                /* a pushed annotated tag: its message is pushed content */
                if (!q || git_odb_exists(q, git_object_id(obj)))
                    add_message(g, git_object_id(obj), MSG_TAG, git_tag_name((git_tag *)obj),
                                false);
                if (depth >= 64 || git_tag_target(&target, (git_tag *)obj) != 0)
                    target = NULL;
                git_object_free(obj);
                obj = target;
            }
            if (!obj) {
                st = fail(STATUS_CORRUPT, "'%s': cannot read the target of pushed tag %s: %s",
                          g->path, g->opts.tips[i], git_message());
                break;
            }
            /* A tag may point at a tree or a blob: those are pushed content too. */
            if (git_object_type(obj) == GIT_OBJECT_COMMIT) {
                oidvec_push(&tips, git_object_id(obj));
            } else if (git_object_type(obj) == GIT_OBJECT_TREE) {
                plan_tree_blobs(g, (git_tree *)obj, "(pushed tree)", q, 0);
            } else if (git_object_type(obj) == GIT_OBJECT_BLOB) {
                if (!q || git_odb_exists(q, git_object_id(obj)))
                    add_blob(g, git_object_id(obj), "(pushed blob)", PROV_REF);
            }
            git_object_free(obj);
        }
        git_odb_free(q);
        if (st != STATUS_OK)
            goto out;
        for (size_t i = 0; i < g->opts.n_hide; i++) {
            git_oid h;
            /* A hidden commit we do not have (a force push over unknown history) is fine. */
            git_commit *hc = NULL;
            if (git_oid_fromstr(&h, g->opts.hide[i]) == 0 &&
                git_commit_lookup(&hc, g->repo, &h) == 0)
                oidvec_push(&hide, &h);
            git_commit_free(hc);
        }
        if (g->opts.hide_glob)
            collect_glob_tips(g, g->opts.hide_glob, &hide);
    } else if (range) {
        git_revspec spec;
        if (git_revparse(&spec, g->repo, range) != 0) {
            st = fail(STATUS_USAGE, "'%s': bad revision range '%s': %s", g->path, range,
                      git_message());
            goto out;
        }
        {
            git_object *to = (spec.flags & GIT_REVSPEC_SINGLE) ? spec.from : spec.to;
            git_object *from = (spec.flags & GIT_REVSPEC_SINGLE) ? NULL : spec.from;
            git_object *pt = NULL, *pf = NULL;
            if (to && git_object_peel(&pt, to, GIT_OBJECT_COMMIT) == 0)
                oidvec_push(&tips, git_object_id(pt));
            if (from && git_object_peel(&pf, from, GIT_OBJECT_COMMIT) == 0)
                oidvec_push(&hide, git_object_id(pf));
            git_object_free(pt);
            git_object_free(pf);
            git_object_free(spec.from);
            git_object_free(spec.to);
        }
    } else {
        collect_ref_tips(g, &tips);
    }
    walk(g, &tips, &hide, &commits);
    if (g->counts.shallow_cut) {
        /* A shallow clone (or a `shallow` file): the walk stops where git's does, and
         * says so, since older commits may hold keys. */
        if (g->opts.allow_shallow)
            log_warn("'%s': shallow repository: history before %llu boundary commit%s not "
                     "scanned (--allow-shallow)", g->path,
                     (unsigned long long)g->counts.shallow_cut,
                     g->counts.shallow_cut == 1 ? " is" : "s is");
        else
            log_gap(DIAG_HISTORY, "'%s': shallow repository: the history is truncated at "
                    "%llu boundary commit%s, older commits are not scanned (git fetch "
                    "--unshallow, or accept it with --allow-shallow)", g->path,
                    (unsigned long long)g->counts.shallow_cut,
                    g->counts.shallow_cut == 1 ? "" : "s");
    }
    g->counts.commits = 0;
    /* A whole history is read tree by tree, each distinct tree once; a range or a push
     * needs what its commits introduced, and path filters need every path: diff those. */
    g->deferred = !range && !g->opts.n_tips;
    if (g->deferred)
        visit_commits(g, &commits);
    else
        plan_commits(g, &commits, false);

    if (g->opts.all_objects && !range && !g->opts.n_tips) {
        struct oidvec extra = { 0 }, unreach = { 0 };
        if (git_repository_odb(&ow.odb, g->repo) != 0 ||
            git_odb_foreach(ow.odb, collect_object, &ow) != 0) {
            log_warn("'%s': cannot list the object database: %s", g->path, git_message());
            g->counts.errors++;
        }
        g->counts.errors += ow.errors;
        /* Commits no ref reaches (rewritten history): walk them, hiding what refs reach. */
        for (size_t i = 0; i < ow.n_commits; i++)
            oidvec_push(&extra, &ow.commits[i]);
        walk(g, &extra, &tips, &unreach);
        for (size_t i = 0; i < unreach.n; i++)
            (void)oidmap_slot(&g->unreachable_commits, &unreach.v[i], true, NULL);
        if (g->deferred)
            visit_commits(g, &unreach);
        else
            plan_commits(g, &unreach, false);
        /* Blobs no commit reaches: dropped stashes, dangling adds; or staged, which
         * the index names (at their path: the next commit takes them). */
        {
            git_index *index = NULL;
            struct oidmap in_index = { 0 }; /* blob -> index entry */
            if (ow.n_blobs && git_repository_index(&index, g->repo) == 0) {
                for (size_t k = 0; k < git_index_entrycount(index); k++) {
                    const git_index_entry *e = git_index_get_byindex(index, k);
                    if (e && git_index_entry_stage(e) == 0 &&
                        (e->mode & 0170000) != 0160000 && !excluded(g, e->path, false))
                        *oidmap_slot(&in_index, &e->id, true, NULL) = k;
                }
            }
            for (size_t i = 0; i < ow.n_blobs; i++) {
                size_t *k = oidmap_slot(&in_index, &ow.blobs[i], false, NULL);
                if (oidmap_slot(&g->blob_index, &ow.blobs[i], false, NULL))
                    continue;
                if (k)
                    add_blob(g, &ow.blobs[i], git_index_get_byindex(index, *k)->path,
                             PROV_STAGED);
                else
                    add_blob(g, &ow.blobs[i], "(unreachable blob)", PROV_UNREACHABLE);
            }
            oidmap_release(&in_index);
            git_index_free(index);
        }
        /* Annotated tags no ref names (deleted tags): their messages. */
        for (size_t i = 0; i < ow.n_tags; i++) {
            git_tag *t = NULL;
            if (oidmap_slot(&g->msg_index, &ow.tags[i], false, NULL))
                continue;
            if (git_tag_lookup(&t, g->repo, &ow.tags[i]) == 0)
                add_message(g, &ow.tags[i], MSG_TAG, git_tag_name(t), true);
            else
                add_message(g, &ow.tags[i], MSG_TAG, NULL, true);
            git_tag_free(t);
        }
        free(extra.v);
        free(unreach.v);
    }
out:
    free(range);
    free(tips.v);
    free(hide.v);
    free(commits.v);
    free(ow.commits);
    free(ow.blobs);
    free(ow.tags);
    git_odb_free(ow.odb);
    return st;
}

static enum status plan_staged(struct src_git *g)
{
    git_index *index = NULL;
    git_object *head = NULL;
    git_tree *head_tree = NULL;
    enum status st = STATUS_OK;
    size_t n;

    if (git_repository_index(&index, g->repo) != 0)
        return fail(STATUS_CORRUPT, "'%s': cannot read the index: %s", g->path, git_message());
    if (git_revparse_single(&head, g->repo, "HEAD^{tree}") == 0)
        head_tree = (git_tree *)head;
    n = git_index_entrycount(index);
    for (size_t i = 0; i < n; i++) {
        const git_index_entry *e = git_index_get_byindex(index, i);
        git_tree_entry *te = NULL;
        bool same = false;

        if (!e || git_index_entry_stage(e) != 0 || (e->mode & 0170000) == 0160000)
            continue;
        if (head_tree && git_tree_entry_bypath(&te, head_tree, e->path) == 0) {
            same = git_oid_equal(git_tree_entry_id(te), &e->id);
            git_tree_entry_free(te);
        }
        if (!same && !excluded(g, e->path, false))
            add_blob(g, &e->id, e->path, PROV_STAGED);
    }
    git_object_free(head);
    git_index_free(index);
    return st;
}

/* One uncommitted file, `rel` to the work tree: kept if it is a regular file, shown as
 * the directory walk would show it (the target as given, then the path). */
static void worktree_add(struct src_git *g, const char *rel)
{
    struct stat st;
    char *p = xasprintf("%s%s", g->workdir, rel);

    if (lstat(p, &st) != 0 || !S_ISREG(st.st_mode)) {
        free(p);
        return;
    }
    if (strcmp(g->path, ".") == 0 || git_repository_is_bare(g->repo) == 0) {
        size_t pl = strlen(g->path);
        char *shown = xasprintf("%.*s/%s", (int)(pl > 1 && g->path[pl - 1] == '/' ? pl - 1 : pl),
                                g->path, rel);
        struct stat st2;
        if (lstat(shown, &st2) == 0 && st2.st_ino == st.st_ino) {
            free(p);
            p = shown;
        } else {
            free(shown);
        }
    }
    XGROW(g->worktree, g->cap_worktree, g->n_worktree + 1);
    g->worktree[g->n_worktree++] = p;
}

/* An ignored or untracked directory that libgit2 did not list (`rel` ends in '/'): its
 * files, in name order, without descending into excluded directories (build trees,
 * node_modules) or .git directories (a nested repository's files are scanned, its
 * objects are not), nor following symbolic links. libgit2 would list every file below
 * an ignored directory before the excludes could prune it. */
static void worktree_dir(struct src_git *g, const char *rel, int depth)
{
    char *dir = xasprintf("%s%s", g->workdir, rel);
    size_t n;
    char **names = src_fs_read_dir(dir, &n);

    if (!names) {
        if (errno != ENOENT) {
            log_warn("'%s': cannot read directory: %s", dir, strerror(errno));
            g->counts.errors++;
        }
        free(dir);
        return;
    }
    free(dir);
    for (size_t i = 0; i < n; i++) {
        char *sub = xasprintf("%s%s", rel, names[i]);
        char *abs = xasprintf("%s%s", g->workdir, sub);
        struct stat st;

        if (strcmp(names[i], ".git") == 0) {
            /* a nested repository's objects are not its files */
        } else if (lstat(abs, &st) == 0 && S_ISDIR(st.st_mode)) {
            if (!excluded(g, sub, true) && depth < 256) {
                char *slash = xasprintf("%s/", sub);
                worktree_dir(g, slash, depth + 1);
                free(slash);
            }
        } else if (!excluded(g, sub, false)) {
            worktree_add(g, sub);
        }
        free(abs);
        free(sub);
        free(names[i]);
    }
    free(names);
}

static enum status plan_worktree(struct src_git *g)
{
    git_status_list *list = NULL;
    git_status_options so;
    size_t n;

    if (!g->workdir)
        return STATUS_OK;
    git_status_options_init(&so, GIT_STATUS_OPTIONS_VERSION);
    so.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
    /* Ignored directories come as one entry each ("build/"), walked by worktree_dir. */
    so.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
               GIT_STATUS_OPT_INCLUDE_IGNORED | GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
    if (git_status_list_new(&list, g->repo, &so) != 0) {
        log_warn("'%s': cannot list uncommitted files: %s", g->path, git_message());
        g->counts.errors++;
        return STATUS_OK;
    }
    n = git_status_list_entrycount(list);
    for (size_t i = 0; i < n; i++) {
        const git_status_entry *e = git_status_byindex(list, i);
        const git_diff_delta *d = e->index_to_workdir ? e->index_to_workdir : e->head_to_index;
        unsigned wanted = GIT_STATUS_WT_NEW | GIT_STATUS_WT_MODIFIED | GIT_STATUS_WT_TYPECHANGE |
                          GIT_STATUS_WT_RENAMED | GIT_STATUS_IGNORED | GIT_STATUS_INDEX_NEW |
                          GIT_STATUS_INDEX_MODIFIED | GIT_STATUS_INDEX_RENAMED;
        /* staged content the work tree no longer has: the next commit takes it */
        unsigned staged = GIT_STATUS_INDEX_NEW | GIT_STATUS_INDEX_MODIFIED |
                          GIT_STATUS_INDEX_RENAMED | GIT_STATUS_INDEX_TYPECHANGE;
        unsigned wt_differs = GIT_STATUS_WT_MODIFIED | GIT_STATUS_WT_DELETED |
                              GIT_STATUS_WT_TYPECHANGE | GIT_STATUS_WT_RENAMED;
        const char *rel;
        size_t len;

        if ((e->status & staged) && (e->status & wt_differs) && e->head_to_index) {
            const git_diff_file *f = &e->head_to_index->new_file;
            if (f->path && !git_oid_is_zero(&f->id) && (f->mode & 0170000) != 0160000 &&
                !excluded(g, f->path, false))
                add_blob(g, &f->id, f->path, PROV_STAGED);
        }
        if (!(e->status & wanted) || !d || !(rel = d->new_file.path))
            continue;
        len = strlen(rel);
        if (len > 0 && rel[len - 1] == '/') {
            char *bare = xstrndup(rel, len - 1);
            bool skip = excluded(g, bare, true);
            free(bare);
            if (!skip)
                worktree_dir(g, rel, 0);
            continue;
        }
        if (!excluded(g, rel, false))
            worktree_add(g, rel);
    }
    git_status_list_free(list);
    return STATUS_OK;
}

/* Read order: blobs in a pack are read by gitpack.c, in delta-family order (a base, then
 * what is deltified against it, depth first), so that each costs one inflate and at most
 * one delta application; blobs in no pack (loose, alternates) come last, through libgit2.
 * A pack gitpack cannot use (damaged, old index format) is left to libgit2 as well,
 * which reports what is wrong with its objects when they are read. */
static int cmp_blob_order(const void *a, const void *b)
{
    const struct gblob *x = a, *y = b;
    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    return memcmp(x->oid.id, y->oid.id, GIT_OID_RAWSZ);
}

static void order_pack(struct src_git *g, uint32_t pack)
{
    const struct gitpack *p = g->packs[pack];
    size_t n = 0;
    size_t *which = xmalloc((g->n_blobs ? g->n_blobs : 1) * sizeof(*which));
    uint64_t *offs, *keys;

    for (size_t i = 0; i < g->n_blobs; i++) {
        struct gblob *b = &g->blobs[i];
        if (b->pack == NO_PACK && gitpack_find(p, b->oid.id, &b->off)) {
            b->pack = pack;
            which[n++] = i;
        }
    }
    offs = xmalloc((n ? n : 1) * sizeof(*offs));
    keys = xmalloc((n ? n : 1) * sizeof(*keys));
    for (size_t k = 0; k < n; k++)
        offs[k] = g->blobs[which[k]].off;
    gitpack_order(p, offs, n, keys);
    for (size_t k = 0; k < n; k++)
        g->blobs[which[k]].order = (uint64_t)pack << 40 | (keys[k] & 0xffffffffffull);
    free(keys);
    free(offs);
    free(which);
}

/* Objects of pack `p` whose delta chain never ends (gitpack_unresolvable): warned once,
 * counted, and kept from libgit2, which would loop on them, like broken loose objects. */
static void mark_unresolvable(struct src_git *g, const struct gitpack *p, const char *name)
{
    uint32_t *bad = NULL;
    size_t n = gitpack_unresolvable(p, &bad);

    for (size_t k = 0; k < n; k++) {
        const unsigned char *raw;
        uint64_t off;
        git_oid id;
        char hex[GIT_OID_HEXSZ + 1];

        gitpack_entry(p, bad[k], &raw, &off);
        memcpy(id.id, raw, GIT_OID_RAWSZ);
        git_oid_tostr(hex, sizeof(hex), &id);
        log_warn("'%s': object %s in %s: its delta chain never reaches a whole object "
                 "(a cycle, or a broken entry), skipped", g->path, hex, name);
        g->counts.errors++;
        (void)oidmap_slot(&g->bad_loose, &id, true, NULL);
    }
    free(bad);
}

static void open_packs(struct src_git *g)
{
    const char *common = git_repository_commondir(g->repo);
    char *dir = xasprintf("%sobjects/pack", common ? common : g->gitdir);
    DIR *d = opendir(dir);
    struct dirent *de;
    size_t cap = 0;

    while (d && (de = readdir(d))) {
        size_t l = strlen(de->d_name);
        struct gitpack *p;
        char *path;

        if (l < 5 || strcmp(de->d_name + l - 4, ".idx") != 0 || g->n_packs >= NO_PACK - 1)
            continue;
        path = xasprintf("%s/%s", dir, de->d_name);
        if (gitpack_open(&p, path) == STATUS_OK) {
            xgrow((void **)&g->packs, &cap, g->n_packs + 1, sizeof(*g->packs));
            g->packs[g->n_packs++] = p;
            /* a whole history reads every object anyway; a range or a push (packs that
             * git's index-pack resolved) does not pay for a pass over every header */
            if (!g->opts.rev_range && !g->opts.since_commit && !g->opts.n_tips &&
                !g->opts.staged)
                mark_unresolvable(g, p, de->d_name);
        }
        free(path);
    }
    if (d)
        closedir(d);
    free(dir);
}

static int cmp_msg_order(const void *a, const void *b)
{
    const struct gmsg *x = a, *y = b;
    if (x->pack != y->pack)
        return x->pack < y->pack ? -1 : 1;
    if (x->off != y->off)
        return x->off < y->off ? -1 : 1;
    return memcmp(x->oid.id, y->oid.id, GIT_OID_RAWSZ);
}

static void order_blobs(struct src_git *g)
{
    for (size_t i = 0; i < g->n_packs && g->n_blobs; i++)
        order_pack(g, (uint32_t)i);
    if (g->n_blobs > 1)
        qsort(g->blobs, g->n_blobs, sizeof(*g->blobs), cmp_blob_order);
    for (size_t i = 0; i < g->n_blobs; i++)
        *oidmap_slot(&g->blob_index, &g->blobs[i].oid, false, NULL) = i;
    /* messages in pack order (commits are seldom deltified: no families to follow) */
    for (size_t k = 0; k < g->n_msgs; k++)
        for (size_t i = 0; i < g->n_packs; i++)
            if (gitpack_find(g->packs[i], g->msgs[k].oid.id, &g->msgs[k].off)) {
                g->msgs[k].pack = (uint32_t)i;
                break;
            }
    if (g->n_msgs > 1)
        qsort(g->msgs, g->n_msgs, sizeof(*g->msgs), cmp_msg_order);
    for (size_t k = 0; k < g->n_msgs; k++)
        *oidmap_slot(&g->msg_index, &g->msgs[k].oid, false, NULL) = k;
}

enum status src_git_open(struct src_git **out, const char *path, const struct src_git_opts *o)
{
    struct src_git *g = xcalloc(1, sizeof(*g));
    enum status st = STATUS_OK;

    *out = NULL;
    g->path = xstrdup(path);
    g->opts = *o;
    /* sesame only reads objects: it runs no hooks, filters or config commands, so a
     * repository owned by another user (CI checkouts, audits) is safe to open. */
    (void)git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
    if (git_repository_open_ext(&g->repo, o->from_env ? NULL : path,
                                o->from_env ? GIT_REPOSITORY_OPEN_FROM_ENV
                                            : GIT_REPOSITORY_OPEN_NO_SEARCH,
                                NULL) != 0) {
        st = fail(STATUS_IO, "'%s': not a readable git repository: %s", path, git_message());
        goto out;
    }
    g->gitdir = xstrdup(git_repository_path(g->repo));
    if (git_repository_odb(&g->odb, g->repo) != 0) {
        st = fail(STATUS_IO, "'%s': cannot open the object database: %s", path, git_message());
        goto out;
    }
    check_loose_objects(g);
    check_grafts(g);
    open_packs(g);
    if (!git_repository_is_bare(g->repo) && git_repository_workdir(g->repo))
        g->workdir = xstrdup(git_repository_workdir(g->repo));
    if (git_repository_is_empty(g->repo) == 1 && !o->staged && !o->all_objects) {
        /* Nothing committed yet: only the working tree. */
    } else if (o->staged) {
        st = plan_staged(g);
    } else {
        st = plan_history(g);
    }
    if (st != STATUS_OK)
        goto out;
    if (o->worktree && !o->staged && !o->rev_range && !o->since_commit && !o->n_tips)
        st = plan_worktree(g);
    g->counts.blobs = g->n_blobs;
    order_blobs(g);
out:
    if (st != STATUS_OK) {
        src_git_free(g);
        return st;
    }
    *out = g;
    return STATUS_OK;
}

static void exposure_release(struct src_git *g);

void src_git_free(struct src_git *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->n_commits; i++)
        commit_info_free(g->commits[i]);
    free(g->commits);
    oidmap_release(&g->commit_index);
    oidmap_release(&g->unreachable_commits);
    oidmap_release(&g->bad_loose);
    free(g->commit_unreachable);
    graph_release(&g->tg);
    free(g->walked.v);
    free(g->walked_roots.v);
    free(g->prov_out);
    strmap_release(&g->paths);
    free(g->prov);
    for (size_t i = 0; i < g->n_blobs; i++)
        free(g->blobs[i].prov);
    free(g->blobs);
    oidmap_release(&g->blob_index);
    free(g->msgs);
    oidmap_release(&g->msg_index);
    oidmap_release(&g->exp_msgs);
    gitpack_reader_free(g->tree_reader);
    for (size_t i = 0; i < g->n_packs; i++)
        gitpack_close(g->packs[i]);
    free(g->packs);
    for (size_t i = 0; i < g->n_worktree; i++)
        free(g->worktree[i]);
    free(g->worktree);
    exposure_release(g);
    oidmap_release(&g->exp_blobs);
    rnode_free(g->rroot);
    git_odb_free(g->odb);
    git_repository_free(g->repo);
    free(g->gitdir);
    free(g->workdir);
    free(g->path);
    free(g);
}

/* ---- reading ---------------------------------------------------------------------- */

enum status src_git_reader_new(struct src_git_reader **out, struct src_git *g)
{
    struct src_git_reader *r = xcalloc(1, sizeof(*r));

    *out = NULL;
    r->g = g;
    int rc = g->opts.from_env
                 ? git_repository_open_ext(&r->repo, NULL, GIT_REPOSITORY_OPEN_FROM_ENV, NULL)
                 : git_repository_open_ext(&r->repo, g->gitdir, GIT_REPOSITORY_OPEN_NO_SEARCH,
                                           NULL);

    if (rc != 0 ||
        git_repository_odb(&r->odb, r->repo) != 0) {
        enum status st = fail(STATUS_IO, "'%s': cannot open: %s", g->path, git_message());
        src_git_reader_free(r);
        return st;
    }
    *out = r;
    return STATUS_OK;
}

void src_git_reader_free(struct src_git_reader *r)
{
    if (!r)
        return;
    git_odb_free(r->odb);
    git_repository_free(r->repo);
    gitpack_reader_free(r->pack);
    free(r->prov);
    free(r);
}

/* Blobs larger than this are streamed through `git cat-file` rather than inflated in
 * memory (libgit2 has no streaming read for packed objects). */
#define GIT_INMEM_BLOB_BYTES (64u * 1024 * 1024)

/* Variables that would make a `git` child read other objects than libgit2 reads here:
 * another repository, object directory or alternates (inherited from a hook or a CI
 * job), a graft file, replace refs under another base, config from the environment
 * (core.useReplaceRefs, ...). */
static bool git_env_redirects(const char *e, bool from_env)
{
    static const char *const names[] = {
        "GIT_DIR", "GIT_WORK_TREE", "GIT_IMPLICIT_WORK_TREE", "GIT_COMMON_DIR",
        "GIT_INDEX_FILE", "GIT_NAMESPACE", "GIT_GRAFT_FILE", "GIT_SHALLOW_FILE",
        "GIT_REPLACE_REF_BASE", "GIT_NO_REPLACE_OBJECTS", "GIT_NO_LAZY_FETCH", "GIT_PREFIX",
        "GIT_CONFIG", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT", "GIT_CEILING_DIRECTORIES",
        "GIT_DISCOVERY_ACROSS_FILESYSTEM",
    };
    /* what a pre-receive hook needs to see its quarantine (libgit2 reads them too) */
    static const char *const quarantine[] = {
        "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_QUARANTINE_PATH",
    };
    size_t len = strcspn(e, "=");

    if (strncmp(e, "GIT_", 4) != 0)
        return false;
    if (strncmp(e, "GIT_CONFIG_KEY_", 15) == 0 || strncmp(e, "GIT_CONFIG_VALUE_", 17) == 0)
        return true;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strlen(names[i]) == len && memcmp(e, names[i], len) == 0)
            return true;
    for (size_t i = 0; i < sizeof(quarantine) / sizeof(quarantine[0]); i++)
        if (strlen(quarantine[i]) == len && memcmp(e, quarantine[i], len) == 0)
            return !from_env;
    return false;
}

/* The environment of a `git` child: ours without git_env_redirects(), and replace refs
 * (refs/replace/<id>, which `git cat-file` honours, libgit2 1.5 does not) and lazy
 * fetches from a promisor remote turned off. A pushed refs/replace/<blob> must not
 * change what is read. Free with free() (the strings are borrowed). */
static char **git_child_env(bool from_env)
{
    size_t n = 0, k = 0;
    char **env;

    while (environ[n])
        n++;
    env = xcalloc(n + 3, sizeof(*env));
    for (size_t i = 0; i < n; i++)
        if (!git_env_redirects(environ[i], from_env))
            env[k++] = environ[i];
    env[k++] = (char *)"GIT_NO_REPLACE_OBJECTS=1";
    env[k++] = (char *)"GIT_NO_LAZY_FETCH=1";
    env[k] = NULL;
    return env;
}

/* Stream object `hex` of `type` ("blob", "commit", "tag") through `git cat-file`. */
static enum status read_streamed(struct src_git_reader *r, const char *hex, const char *type,
                                 unsigned char **buf, const struct blob *tmpl, blob_fn *fn,
                                 void *payload, uint64_t *bytes)
{
    int pipefd[2];
    pid_t pid;
    posix_spawn_file_actions_t fa;
    char *gd = xasprintf("--git-dir=%s", r->g->gitdir);
    char *argv[] = { (char *)"git", (char *)"--no-replace-objects", gd, (char *)"cat-file",
                     (char *)type, (char *)hex, NULL };
    char **env = git_child_env(r->g->opts.from_env);
    enum status st;
    int wst = 0;

    if (pipe(pipefd) != 0) {
        free(gd);
        free(env);
        return fail(STATUS_IO, "%s %s: cannot create a pipe: %s", type, hex, strerror(errno));
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&fa, pipefd[0]);
    posix_spawn_file_actions_addclose(&fa, pipefd[1]);
    /* its complaint would be a second, unprefixed line: ours below names the object */
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    if (posix_spawnp(&pid, "git", &fa, NULL, argv, env) != 0) {
        posix_spawn_file_actions_destroy(&fa);
        close(pipefd[0]);
        close(pipefd[1]);
        free(gd);
        free(env);
        return fail(STATUS_IO, "%s %s: larger than %u bytes and git is not available to "
                               "stream it", type, hex, GIT_INMEM_BLOB_BYTES);
    }
    posix_spawn_file_actions_destroy(&fa);
    close(pipefd[1]);
    st = src_fs_read_fd(pipefd[0], tmpl->path, buf, fn, payload, bytes);
    close(pipefd[0]);
    while (waitpid(pid, &wst, 0) < 0 && errno == EINTR)
        ;
    free(gd);
    free(env);
    if (st == STATUS_OK && (!WIFEXITED(wst) || WEXITSTATUS(wst) != 0))
        st = fail(STATUS_CORRUPT, "%s %s: git cat-file failed", type, hex);
    return st;
}

struct prov_feed {
    blob_fn *fn;
    void *payload;
    const struct provenance *prov;
    size_t n_prov;
    const char *blob_id;
    const void *defer;
};

static enum status with_prov(const struct blob *chunk, void *payload)
{
    struct prov_feed *pf = payload;
    struct blob b = *chunk;
    b.prov = pf->prov;
    b.n_prov = pf->n_prov;
    b.blob_id = pf->blob_id;
    b.defer = pf->defer;
    return pf->fn(&b, pf->payload);
}

enum status src_git_read(struct src_git_reader *r, size_t i, unsigned char **buf, blob_fn *fn,
                         void *payload, uint64_t *bytes)
{
    return src_git_read_whole(r, i, buf, fn, NULL, payload, bytes);
}

/* The value of a raw object's header line "<name> ..." (before the blank line that ends
 * the headers), and its length; NULL if absent. */
static const char *raw_header(const unsigned char *data, size_t len, const char *name,
                              size_t *vlen)
{
    size_t nl = strlen(name), at = 0;

    while (at < len && data[at] != '\n') {
        const unsigned char *eol = memchr(data + at, '\n', len - at);
        size_t end = eol ? (size_t)(eol - data) : len;
        if (end - at > nl && memcmp(data + at, name, nl) == 0 && data[at + nl] == ' ') {
            *vlen = end - at - nl - 1;
            return (const char *)data + at + nl + 1;
        }
        at = end + 1;
    }
    return NULL;
}

/* "Name <email> 1700000000 +0100": the "Name <email>" part and the time. */
static void parse_ident(const char *v, size_t len, char **who, int64_t *when)
{
    const char *gt = NULL;

    for (size_t i = len; i-- > 0;)
        if (v[i] == '>') {
            gt = v + i;
            break;
        }
    if (!gt) {
        *who = xstrndup(v, len > 200 ? 200 : len);
        *when = 0;
        return;
    }
    *who = xstrndup(v, (size_t)(gt - v + 1) > 512 ? 512 : (size_t)(gt - v + 1));
    *when = 0;
    for (const char *p = gt + 1; p < v + len && *p == ' '; p++)
        if (p + 1 < v + len && p[1] >= '0' && p[1] <= '9') {
            int64_t t = 0;
            for (const char *q = p + 1; q < v + len && *q >= '0' && *q <= '9' &&
                                        t < INT64_MAX / 10 - 10; q++)
                t = t * 10 + (*q - '0');
            *when = t;
            break;
        }
}

/* The provenance of a commit message, from the commit's raw bytes (no second read):
 * author, dates, and the summary as git shows it (the first paragraph on one line). */
static void commit_info_raw(struct commit_info *ci, const char *hex, const unsigned char *data,
                            size_t len)
{
    size_t vl, at = 0;
    const char *v;
    char *sum;
    size_t n = 0;

    memset(ci, 0, sizeof(*ci));
    ci->commit = xstrdup(hex);
    if ((v = raw_header(data, len, "author", &vl)))
        parse_ident(v, vl, &ci->author, &ci->author_time);
    if ((v = raw_header(data, len, "committer", &vl))) {
        char *who = NULL;
        parse_ident(v, vl, &who, &ci->commit_time);
        free(who);
    } else {
        ci->commit_time = ci->author_time;
    }
    /* the message: after the first blank line */
    while (at < len) {
        const unsigned char *eol = memchr(data + at, '\n', len - at);
        if (!eol)
            return;
        if (eol == data + at) {
            at++;
            break;
        }
        at = (size_t)(eol - data) + 1;
    }
    while (at < len && (data[at] == '\n' || data[at] == ' ' || data[at] == '\t'))
        at++;
    sum = xmalloc(201);
    for (; at < len && n < 200; at++) {
        if (data[at] == '\n') {
            if (at + 1 >= len || data[at + 1] == '\n')
                break; /* the first paragraph ends */
            if (n && sum[n - 1] != ' ')
                sum[n++] = ' ';
            continue;
        }
        sum[n++] = (char)data[at];
    }
    while (n && (sum[n - 1] == ' ' || sum[n - 1] == '\t' || sum[n - 1] == '\r'))
        n--;
    sum[n] = '\0';
    ci->summary = sum;
}

/* Chunks of a streamed message (src_fs_read_fd knows only the path): its id and commit. */
struct msg_feed {
    blob_fn *fn;
    void *payload;
    const struct blob *tmpl;
};

static enum status with_msg(const struct blob *chunk, void *payload)
{
    struct msg_feed *mf = payload;
    struct blob b = *chunk;
    b.blob_id = mf->tmpl->blob_id;
    b.commit = mf->tmpl->commit;
    return mf->fn(&b, mf->payload);
}

/* Read and scan the raw object of a planned commit or tag (issue 11): headers (gpgsig,
 * mergetag, encoding, ...) and the message, bounded like a blob: in memory up to
 * GIT_INMEM_BLOB_BYTES, streamed through `git cat-file` beyond. */
static enum status read_message(struct src_git_reader *r, const struct gmsg *m,
                                unsigned char **buf, blob_fn *fn, void *payload,
                                uint64_t *bytes)
{
    const struct src_git *g = r->g;
    const char *type = m->kind == MSG_COMMIT ? "commit" : "tag";
    git_odb_object *obj = NULL;
    const unsigned char *data = NULL;
    size_t len = 0;
    git_object_t otype;
    struct commit_info ci;
    struct blob tmpl;
    enum status st;

    *bytes = 0;
    memset(&ci, 0, sizeof(ci));
    memset(&tmpl, 0, sizeof(tmpl));
    tmpl.path = m->display;
    tmpl.blob_id = m->hex;
    if (bad_object(g, &m->oid))
        return fail(STATUS_CORRUPT, "%s %s: corrupt object", type, m->hex);
    if (m->pack != NO_PACK) {
        enum gitpack_type t;
        if (!r->pack)
            r->pack = gitpack_reader_new(GIT_PACK_BLOB_CACHE);
        if (gitpack_read(r->pack, g->packs[m->pack], m->off, GIT_INMEM_BLOB_BYTES, &t, &data,
                         &len) != STATUS_OK ||
            t != (m->kind == MSG_COMMIT ? GP_COMMIT : GP_TAG))
            data = NULL;
    }
    if (!data) {
        if (git_odb_read_header(&len, &otype, r->odb, &m->oid) != 0)
            return fail(STATUS_CORRUPT, "%s %s: cannot read: %s", type, m->hex, git_message());
        if (otype != (m->kind == MSG_COMMIT ? GIT_OBJECT_COMMIT : GIT_OBJECT_TAG))
            return fail(STATUS_CORRUPT, "%s %s: not a %s", type, m->hex, type);
        if (len > GIT_INMEM_BLOB_BYTES) {
            /* provenance from libgit2's parse: the bytes are not held here */
            git_commit *c = NULL;
            struct commit_info *pci = NULL;
            struct msg_feed mf = { fn, payload, &tmpl };
            if (m->kind == MSG_COMMIT && git_commit_lookup(&c, r->repo, &m->oid) == 0) {
                pci = commit_info_of(c);
                tmpl.commit = pci;
            }
            git_commit_free(c);
            st = read_streamed(r, m->hex, type, buf, &tmpl, with_msg, &mf, bytes);
            commit_info_free(pci);
            return st;
        }
        if (git_odb_read(&obj, r->odb, &m->oid) != 0)
            return fail(STATUS_CORRUPT, "%s %s: cannot read: %s", type, m->hex, git_message());
        data = git_odb_object_data(obj);
        len = git_odb_object_size(obj);
    }
    *bytes = len;
    if (m->kind == MSG_COMMIT) {
        commit_info_raw(&ci, m->hex, data, len);
        tmpl.commit = &ci;
    }
    st = chunk_feed(&tmpl, data, len, fn, payload);
    free(ci.commit);
    free(ci.author);
    free(ci.summary);
    git_odb_object_free(obj);
    return st;
}

static enum status read_blob(struct src_git_reader *r, const struct gblob *b,
                             unsigned char **buf, blob_fn *fn, whole_blob_fn *whole,
                             void *payload, uint64_t *bytes)
{
    const struct src_git *g = r->g;
    const char *path0 = b->display;
    size_t n_prov = g->deferred ? 0 : b->n_prov;
    git_odb_object *obj = NULL;
    const unsigned char *data = NULL; /* from gitpack, or obj's */
    size_t len = 0;
    git_object_t type;
    struct blob tmpl;
    struct prov_feed pf;
    enum status st;

    *bytes = 0;
    if (b->n_prov > r->cap_prov) {
        r->prov = xrealloc(r->prov, b->n_prov * sizeof(*r->prov));
        r->cap_prov = b->n_prov;
    }
    for (size_t k = 0; k < n_prov; k++) {
        const struct prov_entry *p = &g->prov[b->prov[k]];
        r->prov[k].path = p->path;
        r->prov[k].commit = PROV_IS_COMMIT(p->commit) ? g->commits[p->commit] : NULL;
    }
    memset(&tmpl, 0, sizeof(tmpl));
    tmpl.path = path0;
    tmpl.blob_id = b->hex;
    tmpl.defer = g->deferred ? g : NULL;
    pf.fn = fn;
    pf.payload = payload;
    pf.prov = r->prov;
    pf.n_prov = n_prov;
    pf.blob_id = b->hex;
    pf.defer = tmpl.defer;

    if (bad_object(g, &b->oid))
        return fail(STATUS_CORRUPT, "blob %s ('%s'): corrupt object", b->hex, path0);
    if (b->pack != NO_PACK) {
        enum gitpack_type t;

        if (!r->pack)
            r->pack = gitpack_reader_new(GIT_PACK_BLOB_CACHE);
        /* anything gitpack does not serve (too big, damaged) goes to libgit2 below */
        if (gitpack_read(r->pack, g->packs[b->pack], b->off, GIT_INMEM_BLOB_BYTES, &t, &data,
                         &len) != STATUS_OK ||
            t != GP_BLOB)
            data = NULL;
    }
    if (!data) {
        if (git_odb_read_header(&len, &type, r->odb, &b->oid) != 0)
            return fail(STATUS_CORRUPT, "blob %s ('%s'): cannot read: %s", b->hex, path0,
                        git_message());
        if (len > GIT_INMEM_BLOB_BYTES)
            return read_streamed(r, b->hex, "blob", buf, &tmpl, with_prov, &pf, bytes);
        if (git_odb_read(&obj, r->odb, &b->oid) != 0)
            return fail(STATUS_CORRUPT, "blob %s ('%s'): cannot read: %s", b->hex, path0,
                        git_message());
        data = git_odb_object_data(obj);
        len = git_odb_object_size(obj);
    }
    *bytes = len;
    if (whole) {
        tmpl.prov = r->prov;
        tmpl.n_prov = n_prov;
        st = whole(&tmpl, data, len, payload);
    } else {
        st = chunk_feed(&tmpl, data, len, with_prov, &pf);
    }
    git_odb_object_free(obj);
    return st;
}

enum status src_git_read_whole(struct src_git_reader *r, size_t i, unsigned char **buf,
                               blob_fn *fn, whole_blob_fn *whole, void *payload,
                               uint64_t *bytes)
{
    const struct src_git *g = r->g;

    if (i >= g->n_blobs)
        return read_message(r, &g->msgs[i - g->n_blobs], buf, fn, payload, bytes);
    return read_blob(r, &g->blobs[i], buf, fn, whole, payload, bytes);
}

/* ---- deferred provenance ------------------------------------------------------------ */

void src_git_attribute(struct src_git *g, const char *const *blob_hex, size_t n)
{
    if (!g->deferred || g->attributed)
        return;
    g->attributed = true;
    if (n) {
        struct oidvec hot = { 0 };
        graph_mark(g, blob_hex, n);
        /* Only commits whose tree leads to a blob with findings can have introduced one. */
        for (size_t i = 0; i < g->walked.n; i++)
            if (tree_hot(g, &g->walked_roots.v[i], ""))
                oidvec_push(&hot, &g->walked.v[i]);
        plan_commits(g, &hot, true);
        free(hot.v);
    }
    graph_release(&g->tg);
}

bool src_git_provenance(void *ctx, const char *blob_hex, const char **display,
                        const struct provenance **prov, size_t *n)
{
    struct src_git *g = ctx;
    git_oid id;
    size_t *slot;
    const struct gblob *b;

    if (git_oid_fromstr(&id, blob_hex) != 0 || !(slot = oidmap_slot(&g->blob_index, &id, false,
                                                                      NULL)))
        return false;
    b = &g->blobs[*slot];
    g->prov_out = xrealloc(g->prov_out, (b->n_prov + 1) * sizeof(*g->prov_out));
    for (size_t k = 0; k < b->n_prov; k++) {
        const struct prov_entry *p = &g->prov[b->prov[k]];
        g->prov_out[k].path = p->path;
        g->prov_out[k].commit = PROV_IS_COMMIT(p->commit) ? g->commits[p->commit] : NULL;
    }
    *display = b->display;
    *prov = g->prov_out;
    *n = b->n_prov;
    return true;
}

/* ---- exposure ---------------------------------------------------------------------- */

/* Exposure is asked for the blobs that had findings, at their paths. The caller names
 * them all first (src_git_exposure_want), so that one walk over the branch tips and one
 * over HEAD's first-parent line answer every question. */

struct rnode {                /* one component of a wanted path */
    char *name;
    struct rnode **kids;
    size_t n_kids;
    bool wanted;              /* a wanted path ends here */
    bool present, is_tree;    /* what is at this path in the previous commit... */
    git_oid cur;              /* ...and its id */
    struct oidmap removed;    /* wanted: blob -> chain index of the commit that removed it */
};

static void rnode_free(struct rnode *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n_kids; i++)
        rnode_free(n->kids[i]);
    free(n->kids);
    free(n->name);
    oidmap_release(&n->removed);
    free(n);
}

/* Forget the previous walk (exposure is prepared again when more is wanted). */
static void rnode_reset(struct rnode *n)
{
    n->present = n->is_tree = false;
    oidmap_release(&n->removed);
    for (size_t i = 0; i < n->n_kids; i++)
        rnode_reset(n->kids[i]);
}

static struct rnode *rnode_child(struct rnode *n, const char *name, size_t len, bool create)
{
    struct rnode *k;

    for (size_t i = 0; i < n->n_kids; i++)
        if (strlen(n->kids[i]->name) == len && memcmp(n->kids[i]->name, name, len) == 0)
            return n->kids[i];
    if (!create)
        return NULL;
    k = xcalloc(1, sizeof(*k));
    k->name = xstrndup(name, len);
    n->kids = xrealloc(n->kids, (n->n_kids + 1) * sizeof(*n->kids));
    n->kids[n->n_kids++] = k;
    return k;
}

static struct rnode *rnode_path(struct rnode *root, const char *path, bool create)
{
    struct rnode *n = root;

    while (n && *path) {
        size_t len = strcspn(path, "/");
        if (len)
            n = rnode_child(n, path, len, create);
        path += len + (path[len] == '/');
    }
    return n == root ? NULL : n;
}

/* The path in the repository of a location of blob `id`: an archive member's location
 * ("x.zip!a/b") lives at the path of its archive. */
static const char *git_path_of(const struct src_git *g, const git_oid *id, const char *path)
{
    size_t *slot = oidmap_slot((struct oidmap *)&g->blob_index, id, false, NULL);
    const char *best = path;
    size_t best_len = 0;

    if (!slot)
        return path;
    for (size_t k = 0; k < g->blobs[*slot].n_prov; k++) {
        const char *p = g->prov[g->blobs[*slot].prov[k]].path;
        size_t l = strlen(p);
        if (strcmp(p, path) == 0)
            return p;
        if (l > best_len && strncmp(path, p, l) == 0 && path[l] == '!') {
            best = p;
            best_len = l;
        }
    }
    return best;
}

void src_git_exposure_want(struct src_git *g, const char *blob_hex, const char *path)
{
    git_oid id;
    bool created = false;
    size_t *slot;

    if (git_oid_fromstr(&id, blob_hex) != 0)
        return;
    if ((slot = oidmap_slot(&g->msg_index, &id, false, NULL))) {
        /* a message: which tips' history holds its commit (no path to follow) */
        if (g->msgs[*slot].kind == MSG_COMMIT) {
            size_t *e = oidmap_slot(&g->exp_msgs, &id, true, &created);
            if (created) {
                *e = g->exp_msgs.used - 1;
                g->exposure_ready = false;
            }
        }
        return;
    }
    (void)oidmap_slot(&g->exp_blobs, &id, true, &created);
    if (created)
        g->exposure_ready = false;
    if (path) {
        const char *gp = git_path_of(g, &id, path);
        struct rnode *n;
        if (!g->rroot)
            g->rroot = xcalloc(1, sizeof(*g->rroot));
        n = rnode_path(g->rroot, gp, true);
        if (n && !n->wanted) {
            n->wanted = true;
            g->exposure_ready = false;
        }
    }
}

/* Add the wanted blobs under `tree` to `out`; memo: tree -> 1 (none below), 2 (some). */
static bool tip_collect(struct src_git *g, const git_oid *tree, struct oidmap *memo,
                        struct oidmap *out, int depth)
{
    size_t *m = oidmap_slot(memo, tree, false, NULL);
    struct gt_iter it;
    struct gt_entry e;
    bool any = false;
    unsigned char *copy;
    size_t len = 0;

    if ((m && *m == 1) || depth > 512 || !(copy = tree_copy(g, tree, &len)))
        return false;
    gt_init(&it, copy, len);
    while (gt_next(&it, &e)) {
        git_oid id;
        memcpy(id.id, e.oid, GIT_OID_RAWSZ);
        if (e.kind == GT_BLOB && oidmap_slot(&g->exp_blobs, &id, false, NULL)) {
            (void)oidmap_slot(out, &id, true, NULL);
            any = true;
        } else if (e.kind == GT_TREE && tip_collect(g, &id, memo, out, depth + 1)) {
            any = true;
        }
    }
    free(copy);
    *oidmap_slot(memo, tree, true, NULL) = any ? 2 : 1;
    return any;
}

static void tip_blobs(struct src_git *g, const git_oid *commit, struct oidmap *memo,
                      struct oidmap *out)
{
    git_commit *c = NULL;

    if (!bad_object(g, commit) && git_commit_lookup(&c, g->repo, commit) == 0)
        tip_collect(g, git_commit_tree_id(c), memo, out, 0);
    git_commit_free(c);
}

/* Commit `i` of HEAD's first-parent line has `id` (of kind `kind`) at node n's path, or
 * nothing: record what left a wanted path, descend where the tree changed. */
static void chain_update(struct src_git *g, struct rnode *n, bool present, enum gt_kind kind,
                         const git_oid *id, size_t i, int depth)
{
    if (n->wanted && n->present && (!present || !oid_eq(&n->cur, id)))
        *oidmap_slot(&n->removed, &n->cur, true, NULL) = i;
    if (n->n_kids && depth < 512) {
        bool was_tree = n->present && n->is_tree;
        if (present && kind == GT_TREE) {
            if (!was_tree || !oid_eq(&n->cur, id)) {
                size_t len = 0;
                unsigned char *o = tree_copy(g, id, &len);
                for (size_t k = 0; k < n->n_kids; k++) {
                    struct rnode *kid = n->kids[k];
                    struct gt_entry e;
                    git_oid cid;
                    bool found = o && gt_find(o, len, kid->name, strlen(kid->name), &e);
                    if (found)
                        memcpy(cid.id, e.oid, GIT_OID_RAWSZ);
                    chain_update(g, kid, found, found ? e.kind : GT_OTHER, &cid, i, depth + 1);
                }
                free(o);
            }
        } else if (was_tree) {
            for (size_t k = 0; k < n->n_kids; k++)
                chain_update(g, n->kids[k], false, GT_OTHER, NULL, i, depth + 1);
        }
    }
    n->present = present;
    n->is_tree = present && kind == GT_TREE;
    if (present)
        n->cur = *id;
}

static void exposure_release(struct src_git *g)
{
    oidmap_release(&g->head_blobs);
    for (size_t i = 0; i < g->n_branches; i++) {
        free(g->branches[i].name);
        oidmap_release(&g->branches[i].blobs);
    }
    free(g->branches);
    g->branches = NULL;
    g->n_branches = 0;
    free(g->branch_scratch);
    g->branch_scratch = NULL;
    free(g->chain);
    g->chain = NULL;
    g->n_chain = 0;
    free(g->msg_bits);
    g->msg_bits = NULL;
    g->words_per_msg = 0;
}

/* Branch tips examined for exposure: local and remote-tracking branches. */
#define MAX_EXPOSURE_BRANCHES 256

/* Which of `tips` (HEAD, then the branches) reach each commit of g->exp_msgs: the commit
 * graph below the tips, walked once (tolerating missing and bad objects, stopping at a
 * shallow boundary), then bits passed from children to parents in topological order
 * (Kahn's). Only run when a commit message has a finding. */
static void msg_reach(struct src_git *g, const git_oid *tips, const bool *have, size_t n_tips)
{
    struct rnodec {
        git_oid id;
        uint32_t first, n_par; /* its parents in par[first, first + n_par) */
        uint32_t children;
    } *nodes = NULL;
    size_t n_nodes = 0, cap_nodes = 0, n_par = 0, cap_par = 0, w;
    uint32_t *par = NULL, *queue;
    uint64_t *bits;
    struct oidmap index = { 0 }, shallow = { 0 };
    size_t qh = 0, qt = 0;

    g->words_per_msg = w = (n_tips + 63) / 64;
    g->msg_bits = xcalloc((g->exp_msgs.used ? g->exp_msgs.used : 1) * w, sizeof(uint64_t));
    read_shallow(g, &shallow);
    /* nodes: the tips, then every parent seen; node v is read when the loop reaches it */
    for (size_t t = 0; t < n_tips; t++) {
        bool created;
        size_t *slot;
        if (!have[t])
            continue;
        slot = oidmap_slot(&index, &tips[t], true, &created);
        if (created) {
            XGROW(nodes, cap_nodes, n_nodes + 1);
            memset(&nodes[n_nodes], 0, sizeof(nodes[n_nodes]));
            nodes[n_nodes].id = tips[t];
            *slot = n_nodes++;
        }
    }
    for (size_t v = 0; v < n_nodes && n_nodes < UINT32_MAX; v++) {
        git_commit *c = NULL;
        git_oid id = nodes[v].id;
        nodes[v].first = (uint32_t)n_par;
        if (bad_object(g, &id) || git_commit_lookup(&c, g->repo, &id) != 0)
            continue;
        if (!oidmap_slot(&shallow, &id, false, NULL)) {
            for (unsigned k = 0; k < git_commit_parentcount(c); k++) {
                bool created;
                size_t *slot = oidmap_slot(&index, git_commit_parent_id(c, k), true, &created);
                if (created) {
                    XGROW(nodes, cap_nodes, n_nodes + 1);
                    memset(&nodes[n_nodes], 0, sizeof(nodes[n_nodes]));
                    nodes[n_nodes].id = *git_commit_parent_id(c, k);
                    *slot = n_nodes++;
                }
                XGROW(par, cap_par, n_par + 1);
                par[n_par++] = (uint32_t)*slot;
                nodes[*slot].children++;
                nodes[v].n_par++;
            }
        }
        git_commit_free(c);
    }
    bits = xcalloc((n_nodes ? n_nodes : 1) * w, sizeof(uint64_t));
    for (size_t t = 0; t < n_tips; t++) {
        size_t *slot = have[t] ? oidmap_slot(&index, &tips[t], false, NULL) : NULL;
        if (slot)
            bits[*slot * w + t / 64] |= (uint64_t)1 << (t % 64);
    }
    queue = xmalloc((n_nodes ? n_nodes : 1) * sizeof(*queue));
    for (size_t v = 0; v < n_nodes; v++)
        if (nodes[v].children == 0)
            queue[qt++] = (uint32_t)v;
    while (qh < qt) {
        uint32_t v = queue[qh++];
        for (uint32_t k = 0; k < nodes[v].n_par; k++) {
            uint32_t p = par[nodes[v].first + k];
            for (size_t j = 0; j < w; j++)
                bits[(size_t)p * w + j] |= bits[(size_t)v * w + j];
            if (--nodes[p].children == 0)
                queue[qt++] = p;
        }
    }
    for (size_t i = 0; i < g->exp_msgs.size; i++) {
        size_t *slot;
        if (oid_is_zero(&g->exp_msgs.keys[i]))
            continue;
        if ((slot = oidmap_slot(&index, &g->exp_msgs.keys[i], false, NULL)))
            memcpy(g->msg_bits + g->exp_msgs.vals[i] * w, bits + *slot * w, w * sizeof(*bits));
    }
    free(queue);
    free(bits);
    free(par);
    free(nodes);
    oidmap_release(&index);
    oidmap_release(&shallow);
}

static void exposure_prepare(struct src_git *g)
{
    git_reference_iterator *it = NULL;
    git_reference *ref;
    git_oid head, tips[1 + MAX_EXPOSURE_BRANCHES];
    bool have[1 + MAX_EXPOSURE_BRANCHES];
    struct oidmap memo = { 0 };
    bool have_head;

    exposure_release(g);
    g->exposure_ready = true;
    have_head = git_reference_name_to_id(&head, g->repo, "HEAD") == 0;
    tips[0] = head;
    have[0] = have_head;
    if (have_head)
        tip_blobs(g, &head, &memo, &g->head_blobs);
    if (git_reference_iterator_glob_new(&it, g->repo, "refs/*") == 0) {
        while (git_reference_next(&ref, it) == 0) {
            const char *name = git_reference_name(ref);
            git_object *obj = NULL;
            bool is_branch = strncmp(name, "refs/heads/", 11) == 0 ||
                             (strncmp(name, "refs/remotes/", 13) == 0 &&
                              strcmp(name + strlen(name) - 5, "/HEAD") != 0);
            /* peel: no object libgit2 must not read is looked up on the way */
            if (is_branch && g->n_branches < MAX_EXPOSURE_BRANCHES &&
                peel(g, ref, &obj, false) == 0 && git_object_type(obj) == GIT_OBJECT_COMMIT) {
                struct branch_set *bs;
                g->branches = xrealloc(g->branches, (g->n_branches + 1) * sizeof(*g->branches));
                tips[1 + g->n_branches] = *git_object_id(obj);
                have[1 + g->n_branches] = true;
                bs = &g->branches[g->n_branches++];
                memset(bs, 0, sizeof(*bs));
                bs->name = xstrdup(name + (name[5] == 'h' ? 11 : 13));
                tip_blobs(g, git_object_id(obj), &memo, &bs->blobs);
            }
            git_object_free(obj);
            git_reference_free(ref);
        }
        git_reference_iterator_free(it);
    }
    g->branch_scratch = xcalloc(g->n_branches + 1, sizeof(char *));
    oidmap_release(&memo);
    if (g->exp_msgs.used)
        msg_reach(g, tips, have, 1 + g->n_branches);
    if (!have_head || !g->rroot)
        return;
    /* Removals: HEAD's first-parent line, oldest first, each wanted path followed. It is
     * walked here rather than by libgit2's revwalk, which would read objects it must
     * not (bad_object: it loops forever on some). */
    {
        struct oidmap seen = { 0 };
        size_t cap = 0;
        bool created = true;
        for (git_oid at = head; created;) {
            git_commit *c = NULL;
            (void)oidmap_slot(&seen, &at, true, &created);
            if (!created)
                break;
            XGROW(g->chain, cap, g->n_chain + 1);
            git_oid_cpy(&g->chain[g->n_chain++], &at);
            if (bad_object(g, &at) || git_commit_lookup(&c, g->repo, &at) != 0 ||
                git_commit_parentcount(c) == 0) {
                git_commit_free(c);
                break;
            }
            at = *git_commit_parent_id(c, 0);
            git_commit_free(c);
        }
        oidmap_release(&seen);
        for (size_t i = 0, j = g->n_chain; i + 1 < j; i++, j--) {
            git_oid t = g->chain[i];
            g->chain[i] = g->chain[j - 1];
            g->chain[j - 1] = t;
        }
    }
    rnode_reset(g->rroot);
    for (size_t i = 0; i < g->n_chain; i++) {
        git_commit *c = NULL;
        bool ok = !bad_object(g, &g->chain[i]) &&
                  git_commit_lookup(&c, g->repo, &g->chain[i]) == 0;
        chain_update(g, g->rroot, ok, GT_TREE, ok ? git_commit_tree_id(c) : NULL, i, 0);
        git_commit_free(c);
    }
}

enum status src_git_exposure(struct src_git *g, const char *blob_hex, const char *path,
                             struct src_git_exposure *out)
{
    git_oid oid;
    size_t *bi;
    size_t nb = 0;
    static _Thread_local char removed_hex[GIT_OID_HEXSZ + 1];

    memset(out, 0, sizeof(*out));
    if (git_oid_fromstr(&oid, blob_hex) != 0)
        return fail(STATUS_BUG, "bad blob id '%s'", blob_hex);
    src_git_exposure_want(g, blob_hex, path);
    if (!g->exposure_ready)
        exposure_prepare(g);
    if ((bi = oidmap_slot(&g->msg_index, &oid, false, NULL))) {
        /* A message stays with its commit: exposed on every branch whose history holds
         * the commit (HEAD's when only a detached HEAD does); a tag's, in history. */
        const struct gmsg *m = &g->msgs[*bi];
        size_t *e = oidmap_slot(&g->exp_msgs, &oid, false, NULL);
        const uint64_t *bits = e && g->msg_bits ? g->msg_bits + *e * g->words_per_msg : NULL;
        out->unreachable = m->unreachable;
        for (size_t b = 0; bits && b < g->n_branches; b++)
            if (bits[(b + 1) / 64] >> ((b + 1) % 64) & 1)
                g->branch_scratch[nb++] = g->branches[b].name;
        out->branches = (const char *const *)g->branch_scratch;
        out->n_branches = nb;
        out->at_head = nb == 0 && bits && (bits[0] & 1);
        return STATUS_OK;
    }
    out->at_head = oidmap_slot(&g->head_blobs, &oid, false, NULL) != NULL;
    for (size_t i = 0; i < g->n_branches; i++)
        if (oidmap_slot(&g->branches[i].blobs, &oid, false, NULL))
            g->branch_scratch[nb++] = g->branches[i].name;
    out->branches = (const char *const *)g->branch_scratch;
    out->n_branches = nb;
    bi = oidmap_slot(&g->blob_index, &oid, false, NULL);
    if (bi) {
        const struct gblob *b = &g->blobs[*bi];
        out->unreachable = true;
        for (size_t k = 0; k < b->n_prov; k++) {
            size_t c = g->prov[b->prov[k]].commit;
            if (c == PROV_STAGED)
                out->uncommitted = true;
            if (c == PROV_STAGED || c == PROV_REF ||
                (PROV_IS_COMMIT(c) && !g->commit_unreachable[c]))
                out->unreachable = false;
        }
    }
    if (path && g->n_chain && g->rroot) {
        struct rnode *n = rnode_path(g->rroot, git_path_of(g, &oid, path), false);
        size_t *at = n ? oidmap_slot(&n->removed, &oid, false, NULL) : NULL;
        if (at) {
            git_oid_tostr(removed_hex, sizeof(removed_hex), &g->chain[*at]);
            out->removed_in = removed_hex;
        }
    }
    return STATUS_OK;
}

enum status src_git_hooks_dir(const char *path, char **out)
{
    git_repository *repo = NULL;
    git_config *cfg = NULL;
    git_buf hp = GIT_BUF_INIT;
    enum status st = STATUS_OK;

    *out = NULL;
    if (git_repository_open_ext(&repo, path, 0, NULL) != 0)
        return fail(STATUS_IO, "'%s': not a git repository: %s", path, git_message());
    if (git_repository_config(&cfg, repo) == 0 &&
        git_config_get_path(&hp, cfg, "core.hooksPath") == 0 && hp.ptr && *hp.ptr) {
        /* Relative to the work tree, or to GIT_DIR in a bare repository (as git does). */
        const char *base = git_repository_workdir(repo);
        if (!base)
            base = git_repository_path(repo);
        if (hp.ptr[0] == '/')
            *out = xstrdup(hp.ptr);
        else
            *out = xasprintf("%s%s", base, hp.ptr);
    } else {
        *out = xasprintf("%shooks", git_repository_path(repo));
    }
    git_buf_dispose(&hp);
    git_config_free(cfg);
    git_repository_free(repo);
    return st;
}
