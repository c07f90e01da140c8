/*
 * json/json.c - jansson behind json.h; the only file that includes <jansson.h>.
 *
 * struct jv is never defined: a struct jv * is a json_t * under another name, so the
 * adapter adds no allocation and no copy. It does not interpret documents (each reader
 * checks its own fields). Two tricky points: jansson refuses strings that are not
 * UTF-8, so jv_strn repairs them first; and jansson's memory goes through a free that
 * wipes each block (all malloc_usable_size says it has) before freeing it: a report's
 * secrets pass through jansson's strings and its parser's buffers.
 */
#include "json/json.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/escape.h"
#include "base/xalloc.h"
#include "crypto/crypto.h"

#define JV_REPLACEMENT "\xef\xbf\xbd" /* U+FFFD, UTF-8 */
/* Keys in insertion order, so the same document always gives the same bytes; reals
 * rounded by the caller print exactly ("1.25", not "1.2500000000000000"). */
#define JV_DUMP_FLAGS (JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))

static pthread_once_t jv_once = PTHREAD_ONCE_INIT;

/* The block's usable size, not a size kept next to it: a header on each of jansson's
 * many small blocks cost a third more memory for a large report. */
static void jv_mfree(void *p)
{
    if (p == NULL)
        return;
    crypto_wipe(p, malloc_usable_size(p));
    free(p);
}

static void jv_setup_once(void)
{
    json_set_alloc_funcs(xmalloc, jv_mfree); /* xmalloc aborts on out of memory */
}

/* Called before anything that may make jansson allocate. */
static void jv_setup(void)
{
    pthread_once(&jv_once, jv_setup_once);
}

static json_t *J(const struct jv *v)
{
    return (json_t *)(uintptr_t)v;
}

static struct jv *V(json_t *j)
{
    return (struct jv *)(void *)j;
}

NORETURN static void jv_oom(void)
{
    fputs("sesame: out of memory\n", stderr);
    abort();
}

/* Every string is valid UTF-8 and every real finite before jansson sees it, so a NULL
 * from a jansson constructor can only mean out of memory. */
static struct jv *jv_new(json_t *j)
{
    if (j == NULL)
        jv_oom();
    return V(j);
}

struct jv *jv_object(void)
{
    jv_setup();
    return jv_new(json_object());
}

struct jv *jv_array(void)
{
    jv_setup();
    return jv_new(json_array());
}

struct jv *jv_null(void)
{
    return V(json_null());
}

struct jv *jv_bool(bool b)
{
    return V(json_boolean(b));
}

struct jv *jv_int(int64_t x)
{
    jv_setup();
    return jv_new(json_integer((json_int_t)x));
}

struct jv *jv_uint(uint64_t x)
{
    return jv_int(x > INT64_MAX ? INT64_MAX : (int64_t)x);
}

struct jv *jv_real(double x)
{
    if (!isfinite(x))
        return jv_null();
    jv_setup();
    return jv_new(json_real(x));
}

struct jv *jv_strn(const char *s, size_t n)
{
    char *fixed;
    size_t i = 0, m = 0;
    uint32_t cp;
    struct jv *v;

    if (s == NULL)
        return jv_null();
    jv_setup();
    while (i < n) {
        size_t k = utf8_next(s + i, n - i, &cp);

        if (k == 0)
            break;
        i += k;
    }
    if (i == n)
        return jv_new(json_stringn(s, n));

    fixed = xmalloc(st_add(st_mult(n, sizeof(JV_REPLACEMENT) - 1), 1));
    for (i = 0; i < n;) {
        size_t k = utf8_next(s + i, n - i, &cp);

        if (k == 0) {
            memcpy(fixed + m, JV_REPLACEMENT, sizeof(JV_REPLACEMENT) - 1);
            m += sizeof(JV_REPLACEMENT) - 1;
            i++;
        } else {
            memcpy(fixed + m, s + i, k);
            m += k;
            i += k;
        }
    }
    v = jv_new(json_stringn(fixed, m));
    crypto_wipe(fixed, m);
    free(fixed);
    return v;
}

struct jv *jv_str(const char *s)
{
    return jv_strn(s, s == NULL ? 0 : strlen(s));
}

void jv_put(struct jv *obj, const char *key, struct jv *v)
{
    if (v == NULL || json_object_set_new(J(obj), key, J(v)) != 0)
        jv_oom();
}

void jv_push(struct jv *arr, struct jv *v)
{
    if (v == NULL || json_array_append_new(J(arr), J(v)) != 0)
        jv_oom();
}

