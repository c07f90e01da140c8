/*
 * base/limits.h - every cap sesame puts on input, each with its reason.
 *
 * A length read from input is checked against these before anything is allocated.
 */
#ifndef SESAME_LIMITS_H
#define SESAME_LIMITS_H

/* Files are read in chunks of this size; larger files are scanned chunk by chunk with
 * an overlap, so memory per worker stays bounded whatever the file size. */
#define LIMIT_CHUNK_BYTES (8u * 1024 * 1024)

/* Overlap between consecutive chunks: longer than any match plus the proximity window
 * around it, so a credential spanning a chunk boundary is found in the next chunk. */
#define LIMIT_CHUNK_OVERLAP (16u * 1024)

/* Longest text a single rule match may cover (keyword, separators, value). */
#define LIMIT_MATCH_BYTES 2048u

/* Longest value kept for a credential part (session tokens run to ~1.5 KB). */
#define LIMIT_VALUE_BYTES 4096u

/* A rules file larger than this is refused (rules are small hand-written JSON). */
#define LIMIT_RULES_FILE_BYTES (4u * 1024 * 1024)

/* Number of rules in a rule set (a Hyperscan database stays small and fast). */
#define LIMIT_RULES 4096u

/* Decoded views (url, json escapes, base64, utf-16) nest at most this deep. */
#define LIMIT_DECODE_DEPTH 3

/* Bytes of decoded views produced for one input buffer, all depths together: a file of
 * nested base64 cannot make sesame allocate more than this on its behalf. */
#define LIMIT_DECODE_BYTES (64u * 1024 * 1024)

/* Base64 runs shorter than this are not decoded (too short to hold a key). */
#define LIMIT_BASE64_MIN_RUN 16u

/* Raw Hyperscan hits kept per chunk; past this the chunk is marked truncated (a file of
 * millions of keyword lines cannot exhaust memory). */
#define LIMIT_HITS_PER_CHUNK 1000000u

/* Findings observations per run before sesame stops adding new ones (and says so). */
#define LIMIT_OBSERVATIONS 10000000u

/* Path length accepted from the walker. */
#define LIMIT_PATH_BYTES 4096u

/* Bytes of a decompressed stream kept behind the point read so far: libarchive reads
 * ahead of what a format consumes, and whatever follows the end of an archive inside a
 * compressed stream (trailing data, a second archive) is scanned from here. */
#define LIMIT_ARCHIVE_TAP_BYTES (1024u * 1024)

/* Pieces (archives, compressed streams, plain runs) one input is cut into; past this the
 * rest is scanned as plain bytes (an input of many tiny empty archives stays cheap). */
#define LIMIT_ARCHIVE_SEGMENTS 256u

#endif
