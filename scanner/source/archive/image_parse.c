/*
 * source/archive/image_parse.c - the manifests of a container image, read with json/:
 * which images it holds, their layers in order, each layer's digest and the history
 * command that made it.
 *
 *   docker save:  manifest.json = [{"Config": FILE, "Layers": [FILE, ...]}, ...]; a
 *                 layer's digest is the config's rootfs.diff_ids entry (else the
 *                 "blobs/sha256/HEX" it is stored as, else its file name).
 *   OCI layout:   index.json {"manifests": [descriptor]}, a descriptor naming an image
 *                 manifest {"config": descriptor, "layers": [descriptor]} or another
 *                 index; blobs are "blobs/ALG/HEX" for digest "ALG:HEX".
 * The config's history entries without "empty_layer" map to the layers in order.
 * Everything here is untrusted input: every field is checked for its type, every file
 * named must be in the image, counts are capped (base/limits.h LIMIT_IMAGE_*).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "base/xalloc.h"
#include "json/json.h"
#include "source/archive/image_int.h"

struct parse {
    const struct ifiles *fs;
    struct image *imgs;
    size_t n, cap;
    const char *which;   /* the file being read, for the message */
    char *why;
};

static bool bad(struct parse *p, const char *fmt, ...)
{
    va_list ap;
    char tmp[256];

    if (p->why)
        return false;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    p->why = xstrdup(tmp);
    return false;
}

/* The file parsed as JSON, or NULL (and p->why). */
static struct jv *parse_file(struct parse *p, const struct ifile *f)
{
    struct jv_error err;
    struct jv *v;

    p->which = f->name;
    v = jv_parse((const char *)f->data, f->len, 0, &err);
    if (!v)
        bad(p, "line %d: %s", err.line, err.text);
    return v;
}

static const char *str_of(const struct jv *v)
{
    size_t n;
    const char *s = v ? jv_string(v, &n) : NULL;

    return s && strlen(s) == n ? s : NULL; /* no NUL inside */
}

/* "ALG:HEX" with a plain algorithm and encoded part: never a path. */
static bool digest_ok(const char *d)
{
    const char *c = d ? strchr(d, ':') : NULL;

    if (!c || c == d || !c[1] || strlen(d) > 200)
        return false;
    for (const char *s = d; *s; s++) {
        bool alnum = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9');
        if (s < c ? !(alnum || strchr("+._-", *s)) : s > c && !(alnum || strchr("=_-", *s)))
            return false;
    }
    return true;
}

static const struct ifile *blob_of(struct parse *p, const char *digest)
{
    char *name;
    const struct ifile *f;

    if (!digest_ok(digest)) {
        bad(p, "not a digest: '%.80s'", digest ? digest : "(none)");
        return NULL;
    }
    name = xasprintf("blobs/%s", digest);
    *strchr(name + 6, ':') = '/';
    f = ifiles_find(p->fs, name);
    if (!f)
        bad(p, "names %.100s, which is not in the image", name);
    free(name);
    return f;
}

static struct image *new_image(struct parse *p)
{
    if (p->n >= LIMIT_IMAGE_MANIFESTS) {
        bad(p, "more than %u images", LIMIT_IMAGE_MANIFESTS);
        return NULL;
    }
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 4;
        p->imgs = xrealloc(p->imgs, p->cap * sizeof(*p->imgs));
    }
    memset(&p->imgs[p->n], 0, sizeof(p->imgs[p->n]));
    return &p->imgs[p->n++];
}

static bool add_layer(struct parse *p, struct image *img, const struct ifile *f, const char *digest)
{
    if (img->n_layers >= LIMIT_IMAGE_LAYERS)
        return bad(p, "more than %u layers", LIMIT_IMAGE_LAYERS);
    img->layers = xrealloc(img->layers, (img->n_layers + 1) * sizeof(*img->layers));
    img->layers[img->n_layers].file = f;
    img->layers[img->n_layers].digest = xstrdup(digest);
    img->layers[img->n_layers].cmd = NULL;
    img->n_layers++;
    return true;
}

/* The config: history commands (and, for docker save, the layers' diff IDs). A config
 * that is no JSON object is malformed. */
static bool read_config(struct parse *p, struct image *img, bool diff_ids)
{
    struct jv *c = parse_file(p, img->config);
    const struct jv *hist, *ids;
    size_t k = 0;

    if (!c)
        return false;
    if (!jv_is_object(c)) {
        jv_free(c);
        return bad(p, "the image config is not an object");
    }
    ids = jv_get(jv_get(c, "rootfs"), "diff_ids");
    if (diff_ids && ids && jv_is_array(ids) && jv_len(ids) == img->n_layers) {
        for (size_t i = 0; i < img->n_layers; i++) {
            const char *d = str_of(jv_at(ids, i));
            if (digest_ok(d)) {
                free(img->layers[i].digest);
                img->layers[i].digest = xstrdup(d);
            }
        }
    }
    hist = jv_get(c, "history");
    for (size_t i = 0; hist && jv_is_array(hist) && i < jv_len(hist) && k < img->n_layers; i++) {
        const struct jv *h = jv_at(hist, i);
        const char *cmd = str_of(jv_get(h, "created_by"));

        if (jv_is_true(jv_get(h, "empty_layer")))
            continue;
        if (cmd)
            img->layers[k].cmd = xstrdup(cmd);
        k++;
    }
    jv_free(c);
    return true;
}

