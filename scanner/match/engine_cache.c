/*
 * match/engine_cache.c - the on-disk cache of a compiled rule set: the Hyperscan database
 * and every pattern's width (hs_expression_info), so that a short run (a hook on a
 * 1-commit push) neither compiles nor analyses the patterns. Analysing them alone cost
 * about 6 ms of every start (benches/RESULTS.md, issue 16).
 *
 * File: <dir>/rules-<rules hash>-f<ENGINE_DB_FORMAT>-hs<version>-p<platform>.hsdb, made
 * of (integers little-endian)
 *   "SESAMEHS"  u32 format  u32 n_rules  u32 n_trig  u32 0  32-byte rules hash
 *   u32 width[n_rules + n_trig]  u64 db_len  db_len bytes of hs_serialize_database
 *   u64 checksum of every byte before it (engine_cache_sum: FNV-1a by 8-byte words)
 * The file is read as untrusted bytes: every field is checked against the engine being
 * built (format, counts, hash, widths within their cap, the length to the byte, the
 * checksum: Hyperscan's CRC covers only its own part, not the widths), and
 * Hyperscan checks its own part (magic, version, platform, CRC) before it is used; any
 * failure is a miss (the rules are compiled again and the file rewritten). The
 * directory must be the user's own and closed to others (engine_cache_dir_ok), since a
 * database with a valid CRC is still code for the matcher. Fuzzed by fuzz_engine_cache.
 */
#include "match/engine_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/limits.h"
#include "base/xalloc.h"
#include "rules/rule.h"

#define CACHE_MAGIC "SESAMEHS"
#define CACHE_HEAD (8 + 4 * 4 + 32)
/* A serialized database of the default rules is about 160 KB; user rule sets may be
 * larger, never this large. */
#define CACHE_MAX_BYTES (64u << 20)

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const unsigned char *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* FNV-1a over 8-byte little-endian words, then the bytes left: read at every start, and
 * eight times cheaper than byte by byte (0.2 ms of an empty scan's 10 ms for the
 * default rules' 160 KB). It finds damage; trust comes from the directory (below). */
uint64_t engine_cache_sum(const unsigned char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u;
    size_t i = 0;

    for (; i + 8 <= n; i += 8)
        h = (h ^ get64(p + i)) * 0x100000001b3u;
    for (; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3u;
    return h;
}

char *engine_cache_path(const struct engine *e, const char *dir)
{
    char hex[65];
    char ver[128];
    hs_platform_info_t plat;

    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", e->rs->hash[i]);
    snprintf(ver, sizeof(ver), "%s", hs_version());
    for (char *p = ver; *p; p++)
        if (!((*p >= '0' && *p <= '9') || *p == '.'))
            *p = '_';
    /* the host's CPU features: one home directory shared by different machines keeps
     * one file per kind of machine instead of rewriting one */
    if (hs_populate_platform(&plat) != HS_SUCCESS)
        memset(&plat, 0, sizeof(plat));
    return xasprintf("%s/rules-%.32s-f%d-hs%.20s-p%u.%llx.hsdb", dir, hex, ENGINE_DB_FORMAT, ver,
                     plat.tune, (unsigned long long)plat.cpu_features);
}

/* The cache directory must be ours and not writable by others: a database read from
 * it is trusted code for the matcher. */
bool engine_cache_dir_ok(const char *dir)
{
    struct stat st;

    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        char *parent = xstrdup(dir);
        char *slash = strrchr(parent, '/');
        if (slash && slash != parent) {
            *slash = '\0';
            (void)mkdir(parent, 0700);
        }
        free(parent);
        if (mkdir(dir, 0700) != 0 && errno != EEXIST)
            return false;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return false;
    return st.st_uid == geteuid() && (st.st_mode & 022) == 0;
}

static bool cache_parse(struct engine *e, const unsigned char *p, size_t len)
{
    size_t n_w, off;
    uint64_t db_len;
    size_t *rule_w;
    unsigned *trig_w;
    hs_database_t *db = NULL;

    if (e->db || len < CACHE_HEAD + 8 || engine_cache_sum(p, len - 8) != get64(p + len - 8))
        return false;
    len -= 8; /* the checksum */
    if (memcmp(p, CACHE_MAGIC, 8) != 0 ||
        get32(p + 8) != ENGINE_DB_FORMAT || get32(p + 12) != e->n_rules ||
        get32(p + 16) != e->n_trig || get32(p + 20) != 0 || memcmp(p + 24, e->rs->hash, 32) != 0)
        return false;
    n_w = (size_t)e->n_rules + e->n_trig;
    off = CACHE_HEAD;
    if ((len - off) / 4 < n_w || len - off - 4 * n_w < 8)
        return false;
    off += 4 * n_w;
    db_len = get64(p + off);
    off += 8;
    if (db_len == 0 || db_len != len - off)
        return false;
    rule_w = xcalloc(e->n_rules + 1, sizeof(*rule_w));
    trig_w = xcalloc(e->n_trig + 1, sizeof(*trig_w));
    for (size_t i = 0; i < n_w; i++) {
        uint32_t w = get32(p + CACHE_HEAD + 4 * i);
        if (w > LIMIT_MATCH_BYTES + LIMIT_VALUE_BYTES)
            goto bad;
        if (i < e->n_rules)
            rule_w[i] = w;
        else
            trig_w[i - e->n_rules] = w;
    }
    /* Hyperscan checks its header, version, platform and the CRC of the bytecode. */
    if (hs_deserialize_database((const char *)p + off, (size_t)db_len, &db) != HS_SUCCESS)
        goto bad;
    for (unsigned i = 0; i < e->n_rules; i++)
        e->cr[i].max_width = rule_w[i];
    memcpy(e->trig_width, trig_w, e->n_trig * sizeof(*trig_w));
    e->db = db;
    free(rule_w);
    free(trig_w);
    return true;
bad:
    free(rule_w);
    free(trig_w);
    return false;
}

bool engine_cache_load(struct engine *e, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    unsigned char *bytes = NULL;
    size_t got = 0;
    bool ok = false;

    if (fd < 0)
        return false;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
        (uint64_t)st.st_size > CACHE_MAX_BYTES || st.st_uid != geteuid())
        goto out;
    bytes = xmalloc((size_t)st.st_size);
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, bytes + got, (size_t)st.st_size - got);
        if (n <= 0) {
            if (n < 0 && errno == EINTR)
                continue;
            goto out;
        }
        got += (size_t)n;
    }
    ok = cache_parse(e, bytes, got);
