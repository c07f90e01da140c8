/*
 * benches/hs_expr_bench.c - what each Hyperscan expression of sesame's database costs.
 *
 * The engine's own expressions (engine_each_expression: the rules' prefilters or
 * patterns, then the decoders' triggers, with the engine's flags), grouped by label (a
 * rule, or one kind of trigger: the 50-odd base64 anchors are one group, the UTF-16
 * words another). Each database - the full one, each group alone, the full one without
 * each group - is compiled and hs_scan runs over every buffer of the corpus with a
 * callback that only counts; the process CPU time of the pass, best of --rounds, is the
 * figure. Built only on request (`cmake --build build-bench --target hs_expr_bench`),
 * never by the test run.
 *
 *   hs_expr_bench [--rounds N] [--rules FILE]... [--drop LABEL]... [--exprs FILE] [--full-only]
 *                 CORPUS...
 *
 * CORPUS: a file named *.batch is `git cat-file --batch` output (each object one buffer;
 * a truncated last object is dropped), a directory is walked (each regular file one
 * buffer), any other file is one buffer. Buffers over 8 MiB are cut in 8 MiB chunks as
 * the scanner does. --rules adds a rules file (a rule with an existing id replaces it):
 * the way to time a prefilter before writing it into patterns/aws.json. --drop leaves a
 * group out of every database (what several groups cost together). --exprs FILE times
 * the expressions of FILE instead, one a line: "FLAGS<tab>EXPRESSION" (FLAGS the sum of
 * Hyperscan's HS_FLAG_* values), each line its own group; --dump prints the engine's
 * expressions in that form.
 */
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <hs.h>

#include "match/engine.h"
#include "rules/rule.h"

#define CHUNK (8u << 20)

struct expr {
    char *expr, *label;
    unsigned flags;
};
static struct expr *exprs;
static unsigned n_exprs;

struct buf {
    const char *p;
    unsigned len;
};
static struct buf *bufs;
static size_t n_bufs, cap_bufs, total_bytes;

static void add_expr(void *ctx, const char *expr, unsigned flags, const char *label)
{
    (void)ctx;
    exprs = realloc(exprs, (n_exprs + 1) * sizeof(*exprs));
    exprs[n_exprs].expr = strdup(expr);
    exprs[n_exprs].label = strdup(label);
    exprs[n_exprs].flags = flags;
    n_exprs++;
}

static void add_buf(const char *p, size_t len)
{
    while (len > 0) {
        size_t n = len > CHUNK ? CHUNK : len;
        if (n_bufs == cap_bufs) {
            cap_bufs = cap_bufs ? cap_bufs * 2 : 4096;
            bufs = realloc(bufs, cap_bufs * sizeof(*bufs));
        }
        bufs[n_bufs].p = p;
        bufs[n_bufs].len = (unsigned)n;
        n_bufs++;
        total_bytes += n;
        p += n;
        len -= n;
    }
}

static char *slurp(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY);
    struct stat st;
    char *p;
    size_t got = 0;

    if (fd < 0 || fstat(fd, &st) != 0) {
        perror(path);
        exit(2);
    }
    p = malloc((size_t)st.st_size + 1);
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, p + got, (size_t)st.st_size - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    *len = got;
    return p;
}

static void load_batch(const char *path)
{
    size_t len, at = 0;
    char *p = slurp(path, &len);

    while (at < len) {
        char *nl = memchr(p + at, '\n', len - at);
        char head[256];
        size_t size, hl;
        if (!nl || (hl = (size_t)(nl - (p + at))) >= sizeof(head))
            break;
        memcpy(head, p + at, hl);
        head[hl] = '\0';
        if (!strrchr(head, ' ') || sscanf(strrchr(head, ' '), " %zu", &size) != 1)
            break;
        at = (size_t)(nl - p) + 1;
        if (at + size > len)
            break; /* truncated by head -c */
        add_buf(p + at, size);
        at += size + 1;
    }
}

static int walk_one(const char *path, const struct stat *st, int type, struct FTW *f)
{
    (void)st;
    (void)f;
    if (type == FTW_F) {
        size_t len;
        char *p = slurp(path, &len);
        add_buf(p, len);
    }
    return 0;
}

