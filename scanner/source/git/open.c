/*
 * source/git/open.c - open and free a repository (struct src_git), and the libgit2
 * hazards dealt with before anything is read.
 *
 * What it does: open the repository and its packs, check what libgit2 1.5 must never be
 * handed (loose objects whose zlib stream is broken, packed objects whose delta chain
 * never ends: it spins forever on both), warn about grafts a newer libgit2 would apply,
 * plan (plan.c, worktree.c) and order the reads (read.c).
 * What it does not: walk history or read blobs.
 * The tricky point: every check here must happen before the first object is looked up,
 * since libgit2 may hang on the first broken one it reads.
 */
#include "source/git/internal.h"
#include "source/git/cgraph.h"
#include "source/git/noca.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "base/hex.h"
#include "base/log.h"
#include "base/xalloc.h"

const char *libgit2_message(void)
{
    const git_error *e = git_error_last();
    return e && e->message ? e->message : "unknown libgit2 error";
}

/* libgit2 is loaded and initialised on first use, not at start: the library brings
 * mbedTLS, libssh2 and Kerberos (about 1.4 ms of every start, lazy.h), and
 * git_libgit2_init() would parse the system's CA bundle for HTTPS transports sesame
 * never uses (5.8 ms of CPU; noca.h keeps it from doing so). So a command that reads no
 * repository (`sesame version`, a scan of a directory tree or an archive) pays nothing,
 * and a hook has it done on the second core while it reads its input and loads the
 * rules (src_git_prefetch). Every public function below that can be called before a
 * repository is open calls ready() first, and calls no libgit2 function when it is false
 * (the library cannot be loaded: lg_error() says why); the others need an open
 * repository, so it is loaded by then. */
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static bool initialised;
static pthread_t prefetch_tid;
static bool prefetching;

static void init_libgit2(void)
{
    if (!lg_load())
        return;
    noca_skip(true); /* no CA bundle for transports never used (noca.h) */
    git_libgit2_init();
    noca_skip(false);
    /* A repository owned by another user (CI checkouts, audits) is safe to open: nothing
     * of it is run. */
    (void)git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
    /* Like `git cat-file`, do not re-hash every object read: the SHA-1 check was 43% of
     * the time spent reading history (benches/RESULTS.md). Corruption still fails zlib. */
    (void)git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
    initialised = true;
}

static bool ready(void)
{
    pthread_once(&init_once, init_libgit2);
    return initialised;
}

/* The one-line error of a run that needs libgit2 and cannot load it. */
static enum status unloadable(const char *path)
{
    return fail(STATUS_IO, "'%s': the git repository cannot be read: %s", path, lg_error());
}

/* A question about `path` that libgit2 answers, asked without it: warned once, with why
 * (the run goes on, taking `path` for no repository). */
static void unanswered(const char *path)
{
    static atomic_bool warned;

    if (!atomic_exchange(&warned, true))
        log_warn("cannot tell whether '%s' is in a git repository: %s", path, lg_error());
}

static void *prefetch_main(void *arg)
{
    (void)arg;
    (void)ready(); /* a failure is reported by the first function that needs it */
    return NULL;
}

void src_git_init(void)
{
    /* nothing yet: ready() or src_git_prefetch() */
}

void src_git_prefetch(void)
{
    if (!prefetching && pthread_create(&prefetch_tid, NULL, prefetch_main, NULL) == 0)
        prefetching = true;
}

void src_git_without_network(void)
{
    lg_without_network();
}

bool src_git_without_network_used(void)
{
    return initialised && lg_nonet_used();
}

void src_git_shutdown(void)
{
    if (prefetching)
        pthread_join(prefetch_tid, NULL);
    prefetching = false;
    /* once per process: libgit2 is not initialised again after this */
    if (initialised)
        git_libgit2_shutdown();
    initialised = false;
}

/* Could `path` (or, with `up`, a directory above it) be a repository as libgit2 finds
 * one? Its work tree has a ".git" entry, or it is a git directory, which has a HEAD
 * file. Where no such entry exists libgit2 would find nothing: the answer is known
 * without initialising it (a scan of a plain directory never does). Conservative: true
 * when unsure (a path that cannot be resolved). */
static bool maybe_repo(const char *path, bool up)
{
    char *dir = realpath(path, NULL);
    bool maybe = false;

    if (!dir)
        return true;
    for (;;) {
        size_t n = strlen(dir);
        char *probe = xasprintf("%s/.git", n == 1 ? "" : dir);
        struct stat sb;
        maybe = lstat(probe, &sb) == 0;
        free(probe);
        if (!maybe) {
            probe = xasprintf("%s/HEAD", n == 1 ? "" : dir);
            maybe = stat(probe, &sb) == 0;
            free(probe);
        }
        if (maybe || !up || n == 1)
            break;
        while (n > 1 && dir[n - 1] != '/')
            n--;
        dir[n > 1 ? n - 1 : 1] = '\0'; /* the parent ("/" for a top-level directory) */
    }
    free(dir);
    return maybe;
}