/* jansson's json_dumpf hands each token to fwrite (one stdio lock per token: a third of
 * writing a 100-finding report); its pieces are gathered here and written 64 KiB at a
 * time. The buffer may hold shown secrets: wiped after. */
#define JV_WRITE_CHUNK (64u * 1024)

struct jv_out {
    FILE *f;
    size_t n, high; /* bytes held; most ever held (what is wiped) */
    bool failed;
    char buf[JV_WRITE_CHUNK];
};

static bool jv_out_flush(struct jv_out *o)
{
    if (o->n > o->high)
        o->high = o->n;
    if (o->n && fwrite(o->buf, 1, o->n, o->f) != o->n)
        o->failed = true;
    o->n = 0;
    return !o->failed;
}

static int jv_out_piece(const char *p, size_t n, void *data)
{
    struct jv_out *o = data;

    if (n > sizeof(o->buf) - o->n && !jv_out_flush(o))
        return -1;
    if (n > sizeof(o->buf))
        return fwrite(p, 1, n, o->f) == n ? 0 : (o->failed = true, -1);
    memcpy(o->buf + o->n, p, n);
    o->n += n;
    return 0;
}

static int jv_out_str(struct jv_out *o, const char *s)
{
    return jv_out_piece(s, strlen(s), o);
}

static struct jv_out *jv_out_new(FILE *f)
{
    struct jv_out *o = xmalloc(sizeof(*o));

    o->f = f;
    o->n = o->high = 0;
    o->failed = false;
    return o;
}

/* Flush what is held and end the document with a newline (if ok so far), wipe, free. */
static bool jv_out_end(struct jv_out *o, bool ok)
{
    ok = ok && jv_out_flush(o) && fputc('\n', o->f) != EOF;
    crypto_wipe(o->buf, o->n > o->high ? o->n : o->high);
    free(o);
    return ok;
}

bool jv_write(FILE *out, const struct jv *v, enum jv_style style)
{
    size_t flags = JV_DUMP_FLAGS | (style == JV_LINE ? JSON_COMPACT : JSON_INDENT(2));
    struct jv_out *o = jv_out_new(out);

    return jv_out_end(o, json_dump_callback(J(v), jv_out_piece, o, flags) == 0);
}

/* Pieces written through o with `shift` spaces after every line break: a pretty
 * document nested that much deeper (jansson writes no raw line break inside a string). */
struct jv_shift {
    struct jv_out *o;
    size_t shift;
};

static int jv_shift_piece(const char *p, size_t n, void *data)
{
    static const char spaces[] = "        ";
    struct jv_shift *sh = data;
    size_t from = 0;

    for (size_t i = 0; i < n; i++) {
        if (p[i] != '\n')
            continue;
        if (jv_out_piece(p + from, i + 1 - from, sh->o) != 0 ||
            jv_out_piece(spaces, sh->shift, sh->o) != 0)
            return -1;
        from = i + 1;
    }
    return from < n ? jv_out_piece(p + from, n - from, sh->o) : 0;
}

bool jv_write_streamed(FILE *out, struct jv *doc, const char *key,
                       struct jv *(*next)(void *ctx), void *ctx)
{
    static const char tail[] = "[]\n}";
    size_t flags = JV_DUMP_FLAGS | JSON_INDENT(2);
    struct jv_out *o;
    struct jv_shift sh;
    char *head;
    size_t len;
    bool ok, first = true;
    struct jv *v;

    /* the document with `key` last and empty: written up to that array's '[' */
    if (json_object_get(J(doc), key) != NULL)
        return false;
    jv_put(doc, key, jv_array());
    head = json_dumps(J(doc), flags);
    if (head == NULL)
        jv_oom();
    len = strlen(head);
    if (len < sizeof(tail) - 1 || strcmp(head + len - (sizeof(tail) - 1), tail) != 0) {
        jv_mfree(head);
        return false;
    }
    o = jv_out_new(out);
    sh.o = o;
    sh.shift = 4; /* the array's members are two levels down */
    ok = jv_out_piece(head, len - (sizeof(tail) - 2), o) == 0;
    jv_mfree(head);
    /* then each member as jansson writes a member of that array: ",\n" and 4 spaces
     * between them, its own lines 4 spaces deeper; "\n  ]" after the last */
    while (ok && (v = next(ctx)) != NULL) {
        ok = jv_out_str(o, first ? "\n    " : ",\n    ") == 0 &&
             json_dump_callback(J(v), jv_shift_piece, &sh, flags | JSON_ENCODE_ANY) == 0;
        first = false;
        jv_free(v);
    }
    return jv_out_end(o, ok && jv_out_str(o, first ? "]\n}" : "\n  ]\n}") == 0);
}

