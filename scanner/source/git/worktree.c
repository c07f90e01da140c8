/*
 * source/git/worktree.c - the files of the work tree that history does not hold.
 *
 * What it does: list uncommitted, untracked and ignored files (libgit2's status), walk
 * ignored or untracked directories ourselves, and plan staged content the work tree no
 * longer has as blobs. The files are paths for the file reader (src_git_worktree).
 * What it does not: read them.
 * The tricky point: libgit2 would list every file below an ignored directory before the
 * excludes could prune it (build trees, node_modules), so such directories come as one
 * entry and are walked here, pruned as we go.
 */
#include "source/git/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/log.h"
#include "base/xalloc.h"

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
        /* "." shows "k.env", as history does, not "./k.env" */
        char *shown = strcmp(g->path, ".") == 0 || strcmp(g->path, "./") == 0
                          ? xstrdup(rel)
                          : xasprintf("%.*s/%s",
                                      (int)(pl > 1 && g->path[pl - 1] == '/' ? pl - 1 : pl),
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

enum status plan_worktree(struct src_git *g)
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
        log_warn("'%s': cannot list uncommitted files: %s", g->path, libgit2_message());
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
