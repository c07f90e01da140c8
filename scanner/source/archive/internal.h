/*
 * source/archive/internal.h - what the files of the archive source share (private:
 * included by the files of scanner/source/archive/ only; the public face is
 * source/src_archive.h).
 *
 * An input (a file, bytes in memory, a decompressed stream) is cut into pieces and each
 * is scanned for what it is:
 *   sniff.c     what bytes start like (zip, tar, 7z, gzip, xz, ...), the sniff entry points
 *   ends.c      where an archive or a compressed stream ends, found without decoding it
 *   pieces.c    the cut: archives, compressed streams and plain bytes one after another;
 *               the scan entry points
 *   members.c   the members of one archive, nested archives opened recursively
 *   reader.c    libarchive: views of an input as a file, the readers, member data
 *   gzip.c      gzip streams, decoded with zlib
 *   input.c     reading inputs anywhere, the tap over a stream, plain bytes to the chunk
 *               streamer (source/chunk.h)
 *   limits.c    the limits, the byte accounting behind them, and the warnings
 *   image.c     container images (source/src_image.h): the image's files, its layers
 *               scanned through the scan entry points above; image_parse.c its manifests
 *               (image_int.h), image_index.c what each layer holds (whiteouts, files by
 *               content: scanned once; files overwritten by a later layer)
 * <archive.h> is included by reader.c, members.c, pieces.c, image.c and image_index.c
 * only, <zlib.h> by gzip.c.
 *
 * Two tricky points. Accounting: every byte decoded, at any depth, counts against the
 * top-level archive's byte and ratio limits, so a bomb stops wherever it is nested.
 * Read-ahead: libarchive reads past the end of an archive, so a decompressed stream is
 * seen through a tap (struct tap) that keeps its last LIMIT_ARCHIVE_TAP_BYTES, and
 * scanning goes on from the archive's end, not from where libarchive stopped reading.
 */
#ifndef SESAME_SOURCE_ARCHIVE_INTERNAL_H
#define SESAME_SOURCE_ARCHIVE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/compiler.h"
#include "base/diag.h"
#include "base/limits.h"
#include "source/chunk.h"
#include "source/src_archive.h"

struct archive;       /* libarchive's, opaque here */
struct archive_entry;
struct z_stream_s;    /* zlib's z_stream */

/* The ratio limit applies once this much has been produced: tiny archives of
 * repetitive text legitimately expand far more than any sane ratio. */
#define ARCHIVE_RATIO_FLOOR_BYTES (1024u * 1024)

/* Bytes handed to libarchive per read from a file or a tap. */
#define ARCHIVE_FD_BLOCK_BYTES (256u * 1024)

/* Most bytes asked of libarchive at once: the limits are checked between reads, so
 * this bounds how far past a limit decoding can go. */
#define ARCHIVE_READ_STEP_BYTES (256u * 1024)

/* A nested archive's buffer is first sized from its header up to this much. */
#define ARCHIVE_SIZE_HINT_BYTES (64u * 1024 * 1024)

/* Warnings printed per top-level archive; an archive of 100000 encrypted or
 * overlong-named members must not flood stderr. Counters keep counting. */
#define ARCHIVE_WARNINGS_MAX 50u

/* Consecutive unreadable headers before an archive is given up as corrupt (the rest is
 * then scanned as plain bytes). */
#define ARCHIVE_BAD_HEADERS_MAX 16u

/* libarchive looks for a zip's end record in the last 16 KiB of its input. */
#define ZIP_TAIL_BYTES 16384u

/* Zips split off the front of a zip (cat a.zip b.zip: the end record found is b's, and
 * a is what lies in front of b), one inside the other. */
#define ARCHIVE_SPLITS_MAX 4u

/* Header fields (name, comment, extra) of the gzip members of one stream whose bytes
 * are scanned as plain bytes once the stream is decoded. */
#define GZ_FIELDS_MAX 16u

/* ---- the walk --------------------------------------------------------------------------- */