struct jv *jv_parse(const char *text, size_t len, unsigned flags, struct jv_error *err)
{
    json_error_t je;
    json_t *j;

    jv_setup();
    j = json_loadb(text, len, (flags & JV_REJECT_DUPLICATES) ? JSON_REJECT_DUPLICATES : 0, &je);
    if (j == NULL) {
        err->line = je.line;
        err->position = je.position;
        snprintf(err->text, sizeof(err->text), "%s", je.text);
    }
    return V(j);
}

enum status jv_load(struct jv **out, const char *name, const char *text, size_t len,
                    unsigned flags)
{
    struct jv_error err;

    *out = jv_parse(text, len, flags, &err);
    if (*out == NULL)
        return fail(STATUS_CORRUPT, "'%s': line %d: %s", name, err.line, err.text);
    return STATUS_OK;
}

enum status jv_load_file(struct jv **out, const char *path, size_t max_bytes, unsigned flags)
{
    struct stat st;
    struct buf b = BUF_INIT(max_bytes);
    enum status rc;
    int fd;

    *out = NULL;
    if (stat(path, &st) != 0)
        return fail(STATUS_IO, "cannot read '%s': %s", path, strerror(errno));
    if ((flags & JV_REGULAR_FILE) && !S_ISREG(st.st_mode))
        return fail(STATUS_IO, "cannot read '%s': not a regular file", path);
    if ((uint64_t)st.st_size > max_bytes)
        return fail(STATUS_LIMIT, "'%s': larger than %zu bytes", path, max_bytes);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return fail(STATUS_IO, "cannot read '%s': %s", path, strerror(errno));
    rc = buf_read_fd(&b, fd, S_ISREG(st.st_mode) ? (size_t)st.st_size : 0);
    if (rc == STATUS_LIMIT)
        rc = fail(STATUS_LIMIT, "'%s': larger than %zu bytes", path, max_bytes);
    else if (rc != STATUS_OK)
        rc = fail(STATUS_IO, "cannot read '%s': %s", path, strerror(errno));
    close(fd);
    if (rc == STATUS_OK)
        rc = jv_load(out, path, b.data != NULL ? b.data : "", b.len, flags);
    crypto_wipe(b.data, b.alloc);
    buf_release(&b);
    return rc;
}

bool jv_is_object(const struct jv *v)
{
    return json_is_object(J(v));
}

bool jv_is_array(const struct jv *v)
{
    return json_is_array(J(v));
}

bool jv_is_bool(const struct jv *v)
{
    return json_is_boolean(J(v));
}

bool jv_is_true(const struct jv *v)
{
    return json_is_true(J(v));
}

const struct jv *jv_get(const struct jv *obj, const char *key)
{
    return V(json_object_get(J(obj), key));
}

size_t jv_len(const struct jv *arr)
{
    return json_array_size(J(arr));
}

const struct jv *jv_at(const struct jv *arr, size_t i)
{
    return V(json_array_get(J(arr), i));
}

const char *jv_unknown_key(const struct jv *obj, const char *const *known)
{
    const char *key;
    json_t *val;

    json_object_foreach(J(obj), key, val) {
        size_t i = 0;

        (void)val;
        while (known[i] != NULL && strcmp(key, known[i]) != 0)
            i++;
        if (known[i] == NULL)
            return key;
    }
    return NULL;
}

const char *jv_member(const struct jv *obj, size_t i, const struct jv **value)
{
    const char *key;
    json_t *val;
    size_t k = 0;

    json_object_foreach(J(obj), key, val) {
        if (k++ == i) {
            if (value != NULL)
                *value = V(val);
            return key;
        }
    }
    return NULL;
}

const char *jv_string(const struct jv *v, size_t *len)
{
    if (!json_is_string(J(v)))
        return NULL;
    if (len != NULL)
        *len = json_string_length(J(v));
    return json_string_value(J(v));
}

int64_t jv_integer(const struct jv *v, int64_t dflt)
{
    return json_is_integer(J(v)) ? (int64_t)json_integer_value(J(v)) : dflt;
}

bool jv_number(const struct jv *v, double *out)
{
    if (!json_is_number(J(v)))
        return false;
    *out = json_number_value(J(v));
    return true;
}

void jv_free(struct jv *v)
{
    json_decref(J(v));
}
