/*
 * source/archive/lazy.h - libarchive, loaded when the first archive is opened.
 *
 * Why: libarchive brings libxml2, ICU (libicuuc and its 30 MB data library), nettle,
 * acl, lz4 and bzip2: about 1.8 ms of CPU at every process start (a 1-line program
 * linked to it against one that is not, benches/RESULTS.md, issue 16 item 5), paid by
 * every pre-receive hook and `sesame version`, though most runs never open an archive.
 * The adapter's files include this header instead of <archive.h>: each libarchive
 * function they call is a pointer in la_api (resolved by base/dl.h), and a macro of the
 * function's name calls through it, so the code reads as before. Every reader is made
 * by reader.c's reader_new(), which loads the library first (la_load()); no libarchive
 * function is called before a reader exists.
 * libxml2, ICU and the C++ runtime are not loaded either: libarchive uses libxml2 for
 * its XAR format only, which sesame never asks for, and la_load() loads a stand-in of
 * libxml2's soname first (source/archive/noxml/, source/standin.h); without the
 * stand-in, or if this libarchive needs a symbol it lacks, libarchive is loaded with
 * its own libraries.
 */
#ifndef SESAME_SOURCE_ARCHIVE_LAZY_H
#define SESAME_SOURCE_ARCHIVE_LAZY_H

#include <stdbool.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "base/dl.h"

/* The libarchive functions the adapter calls. */
#define LA_FUNCS(X)                                                                         \
    X(archive_bzlib_version)                                                                \
    X(archive_entry_filetype)                                                               \
    X(archive_entry_is_encrypted)                                                           \
    X(archive_entry_pathname)                                                               \
    X(archive_entry_pathname_utf8)                                                          \
    X(archive_entry_size)                                                                   \
    X(archive_entry_size_is_set)                                                            \
    X(archive_error_string)                                                                 \
    X(archive_filter_bytes)                                                                 \
    X(archive_filter_count)                                                                 \
    X(archive_format)                                                                       \
    X(archive_liblz4_version)                                                               \
    X(archive_liblzma_version)                                                              \
    X(archive_libzstd_version)                                                              \
    X(archive_read_data)                                                                    \
    X(archive_read_data_block)                                                              \
    X(archive_read_free)                                                                    \
    X(archive_read_header_position)                                                         \
    X(archive_read_new)                                                                     \
    X(archive_read_next_header)                                                             \
    X(archive_read_open1)                                                                   \
    X(archive_read_open_memory)                                                             \
    X(archive_read_set_callback_data)                                                       \
    X(archive_read_set_read_callback)                                                       \
    X(archive_read_set_seek_callback)                                                       \
    X(archive_read_support_filter_bzip2)                                                    \
    X(archive_read_support_filter_compress)                                                 \
    X(archive_read_support_filter_gzip)                                                     \
    X(archive_read_support_filter_lz4)                                                      \
    X(archive_read_support_filter_lzip)                                                     \
    X(archive_read_support_filter_xz)                                                       \
    X(archive_read_support_filter_zstd)                                                     \
    X(archive_read_support_format_7zip)                                                     \
    X(archive_read_support_format_raw)                                                      \
    X(archive_read_support_format_tar)                                                      \
    X(archive_read_support_format_zip)                                                      \
    X(archive_set_error)                                                                    \
    X(archive_zlib_version)

struct la_api {
    LA_FUNCS(DL_FIELD_)
};
extern struct la_api la_api;

/* Load libarchive and fill la_api, once (thread-safe): false, with the loader's message
 * in la_error(), if it cannot be. */
bool la_load(void);
const char *la_error(void);
/* Whether libarchive is loaded and bound to the libxml2 stand-in (SESAME_TIMINGS,
 * tests); la_set_standin_dir: where to look for it instead (tests, before la_load). */
bool la_standin_used(void);
void la_set_standin_dir(const char *dir);

#ifndef LA_NO_REDIRECT
#define archive_bzlib_version (*la_api.archive_bzlib_version)
#define archive_entry_filetype (*la_api.archive_entry_filetype)
#define archive_entry_is_encrypted (*la_api.archive_entry_is_encrypted)
#define archive_entry_pathname (*la_api.archive_entry_pathname)
#define archive_entry_pathname_utf8 (*la_api.archive_entry_pathname_utf8)
#define archive_entry_size (*la_api.archive_entry_size)
#define archive_entry_size_is_set (*la_api.archive_entry_size_is_set)
#define archive_error_string (*la_api.archive_error_string)
#define archive_filter_bytes (*la_api.archive_filter_bytes)
#define archive_filter_count (*la_api.archive_filter_count)
#define archive_format (*la_api.archive_format)
#define archive_liblz4_version (*la_api.archive_liblz4_version)
#define archive_liblzma_version (*la_api.archive_liblzma_version)
#define archive_libzstd_version (*la_api.archive_libzstd_version)
#define archive_read_data (*la_api.archive_read_data)
#define archive_read_data_block (*la_api.archive_read_data_block)
#define archive_read_free (*la_api.archive_read_free)
#define archive_read_header_position (*la_api.archive_read_header_position)
#define archive_read_new (*la_api.archive_read_new)
#define archive_read_next_header (*la_api.archive_read_next_header)
#define archive_read_open1 (*la_api.archive_read_open1)
#define archive_read_open_memory (*la_api.archive_read_open_memory)
#define archive_read_set_callback_data (*la_api.archive_read_set_callback_data)
#define archive_read_set_read_callback (*la_api.archive_read_set_read_callback)
#define archive_read_set_seek_callback (*la_api.archive_read_set_seek_callback)
#define archive_read_support_filter_bzip2 (*la_api.archive_read_support_filter_bzip2)
#define archive_read_support_filter_compress (*la_api.archive_read_support_filter_compress)
#define archive_read_support_filter_gzip (*la_api.archive_read_support_filter_gzip)
#define archive_read_support_filter_lz4 (*la_api.archive_read_support_filter_lz4)
#define archive_read_support_filter_lzip (*la_api.archive_read_support_filter_lzip)
#define archive_read_support_filter_xz (*la_api.archive_read_support_filter_xz)
#define archive_read_support_filter_zstd (*la_api.archive_read_support_filter_zstd)
#define archive_read_support_format_7zip (*la_api.archive_read_support_format_7zip)
#define archive_read_support_format_raw (*la_api.archive_read_support_format_raw)
#define archive_read_support_format_tar (*la_api.archive_read_support_format_tar)
#define archive_read_support_format_zip (*la_api.archive_read_support_format_zip)
#define archive_set_error (*la_api.archive_set_error)
#define archive_zlib_version (*la_api.archive_zlib_version)
#endif

#endif
