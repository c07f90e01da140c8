/*
 * source/git/noca.h - libgit2's initialisation without the system's CA bundle.
 *
 * Debian's libgit2 1.5 is built with mbedTLS, and git_libgit2_init() parses every
 * certificate of /etc/ssl/certs/ca-certificates.crt into an mbedTLS chain for HTTPS
 * transports: 5.8 ms of CPU out of its 7.6 (benches/RESULTS.md, issue 16), paid by every
 * pre-receive hook and every scan of a repository, though sesame only reads local
 * repositories and never lets libgit2 open a connection. The sesame executable exports
 * its own mbedtls_x509_crt_parse_file and _path (cmake/sesame.dynlist), which the
 * dynamic linker binds libgit2's calls to: while noca_skip is on in the calling thread
 * (around git_libgit2_init() only), they return mbedTLS's "file I/O error" and libgit2
 * carries on with no certificates, as on a system without the bundle; otherwise they
 * call the real functions of libmbedx509. A binary without the export list (the unit
 * tests) simply keeps libgit2's behaviour.
 */
#ifndef SESAME_SOURCE_GIT_NOCA_H
#define SESAME_SOURCE_GIT_NOCA_H

#include <stdbool.h>

/* On or off for the calling thread. */
void noca_skip(bool on);
/* How many certificate files or directories were skipped in this process (tests). */
unsigned noca_skipped(void);

#endif