/* The walk over one top-level archive, nested archives included. */
struct walk {
    const struct archive_limits *lim;
    unsigned char **buf;
    blob_fn *fn;
    void *payload;
    struct archive_stats *stats;
    const char *top_name;   /* display path of the top-level archive */
    const struct view *top; /* the view of the top-level input being read now, or NULL */
    uint64_t top_in;        /* largest position of the top-level input read so far: the
                             * compressed size in the ratio limit */
    uint64_t produced;      /* bytes decoded at every depth */
    uint64_t members;       /* headers read at every depth */
    unsigned warnings;
    const struct src_helpers *helpers; /* idle workers (prefetch.c), or NULL */
    bool ahead;             /* a zip's members are being inflated ahead (prefetch.c) */
    bool stop;              /* a limit for the whole archive was hit, or fn failed */
    enum status cb_st;      /* first failure of fn: ends the walk and is returned */
};

/* One member as a blob template: display path and one path per provenance entry. */
struct member {
    struct blob tmpl;
    char *path;
    struct provenance *prov;
    size_t n_prov;
};

/* ---- inputs ------------------------------------------------------------------------------ */

/* A tap's ring: the bytes it keeps and room for one read from upstream, which lands in
 * the ring directly (on bytes no longer kept) rather than through a copy, unless it
 * would wrap around the ring's end. Reads are always ARCHIVE_READ_STEP_BYTES: the
 * limits are checked per read. */
#define TAP_RING_BYTES ((uint64_t)LIMIT_ARCHIVE_TAP_BYTES + ARCHIVE_READ_STEP_BYTES)

/* A decoded stream read once, front to back, whose last LIMIT_ARCHIVE_TAP_BYTES are
 * kept: positions from tail.offset on can be read again. */
struct tap {
    chunk_read_fn *rd;      /* upstream */
    void *src;
    unsigned char *ring;    /* TAP_RING_BYTES; byte at position p is ring[p % TAP_RING_BYTES] */
    unsigned char *stage;   /* a read that would wrap around the ring's end lands here */
    uint64_t head;          /* bytes taken from upstream */
    struct chunk_pos tail;  /* the oldest byte kept */
    bool eof;
    enum status st;         /* why upstream ended early (message in msg) */
    char *msg;
};

enum input_kind {
    IN_MEM, /* bytes in memory: read anywhere */
    IN_FD,  /* a regular file: read anywhere with pread */
    IN_TAP, /* a stream: read forward, and back as far as its tap keeps */
};

/* What is scanned: a top-level input, a nested member, or a decompressed stream. */
struct input {
    enum input_kind kind;
    const unsigned char *mem; /* IN_MEM */
    int fd;                   /* IN_FD */
    uint64_t base;            /* IN_FD: file offset of position 0 */
    struct tap *tap;          /* IN_TAP */
    uint64_t size;            /* IN_MEM, IN_FD (bytes); IN_TAP: UINT64_MAX */
    const struct blob *tmpl;  /* members of archives in it are "<tmpl path>!<name>" */
    const struct blob *plain; /* its plain bytes are reported under this path */
    bool top;                 /* the top-level input: its position is the compressed size */
    bool decoded;             /* output of a decompressor (counted as it is decoded) */
    unsigned splits;          /* zips split off in front of a zip, see ARCHIVE_SPLITS_MAX */
    struct chunk_pos mark;    /* IN_MEM, IN_FD: the last place whose line was counted */
};

/* ---- libarchive -------------------------------------------------------------------------- */

/* A member's data (or a decompressed stream), read through libarchive with accounting. */
struct member_src {
    struct walk *w;
    struct archive *a;
    const struct input *in;   /* where the archive is read from */
    const char *path;
    const char *what;         /* "member" or "compressed stream", for messages */
    bool account;             /* count what is read (unless a tap counted it already) */
    bool fatal;               /* the archive cannot go on after this error */
    bool eof;
    const unsigned char *blk; /* what is left of the block libarchive returned last */
    size_t blk_len;
    int64_t blk_off;          /* member offset of blk[0]: sparse members have holes */
    int64_t out;              /* bytes handed out so far */
    enum status held;         /* a failure, reported once the bytes before it are out */
    char *held_msg;
    char *warning;            /* ARCHIVE_WARN with data: bad CRC, wrong size */
    unsigned char *pre;       /* the member's data inflated ahead (prefetch.c), served
                               * instead of libarchive's blocks; owned, freed on release */
    size_t pre_len;
    bool pre_out;             /* pre handed out as the one block */
};