/* manifest.json of docker save. */
static bool read_docker(struct parse *p, const struct ifile *mf)
{
    struct jv *m = parse_file(p, mf);
    bool ok = m != NULL;

    if (ok && !jv_is_array(m))
        ok = bad(p, "not a list of images");
    for (size_t i = 0; ok && i < jv_len(m); i++) {
        const struct jv *e = jv_at(m, i), *layers = jv_get(e, "Layers");
        const char *cfg = str_of(jv_get(e, "Config"));
        struct image *img;

        p->which = mf->name;
        if (!jv_is_object(e) || !cfg || !layers || !jv_is_array(layers)) {
            ok = bad(p, "image %zu has no \"Config\" or \"Layers\"", i + 1);
            break;
        }
        if (!(img = new_image(p)) || !(img->config = ifiles_find(p->fs, cfg))) {
            ok = bad(p, "image %zu: its config '%.100s' is not in the image", i + 1, cfg);
            break;
        }
        for (size_t k = 0; ok && k < jv_len(layers); k++) {
            const char *name = str_of(jv_at(layers, k));
            const struct ifile *f = name ? ifiles_find(p->fs, name) : NULL;
            const char *n;

            if (!f) {
                ok = bad(p, "image %zu: layer %zu '%.100s' is not in the image", i + 1, k + 1,
                         name ? name : "(not a string)");
                break;
            }
            n = image_norm(name);
            if (strncmp(n, "blobs/", 6) == 0 && strchr(n + 6, '/')) {
                char *d = xstrdup(n + 6);
                *strchr(d, '/') = ':';
                ok = add_layer(p, img, f, digest_ok(d) ? d : n);
                free(d);
            } else {
                ok = add_layer(p, img, f, n);
            }
        }
        ok = ok && read_config(p, img, true);
    }
    jv_free(m);
    return ok;
}

/* An OCI index (index.json or a nested one): its image manifests. */
static bool read_index(struct parse *p, const struct ifile *f, unsigned depth)
{
    struct jv *x = parse_file(p, f);
    const struct jv *ms = x ? jv_get(x, "manifests") : NULL;
    bool ok = x != NULL;

    if (ok && (!jv_is_object(x) || !ms || !jv_is_array(ms)))
        ok = bad(p, "no \"manifests\" list");
    for (size_t i = 0; ok && i < jv_len(ms); i++) {
        const struct ifile *b;
        struct jv *m;
        const struct jv *cfg, *layers;

        p->which = f->name;
        if (!(b = blob_of(p, str_of(jv_get(jv_at(ms, i), "digest"))))) {
            ok = false;
            break;
        }
        if (!(m = parse_file(p, b))) {
            ok = false;
            break;
        }
        if (jv_is_object(m) && jv_get(m, "manifests")) {
            jv_free(m);
            ok = depth < LIMIT_IMAGE_INDEX_DEPTH ? read_index(p, b, depth + 1)
                                                 : bad(p, "indexes nested too deep");
            continue;
        }
        cfg = jv_get(m, "config");
        layers = jv_get(m, "layers");
        if (!jv_is_object(m) || !cfg || !layers || !jv_is_array(layers)) {
            jv_free(m);
            ok = bad(p, "an image manifest without \"config\" or \"layers\"");
            break;
        }
        {
            struct image *img = new_image(p);
            const char *cd = str_of(jv_get(cfg, "digest"));

            ok = img && (img->config = blob_of(p, cd)) != NULL;
            for (size_t k = 0; ok && k < jv_len(layers); k++) {
                const char *d = str_of(jv_get(jv_at(layers, k), "digest"));
                const struct ifile *lf = blob_of(p, d);
                ok = lf && add_layer(p, img, lf, d);
            }
        }
        jv_free(m);
        ok = ok && read_config(p, &p->imgs[p->n - 1], false);
    }
    jv_free(x);
    return ok;
}

bool image_parse(const struct ifiles *fs, struct image **imgs, size_t *n, const char **which,
                 char **why)
{
    struct parse p;
    const struct ifile *f;
    bool ok;

    memset(&p, 0, sizeof(p));
    p.fs = fs;
    if ((f = ifiles_find(fs, "manifest.json")) != NULL)
        ok = read_docker(&p, f);
    else if ((f = ifiles_find(fs, "index.json")) != NULL)
        ok = read_index(&p, f, 0);
    else
        ok = bad(&p, "no manifest.json or index.json");
    *imgs = p.imgs;
    *n = p.n;
    *which = p.which ? p.which : (f ? f->name : "manifest.json");
    *why = p.why;
    if (!ok && !p.why)
        *why = xstrdup("malformed");
    return ok;
}

void image_add_whiteout(struct image *img, size_t layer, char *path, bool opaque)
{
    if (img->n_wh == img->cap_wh) {
        img->cap_wh = img->cap_wh ? img->cap_wh * 2 : 8;
        img->wh = xrealloc(img->wh, img->cap_wh * sizeof(*img->wh));
    }
    img->wh[img->n_wh].layer = layer;
    img->wh[img->n_wh].path = path;
    img->wh[img->n_wh].opaque = opaque;
    img->n_wh++;
}

void images_free(struct image *imgs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < imgs[i].n_layers; k++) {
            free(imgs[i].layers[k].digest);
            free(imgs[i].layers[k].cmd);
        }
        for (size_t k = 0; k < imgs[i].n_wh; k++)
            free(imgs[i].wh[k].path);
        free(imgs[i].layers);
        free(imgs[i].wh);
        image_index_free(&imgs[i].ix);
    }
    free(imgs);
}
