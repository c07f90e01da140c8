/*
 * source/archive/sniff.c - what the first bytes of something start like: zip, tar, 7z, or
 * a compressed stream (gzip, bzip2, xz, zstd, lz4, lzip, compress).
 *
 * This decides what is opened as an archive (scan.c asks, through the sniff entry
 * points) and how each piece of an input is read (pieces.c). Plain text is never an
 * archive: each magic is checked with what must follow it (a bzip2 block marker, a
 * tar header checksum, a valid .Z bit width). A zip with something in front of it (a
 * self-running jar) is found by its end record (ends.c), for whole inputs only.
 */
#include "source/archive/internal.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool starts_with(const unsigned char *p, size_t n, const char *magic, size_t len)
{
    return n >= len && memcmp(p, magic, len) == 0;
}

void tar_header_sums(const unsigned char *h, uint64_t *u, int64_t *s)
{
    *u = 8 * (uint64_t)' ';
    *s = 8 * ' ';
    for (size_t i = 0; i < 512; i++) {
        if (i == 148)
            i = 156;
        *u += h[i];
        *s += (signed char)h[i];
    }
}

static bool tar_header_checksum_ok(const unsigned char *h)
{
    uint64_t want = 0, sum;
    int64_t signed_sum;
    size_t i = 148;

    while (i < 156 && h[i] == ' ')
        i++;
    if (i == 156 || h[i] < '0' || h[i] > '7')
        return false;
    for (; i < 156 && h[i] >= '0' && h[i] <= '7'; i++)
        want = want * 8 + (uint64_t)(h[i] - '0');
    tar_header_sums(h, &sum, &signed_sum);
    return sum == want;
}

enum kind sniff_kind(const unsigned char *p, size_t n)
{
    if (starts_with(p, n, "PK\3\4", 4) || starts_with(p, n, "PK\5\6", 4) ||
        starts_with(p, n, "PK\7\10", 4))
        return K_ZIP; /* local header, empty archive, spanned-archive marker */
    if (starts_with(p, n, "\x1f\x8b\x08", 3))
        return K_GZIP; /* deflate */
    if (n >= 10 && p[0] == 'B' && p[1] == 'Z' && p[2] == 'h' && p[3] >= '1' && p[3] <= '9' &&
        (memcmp(p + 4, "\x31\x41\x59\x26\x53\x59", 6) == 0 ||
         memcmp(p + 4, "\x17\x72\x45\x38\x50\x90", 6) == 0))
        return K_BZIP2; /* a block or the end-of-stream marker must follow */
    if (starts_with(p, n, "\xfd" "7zXZ\0", 6))
        return K_XZ;
    if (starts_with(p, n, "\x28\xb5\x2f\xfd", 4))
        return K_ZSTD;
    if (starts_with(p, n, "7z\xbc\xaf\x27\x1c", 6))
        return K_7Z;
    if (starts_with(p, n, "\x04\x22\x4d\x18", 4))
        return K_LZ4; /* frame format */
    if (starts_with(p, n, "LZIP\x01", 5))
        return K_LZIP; /* version 1 */
    if (n >= 3 && p[0] == 0x1f && p[1] == 0x9d && (p[2] & 0x60) == 0 && (p[2] & 0x1f) >= 9 &&
        (p[2] & 0x1f) <= 16)
        return K_COMPRESS; /* .Z with a valid bit width */
    if (n >= 262 && memcmp(p + 257, "ustar", 5) == 0 && (n < 512 || tar_header_checksum_ok(p)))
        return K_TAR; /* ustar, pax, GNU tar */
    return K_NONE;
}

bool src_archive_sniff(const unsigned char *p, size_t n)
{
    return p && sniff_kind(p, n) != K_NONE;
}

bool src_archive_sniff_whole(const unsigned char *p, size_t n)
{
    struct input in;
    struct zip_end z;

    if (!p)
        return false;
    if (src_archive_sniff(p, n))
        return true;
    memset(&in, 0, sizeof(in));
    in.kind = IN_MEM;
    in.mem = p;
    in.size = n;
    return zip_find_end(&in, 0, n, true, src_archive_defaults.max_members, &z);
}

bool src_archive_sniff_fd(int fd)
{
    unsigned char head[512];
    struct input in;
    struct zip_end z;
    struct stat st;
    off_t start = lseek(fd, 0, SEEK_CUR);
    ssize_t n;

    if (start < 0)
        return false;
    do
        n = pread(fd, head, sizeof(head), start);
    while (n < 0 && errno == EINTR);
    if (n <= 0)
        return false;
    if (src_archive_sniff(head, (size_t)n))
        return true;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= start)
        return false;
    memset(&in, 0, sizeof(in));
    in.kind = IN_FD;
    in.fd = fd;
    in.base = (uint64_t)start;
    in.size = (uint64_t)(st.st_size - start);
    return zip_find_end(&in, 0, in.size, true, src_archive_defaults.max_members, &z);
}