/* Part of an input shown to libarchive as a whole file. */
struct view {
    struct input *in;
    bool peek;              /* a stream read where the tap keeps it (no copy into block) */
    uint64_t start, end;    /* in[start, end); end may be UINT64_MAX (a stream) */
    uint64_t cur;           /* next byte handed out, from start */
    uint64_t hi;            /* one past the furthest byte handed out (a position in `in`) */
    unsigned char *block;   /* IN_FD, IN_TAP unless peek: ARCHIVE_FD_BLOCK_BYTES */
};

/* What is known of one archive while its members are walked. */
struct level {
    struct input *in;
    struct archive *a;
    uint64_t start;         /* position of its first byte in `in` */
    unsigned depth;         /* depth of its members */
    bool tar;
    uint64_t good;          /* headers read */
    uint64_t bad_from;      /* first byte of the damaged blocks being skipped, or UINT64_MAX */
    struct prefetch *pf;    /* a zip's members inflated ahead (prefetch.c), or NULL */
    uint64_t index;         /* headers libarchive returned so far, bad ones included */
};

/* ---- gzip ---------------------------------------------------------------------------------- */

/*
 * A gzip stream (one member or several in a row) decoded with zlib rather than with
 * libarchive, whose gzip filter drops its last output block (64 KiB: all of a small
 * file) when the input is cut short or damaged: zlib hands out every byte it decodes
 * before that. A CRC or length that does not match is a warning, not a loss.
 */
struct gz_src {
    struct walk *w;
    struct input *in;           /* the compressed bytes */
    const char *path;           /* the stream, for messages */
    uint64_t at;                /* input position of the next byte zlib has not consumed */
    struct z_stream_s *z;       /* NULL until the first member starts */
    bool in_member;
    bool done;                  /* no member follows: `at` is one past the stream */
    unsigned members;
    uint32_t crc, size;         /* of the current member's output */
    unsigned char *inbuf;       /* ARCHIVE_READ_STEP_BYTES */
    enum status held;           /* a failure, reported once the bytes before it are out */
    char *held_msg;
    char *warning;
    uint64_t fields[GZ_FIELDS_MAX][2]; /* [from, to) of header fields in `in` */
    unsigned n_fields;
    bool fields_dropped;
};

/* ---- sniff.c: what bytes start like -------------------------------------------------------- */

enum kind {
    K_NONE,
    K_ZIP,
    K_TAR,
    K_7Z,
    K_GZIP, /* compressed streams from here on */
    K_BZIP2,
    K_XZ,
    K_ZSTD,
    K_LZ4,
    K_LZIP,
    K_COMPRESS,
};

static inline bool kind_is_stream(enum kind k)
{
    return k >= K_GZIP;
}

/* What p[0, n), the first bytes of something, starts like. */
enum kind sniff_kind(const unsigned char *p, size_t n);
/* The sums of a 512-byte tar header with its checksum field counted as spaces:
 * unsigned (POSIX) and signed (what old tars wrote). */
void tar_header_sums(const unsigned char *h, uint64_t *u, int64_t *s);