bool src_git_is_repo(const char *path)
{
    git_repository *repo = NULL;
    int rc;

    if (!maybe_repo(path, false))
        return false;
    /* without libgit2, a likely repository is taken for one: src_git_open then fails,
     * saying why, rather than its history being silently skipped */
    if (!ready())
        return true;
    rc = git_repository_open_ext(&repo, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);

    git_repository_free(repo);
    return rc == 0;
}

bool src_git_is_bare(const char *path)
{
    git_repository *repo = NULL;
    bool bare;

    if (!maybe_repo(path, false))
        return false;
    if (!ready()) {
        unanswered(path);
        return false;
    }
    bare = git_repository_open_ext(&repo, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) == 0 &&
                git_repository_is_bare(repo);

    git_repository_free(repo);
    return bare;
}

char *src_git_discover(const char *path)
{
    git_repository *repo = NULL;
    const char *top;
    char *out = NULL;

    if (!maybe_repo(path, true))
        return NULL;
    if (!ready()) {
        /* (a likely repository itself is taken for one by src_git_is_repo: opening it
         * then fails, saying why, without this line too) */
        if (!maybe_repo(path, false))
            unanswered(path);
        return NULL;
    }
    if (git_repository_open_ext(&repo, path, 0, NULL) != 0)
        return NULL;
    top = git_repository_is_bare(repo) ? git_repository_path(repo) : git_repository_workdir(repo);
    if (top && *top) {
        size_t n = strlen(top);
        while (n > 1 && top[n - 1] == '/')
            n--;
        out = xstrndup(top, n);
    }
    git_repository_free(repo);
    return out;
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

const char *src_git_item_id(const struct src_git *g, size_t i)
{
    return i < g->n_blobs ? g->blobs[i].hex : g->msgs[i - g->n_blobs].hex;
}

size_t src_git_ref_tips(const struct src_git *g, const char *const **names,
                        const char *const **ids)
{
    *names = (const char *const *)g->tip_names;
    *ids = (const char *const *)g->tip_ids;
    return g->n_tips;
}

const char *const *src_git_worktree(const struct src_git *g, size_t *n)
{
    *n = g->n_worktree;
    return (const char *const *)g->worktree;
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
    bool present[256] = { false };
    DIR *top = opendir(objects);
    struct dirent *te;

    /* git makes objects/xx/ when it first writes a loose object there: a packed
     * repository has few or none, so only those that exist are opened, not all 256 */
    while (top && (te = readdir(top))) {
        int hi = hex_digit((unsigned char)te->d_name[0]);
        int lo = hi < 0 ? -1 : hex_digit((unsigned char)te->d_name[1]);
        if (lo >= 0 && te->d_name[2] == '\0')
            present[hi * 16 + lo] = true;
    }
    if (top)
        closedir(top);
    for (int i = 0; i < 256; i++) {
        char *dir;
        DIR *d;
        struct dirent *de;
        if (!present[i])
            continue;
        dir = xasprintf("%s/%02x", objects, i);
        d = opendir(dir);
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
                (void)oidmap_add(&g->bad_loose, &id, NULL);
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

git_repository *open_like(const struct src_git *g)
{
    git_repository *repo = NULL;
    int rc = g->opts.from_env
                 ? git_repository_open_ext(&repo, NULL, GIT_REPOSITORY_OPEN_FROM_ENV, NULL)
                 : git_repository_open_ext(&repo, g->gitdir, GIT_REPOSITORY_OPEN_NO_SEARCH,
                                           NULL);
    return rc == 0 ? repo : NULL;
}

/* Commit ids of a shallow repository's boundary ($GIT_DIR/shallow): their parents are
 * missing by design. libgit2 1.5 does not read this file. */
void read_shallow(const struct src_git *g, struct oidmap *out)
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
            (void)oidmap_add(out, &id, NULL);
    }
    fclose(f);
}

bool is_shallow(const struct src_git *g)
{
    char *path = xasprintf("%sshallow", g->gitdir);
    bool yes = access(path, F_OK) == 0;

    free(path);
    return yes;
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
        (void)oidmap_add(&g->bad_loose, &id, NULL);
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
                !g->opts.staged) {
                mark_unresolvable(g, p, de->d_name);
                gitpack_release_pages(p); /* the pass over its headers touched all of it */
            }
        }
        free(path);
    }
    if (d)
        closedir(d);
    free(dir);
}

/* remote.NAME.promisor = true. Matched by hand: libgit2 1.5's regex matching (PCRE2)
 * leaks its match data, which git_config_foreach_match would use. */
static int promisor_entry(const git_config_entry *e, void *payload)
{
    int on = 0;
    size_t n = strlen(e->name);

    (void)payload;
    if (strncasecmp(e->name, "remote.", 7) != 0 || n < 16 ||
        strcasecmp(e->name + n - 9, ".promisor") != 0)
        return 0;
    return git_config_parse_bool(&on, e->value) == 0 && on ? 1 : 0; /* 1 stops: found */
}

/* A partial clone (`git clone --filter=blob:none`) lacks blobs on purpose: git fetches
 * them on demand from a promisor remote, which sesame does not do. */