static int count_hit(unsigned id, unsigned long long from, unsigned long long to,
                     unsigned flags, void *ctx)
{
    (void)id;
    (void)from;
    (void)to;
    (void)flags;
    ++*(unsigned long long *)ctx;
    return 0;
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Compile the expressions selected by keep[] and time passes: best CPU seconds. */
static double time_db(const bool *keep, int rounds, unsigned long long *hits)
{
    const char **ex = malloc(n_exprs * sizeof(*ex));
    unsigned *fl = malloc(n_exprs * sizeof(*fl)), *ids = malloc(n_exprs * sizeof(*ids)), n = 0;
    hs_database_t *db = NULL;
    hs_scratch_t *scratch = NULL;
    hs_compile_error_t *err = NULL;
    double best = 1e30;

    for (unsigned i = 0; i < n_exprs; i++)
        if (keep[i]) {
            ex[n] = exprs[i].expr;
            fl[n] = exprs[i].flags;
            ids[n] = i;
            n++;
        }
    if (hs_compile_multi(ex, fl, ids, n, HS_MODE_BLOCK, NULL, &db, &err) != HS_SUCCESS) {
        fprintf(stderr, "compile: %s (expression %d)\n", err->message, err->expression);
        exit(1);
    }
    hs_alloc_scratch(db, &scratch);
    for (int r = 0; r < rounds; r++) {
        double t0 = cpu_now();
        *hits = 0;
        for (size_t b = 0; b < n_bufs; b++)
            hs_scan(db, bufs[b].p, bufs[b].len, 0, scratch, count_hit, hits);
        double t = cpu_now() - t0;
        if (t < best)
            best = t;
    }
    hs_free_scratch(scratch);
    hs_free_database(db);
    free(ex);
    free(fl);
    free(ids);
    return best;
}

int main(int argc, char **argv)
{
    struct ruleset rs = RULESET_INIT;
    const char *extra[16];
    size_t n_extra = 0, n_drop = 0;
    const char *drop[64], *exprs_file = NULL;
    int rounds = 3, i;
    bool full_only = false, dump = false;

    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
            rounds = atoi(argv[++i]);
        else if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc && n_extra < 16)
            extra[n_extra++] = argv[++i];
        else if (strcmp(argv[i], "--drop") == 0 && i + 1 < argc && n_drop < 64)
            drop[n_drop++] = argv[++i];
        else if (strcmp(argv[i], "--exprs") == 0 && i + 1 < argc)
            exprs_file = argv[++i];
        else if (strcmp(argv[i], "--dump") == 0)
            dump = true;
        else if (strcmp(argv[i], "--full-only") == 0)
            full_only = true;
        else {
            fprintf(stderr, "usage: hs_expr_bench [--rounds N] [--rules FILE]... [--drop LABEL]... [--exprs FILE] [--dump] [--full-only] CORPUS...\n");
            return 2;
        }
    }
    if (dump) { /* the database's expressions, as --exprs reads them */
        if (ruleset_load(&rs, false, extra, n_extra) != 0)
            return 1;
        engine_each_expression(&rs, add_expr, NULL);
        for (unsigned k = 0; k < n_exprs; k++) {
            printf("%u\t", exprs[k].flags);
            for (const char *c = exprs[k].expr; *c; c++)
                fputs(*c == '\n' ? "\\n" : (char[]){ *c, 0 }, stdout); /* same class */
            putchar('\n');
        }
        return 0;
    }
    if (i == argc || rounds < 1) {
        fprintf(stderr, "hs_expr_bench: no corpus\n");
        return 2;
    }
    if (ruleset_load(&rs, false, extra, n_extra) != 0) {
        fprintf(stderr, "hs_expr_bench: cannot load the rules\n");
        return 1;
    }
    if (exprs_file) {
        FILE *f = fopen(exprs_file, "r");
        char line[4096], label[32];
        for (unsigned ln = 1; f && fgets(line, sizeof(line), f); ln++) {
            char *tab = strchr(line, '\t');
            if (!tab)
                continue;
            line[strcspn(line, "\n")] = '\0';
            snprintf(label, sizeof(label), "line %u", ln);
            add_expr(NULL, tab + 1, (unsigned)strtoul(line, NULL, 10), label);
        }
        if (!f) {
            perror(exprs_file);
            return 2;
        }
        fclose(f);
    } else {
        engine_each_expression(&rs, add_expr, NULL);
    }
    for (size_t d = 0; d < n_drop; d++) {
        unsigned k = 0;
        for (unsigned j = 0; j < n_exprs; j++)
            if (strcmp(exprs[j].label, drop[d]) != 0)
                exprs[k++] = exprs[j];
        if (k == n_exprs) {
            fprintf(stderr, "hs_expr_bench: --drop %s: no such group\n", drop[d]);
            return 2;
        }
        n_exprs = k;
    }
    for (; i < argc; i++) {
        struct stat st;
        size_t n = strlen(argv[i]);
        if (stat(argv[i], &st) != 0) {
            perror(argv[i]);
            return 2;
        }
        if (S_ISDIR(st.st_mode))
            nftw(argv[i], walk_one, 64, FTW_PHYS);
        else if (n > 6 && strcmp(argv[i] + n - 6, ".batch") == 0)
            load_batch(argv[i]);
        else {
            size_t len;
            char *p = slurp(argv[i], &len);
            add_buf(p, len);
        }
    }

    bool *keep = malloc(n_exprs * sizeof(*keep));
    unsigned long long hits;
    for (unsigned k = 0; k < n_exprs; k++)
        keep[k] = true;
    double full = time_db(keep, rounds, &hits);
    printf("corpus: %zu buffers, %zu bytes; %u expressions; best of %d passes, CPU s\n",
           n_bufs, total_bytes, n_exprs, rounds);
    printf("full database: %.3f s (%.2f GB/s), %llu hits\n", full,
           (double)total_bytes / full / 1e9, hits);
    if (full_only)
        return 0;
    printf("| group | expressions | alone s | alone hits | full without it s | full - without |\n");
    printf("|---|---:|---:|---:|---:|---:|\n");
    for (unsigned g = 0; g < n_exprs;) {
        unsigned end = g + 1;
        while (end < n_exprs && strcmp(exprs[end].label, exprs[g].label) == 0)
            end++;
        for (unsigned k = 0; k < n_exprs; k++)
            keep[k] = k >= g && k < end;
        double alone = time_db(keep, rounds, &hits);
        unsigned long long alone_hits = hits;
        for (unsigned k = 0; k < n_exprs; k++)
            keep[k] = !(k >= g && k < end);
        double loo = time_db(keep, rounds, &hits);
        printf("| %s | %u | %.3f | %llu | %.3f | %+.3f |\n", exprs[g].label, end - g, alone,
               alone_hits, loo, full - loo);
        fflush(stdout);
        g = end;
    }
    return 0;
}