static inline uint32_t le16(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static inline uint32_t le32(const unsigned char *p)
{
    return le16(p) | le16(p + 2) << 16;
}

static inline uint64_t le64(const unsigned char *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* ---- ends.c: where things end --------------------------------------------------------------- */

/* A zip found by its end record, as libarchive's seeking reader finds it. */
struct zip_end {
    uint64_t data; /* its first local header: what lies in front is not part of it */
    uint64_t cd;   /* its central directory (names, comments), UINT64_MAX if not found */
    uint64_t end;  /* one past the end record (its comment is scanned as plain bytes) */
};

/* The zip whose end record lies in the last ZIP_TAIL_BYTES of in[from, to), found with
 * libarchive's rules; `strict` (for bytes that do not start like a zip) also wants a
 * central directory entry and a local header where the end record says. */
bool zip_find_end(struct input *in, uint64_t from, uint64_t to, bool strict,
                  uint64_t max_entries, struct zip_end *z);

/* The zip that starts at `pos` when another one follows it (cat a.zip b.zip). */
bool zip_find_first(struct input *in, uint64_t pos, uint64_t max_entries, struct zip_end *z);

/* One past a 7z archive at `pos`, from its signature header. */
bool sevenz_end(struct input *in, uint64_t pos, uint64_t *end);

/* Where the compressed stream of kind k at `pos` ends, as far as can be told without
 * decoding it (a stream read front to back: not at all, UINT64_MAX). */
uint64_t stream_end(struct input *in, uint64_t pos, enum kind k);

/* ---- input.c: inputs, taps, plain bytes ------------------------------------------------------ */

void tap_init(struct tap *t, chunk_read_fn *rd, void *src);
void tap_release(struct tap *t);
/* The kept bytes at `pos` where the tap holds them, without a copy: *p, *got of them
 * (at most n, in one piece of the ring; 0 at the end), valid until the tap reads on
 * (any read at or past its head): libarchive's view of a stream (reader.c). */
enum status tap_peek(struct tap *t, uint64_t pos, size_t n, const unsigned char **p,
                     size_t *got);

/* Read up to n bytes at `pos` of `in` (fewer only at its end). */
enum status in_read(struct input *in, uint64_t pos, unsigned char *p, size_t n, size_t *got);
/* The same, as many as there are. */
enum status in_read_full(struct input *in, uint64_t pos, unsigned char *p, size_t n,
                         size_t *got);

/* Move *pos past a run of zero bytes (tar padding, the end blocks of a tar). */
enum status skip_zeros(struct input *in, uint64_t *pos);

/* The compressed stream under a decoded input failed or hit a limit: the one who
 * decodes it (filtered(), pieces.c) says so, nobody else. */
bool stream_failed(const struct input *in);

/* Bytes of a tap wanted from `pos` on are gone already: say so; where to go on from. */
uint64_t plain_lost(struct walk *w, struct input *in, uint64_t pos);

/* Scan in[pos, end) (end UINT64_MAX: to its end) as plain bytes, under in->plain's
 * path, at the offset, line and column they have there. Returns the input's read
 * status. */
enum status plain_scan(struct walk *w, struct input *in, uint64_t pos, uint64_t end);

/* Hand a stream to the callback through the chunk streamer: (*w->buf) already holds
 * its first `have` bytes, `eof` says whether that is all, `at` is where it starts in
 * what tmpl names (NULL: at its first byte). Returns the reader's status (bytes read
 * before a failure are still scanned); a callback failure stops the walk (w->cb_st). */
enum status walk_stream(struct walk *w, const struct blob *tmpl, chunk_read_fn *rd, void *src,
                        size_t have, bool eof, const struct chunk_pos *at);

void ensure_buf(struct walk *w);

/* ---- limits.c: limits, accounting, warnings -------------------------------------------------- */

/* What src_archive_default_limits() gives (read-only). */
extern const struct archive_limits src_archive_defaults;

/* Count n more decoded bytes against the top-level limits (STATUS_LIMIT with a message
 * naming `path` and the limit). */
enum status walk_account(struct walk *w, const char *path, uint64_t n);

/* Bytes the byte budget still allows. */
uint64_t walk_room(const struct walk *w);

/* A note about this archive: what it names was read anyway. */
void walk_warn(struct walk *w, const char *fmt, ...) FORMAT(2, 3);
/* Bytes of the archive were not scanned: a warning and an error (an incomplete run). */
void walk_gap(struct walk *w, const char *fmt, ...) FORMAT(2, 3);
/* One message of a kind (base/diag.h), counted against ARCHIVE_WARNINGS_MAX. */
void walk_say(struct walk *w, enum diag_kind kind, const char *msg);
/* A limit of the whole top-level archive was hit: say so (msg, or the last status
 * message) and stop the walk. */
void walk_limit_msg(struct walk *w, const char *msg);
void walk_limit(struct walk *w);

/* Display name of a blob template: its path, its first provenance path, or "-". */
const char *blob_name(const struct blob *b);
/* 'name' or 'name' (from byte N), for messages about in at pos. */
char *where(const struct input *in, uint64_t pos);

/* ---- reader.c: libarchive -------------------------------------------------------------------- */

/* Open `a` on in[start, end): seekable unless the input is a stream. */
int view_open(struct archive *a, struct view *v, struct input *in, uint64_t start, uint64_t end,
              struct walk *w);
/* The reader of v is freed: v is done with. */
void view_close(struct walk *w, struct view *v);

/* A reader for zip, tar and 7z; a decoder for compressed streams (raw format). */
/* A libarchive reader with nothing enabled (libarchive loaded on first use, lazy.h). */
struct archive *reader_new(void);
struct archive *format_reader_new(void);
struct archive *filter_reader_new(void);

/* libarchive's last message for `a` (or `otherwise`), sanitized. */
char *reader_message(struct archive *a, const char *otherwise);

void member_src_init(struct member_src *m, struct walk *w, struct archive *a,
                     const struct input *in, const char *path, const char *what);
void member_src_release(struct member_src *m);
/* A chunk_read_fn over the data of the member libarchive is at (struct member_src). */
enum status member_read(void *src, unsigned char *p, size_t n, size_t *got);
/* Before any member_read: the member's bytes where libarchive holds them, when its
 * next block is all of them (size bytes, at most ARCHIVE_READ_STEP_BYTES) - valid until
 * libarchive is asked for more - counted as member_read counts them (*st: the limit's
 * verdict). NULL otherwise: what was read is left to member_read, nothing is lost. */
const unsigned char *member_block(struct member_src *m, uint64_t size, enum status *st);

/* The single member of a compressed stream: the outer name without its suffix. */
char *raw_member_name(const struct blob *parent);

/* ---- gzip.c ------------------------------------------------------------------------------------ */

void gz_init(struct gz_src *g, struct walk *w, struct input *in, uint64_t pos, const char *path);
void gz_release(struct gz_src *g);
/* Start the member at g->at (g->done if none follows). */
enum status gz_begin(struct gz_src *g);
/* Scan the header fields recorded so far as plain bytes of g->in. */
void gz_fields(struct walk *w, struct gz_src *g);
/* A chunk_read_fn over the decoded bytes (struct gz_src). */
enum status gz_read(void *src, unsigned char *p, size_t n, size_t *got);

/* ---- prefetch.c: zip members inflated ahead by idle workers ------------------------------- */

/*
 * While the walk reads member k of a zip, idle workers (w->helpers) inflate members
 * k+1, k+2, ... through libarchive readers of their own on the same bytes; when the walk
 * reaches one, it takes those bytes instead of inflating them itself, if they are
 * exactly what its own reader would give: same header (number, name, size), every
 * block delivered without a warning or an error, as many bytes as the header says.
 * Anything else (a damaged member, encryption, a directory, a member too large) is read
 * by the walk as before, so findings, warnings, limits and their order do not change.
 */
struct prefetch;

/* For the zip in[start, end) the walk reads; NULL when there is nobody to help. */
struct prefetch *prefetch_open(struct walk *w, const struct input *in, uint64_t start,
                               uint64_t end);
/* The walk has read header number `index` (lv->index): members after it may be
 * inflated ahead, those before it are no longer wanted. */
void prefetch_at(struct prefetch *pf, uint64_t index);
/* The walk is about to read the data of member `index`, whose header it has in e: its
 * bytes, inflated ahead, are handed to src (member_read serves them) and true, if they
 * are exactly what reading it here would give (header positions are not compared: the
 * two readers count them differently). Otherwise false (the walk reads it itself);
 * waits for a worker still on it. */
bool prefetch_take(struct prefetch *pf, uint64_t index, struct archive_entry *e,
                   struct member_src *src);
/* The walk is done with the zip: waits for the workers still on it, frees everything. */
void prefetch_close(struct prefetch *pf);

/* ---- members.c ----------------------------------------------------------------------------------- */

void member_init(struct member *m, const struct blob *parent, const char *name);
void member_release(struct member *m);
/* What a member's reading left to say (data delivered with a warning). */
void member_done(struct walk *w, struct member_src *src);
/* Walk the archive open in lv->a; false when it is not an archive at all. */
bool walk_archive(struct walk *w, struct level *lv);

/* ---- image.c ------------------------------------------------------------------------------------ */

/* data[0, len), a whole member of the archive walked (tmpl), is a container image (a
 * tar, or one compressed): scanned as one, by layers, and true. Not inside an image's
 * layer. */
bool image_in_walk(struct walk *w, const struct blob *tmpl, const unsigned char *data,
                   size_t len);

/* ---- pieces.c -------------------------------------------------------------------------------------- */

/* Scan `in` from `pos` to its end, piece by piece. *containers (if not NULL) counts the
 * archives with members opened. */
void scan_from(struct walk *w, struct input *in, uint64_t pos, unsigned depth,
               uint64_t *containers);

#endif