static bool is_partial_clone(const struct src_git *g)
{
    git_config *cfg = NULL;
    git_buf v = { 0 };
    bool yes = false;

    if (git_repository_config_snapshot(&cfg, g->repo) != 0)
        return false;
    if (git_config_get_string_buf(&v, cfg, "extensions.partialclone") == 0 && v.size)
        yes = true;
    git_buf_dispose(&v);
    if (!yes) /* git 2.3x: remote.NAME.promisor=true */
        yes = git_config_foreach(cfg, promisor_entry, NULL) == 1;
    git_config_free(cfg);
    return yes;
}

enum status src_git_open(struct src_git **out, const char *path, const struct src_git_opts *o)
{
    struct src_git *g;
    enum status st = STATUS_OK;

    *out = NULL;
    if (!ready())
        return unloadable(path);
    g = xcalloc(1, sizeof(*g));
    g->path = xstrdup(path);
    g->opts = *o;
    /* sesame only reads objects: it runs no hooks, filters or config commands, so a
     * repository owned by another user (CI checkouts, audits) is safe to open. */
    (void)git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
    if (git_repository_open_ext(&g->repo, o->from_env ? NULL : path,
                                o->from_env ? GIT_REPOSITORY_OPEN_FROM_ENV
                                            : GIT_REPOSITORY_OPEN_NO_SEARCH,
                                NULL) != 0) {
        st = fail(STATUS_IO, "'%s': not a readable git repository: %s", path, libgit2_message());
        goto out;
    }
    g->gitdir = xstrdup(git_repository_path(g->repo));
    if (git_repository_odb(&g->odb, g->repo) != 0) {
        st = fail(STATUS_IO, "'%s': cannot open the object database: %s", path, libgit2_message());
        goto out;
    }
    check_loose_objects(g);
    check_grafts(g);
    g->partial_clone = is_partial_clone(g);
    if (g->partial_clone && !o->from_env)
        log_warn("'%s' is a partial clone: blobs git did not fetch cannot be scanned (each "
                 "is a warning below); `git fetch --refetch` fetches them", path);
    open_packs(g);
    if (!git_repository_is_bare(g->repo) && git_repository_workdir(g->repo))
        g->workdir = xstrdup(git_repository_workdir(g->repo));
    if (git_repository_is_empty(g->repo) == 1 && !o->staged && !o->all_objects &&
        !o->n_tips) {
        /* (a push into an empty repository has tips: its commits are planned) */
        /* Nothing committed yet: only the working tree. */
    } else if (o->staged) {
        st = plan_staged(g);
    } else {
        /* a whole history (plan_history defers it): its blobs are read meanwhile */
        if (!o->rev_range && !o->since_commit && !o->n_tips && !o->n_since)
            prescan_start(g);
        st = plan_history(g);
    }
    if (st != STATUS_OK)
        goto out;
    if (o->worktree && !o->staged && !o->rev_range && !o->since_commit && !o->n_tips)
        st = plan_worktree(g);
    g->counts.blobs = g->n_blobs;
    prescan_stop(g); /* order_blobs orders only what it did not read clean */
    order_blobs(g);
out:
    prescan_stop(g);
    if (st != STATUS_OK) {
        src_git_free(g);
        return st;
    }
    *out = g;
    return STATUS_OK;
}

void src_git_free(struct src_git *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->n_commits; i++)
        commit_info_free(g->commits[i]);
    free(g->commits);
    oidmap_release(&g->commit_index);
    oidmap_release(&g->unreachable_commits);
    oidmap_release(&g->walked_at);
    oidmap_release(&g->bad_loose);
    free(g->commit_unreachable);
    graph_release(&g->tg);
    free(g->walked.v);
    free(g->walked_roots.v);
    attribution_release(g);
    paths_release(g);
    free(g->prov);
    for (size_t i = 0; i < g->n_blobs; i++)
        free(g->blobs[i].prov);
    free(g->blobs);
    hashmap_release(&g->blob_index);
    free(g->msgs);
    hashmap_release(&g->msg_index);
    prescan_free(g);
    gitpack_reader_free(g->tree_reader);
    cgraph_close(g->graph);
    for (size_t i = 0; i < g->n_packs; i++)
        gitpack_close(g->packs[i]);
    free(g->packs);
    for (size_t i = 0; i < g->n_worktree; i++)
        free(g->worktree[i]);
    free(g->worktree);
    for (size_t i = 0; i < g->n_tips; i++) {
        free(g->tip_names[i]);
        free(g->tip_ids[i]);
    }
    free(g->tip_names);
    free(g->tip_ids);
    exposure_free(g);
    git_odb_free(g->odb);
    git_repository_free(g->repo);
    free(g->gitdir);
    free(g->workdir);
    free(g->path);
    free(g);
}

enum status src_git_hooks_dir(const char *path, char **out)
{
    git_repository *repo = NULL;
    git_config *cfg = NULL;
    git_buf hp = GIT_BUF_INIT;
    enum status st = STATUS_OK;

    *out = NULL;
    if (!ready())
        return unloadable(path);
    if (git_repository_open_ext(&repo, path, 0, NULL) != 0)
        return fail(STATUS_IO, "'%s': not a git repository: %s", path, libgit2_message());
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