out:
    free(bytes);
    close(fd);
    return ok;
}

bool engine_cache_reload(struct engine *e, const unsigned char *p, size_t len)
{
    hs_database_t *old = e->db;

    e->db = NULL;
    if (!cache_parse(e, p, len)) {
        e->db = old;
        return false;
    }
    hs_free_database(old);
    return true;
}

unsigned char *engine_cache_serialize(const struct engine *e, size_t *len_out)
{
    char *db = NULL;
    size_t db_len = 0, n_w = (size_t)e->n_rules + e->n_trig, len, off;
    unsigned char *out;

    if (hs_serialize_database(e->db, &db, &db_len) != HS_SUCCESS)
        return NULL;
    len = CACHE_HEAD + 4 * n_w + 8 + db_len + 8;
    out = xmalloc(len);
    memcpy(out, CACHE_MAGIC, 8);
    put32(out + 8, ENGINE_DB_FORMAT);
    put32(out + 12, e->n_rules);
    put32(out + 16, e->n_trig);
    put32(out + 20, 0);
    memcpy(out + 24, e->rs->hash, 32);
    off = CACHE_HEAD;
    for (size_t i = 0; i < n_w; i++, off += 4)
        put32(out + off, (uint32_t)(i < e->n_rules ? e->cr[i].max_width
                                                   : e->trig_width[i - e->n_rules]));
    put32(out + off, (uint32_t)db_len);
    put32(out + off + 4, (uint32_t)((uint64_t)db_len >> 32));
    memcpy(out + off + 8, db, db_len);
    off += 8 + db_len;
    {
        uint64_t h = engine_cache_sum(out, off);
        put32(out + off, (uint32_t)h);
        put32(out + off + 4, (uint32_t)(h >> 32));
    }
    free(db);
    *len_out = len;
    return out;
}

void engine_cache_store(const struct engine *e, const char *path)
{
    size_t len = 0;
    unsigned char *bytes = engine_cache_serialize(e, &len);
    char *tmp;
    int fd;
    bool ok = false;

    if (!bytes)
        return;
    tmp = xasprintf("%s.%ld.tmp", path, (long)getpid());
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        size_t off = 0;
        ok = true;
        while (off < len) {
            ssize_t n = write(fd, bytes + off, len - off);
            if (n <= 0) {
                if (n < 0 && errno == EINTR)
                    continue;
                ok = false;
                break;
            }
            off += (size_t)n;
        }
        if (close(fd) != 0)
            ok = false;
        if (!ok || rename(tmp, path) != 0)
            (void)unlink(tmp);
    }
    free(tmp);
    free(bytes);
}
