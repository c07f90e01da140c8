/*
 * source/git/lazy.h - libgit2, loaded when the first repository is looked at.
 *
 * Why: libgit2 1.5 (Debian 12) brings mbedTLS (3 libraries), libssh2, http_parser and
 * the Kerberos stack (gssapi_krb5, krb5, k5crypto, com_err, krb5support, keyutils,
 * resolv): 11 of the binary's 26 libraries, about 1.4 ms of CPU at every process start
 * (benches/RESULTS.md, issue 16 item 5), paid by `sesame version` and every scan of a
 * directory or an archive, which never read a repository. The adapter's files include
 * this header (through internal.h) instead of <git2.h> alone: each libgit2 function
 * they call is a pointer in lg_api (resolved by base/dl.h), and a macro of the
 * function's name calls through it, so the code reads as before. open.c's ready()
 * loads the library (lg_load()) in every public function that can be called before a
 * repository is open; the others need an open repository, so it is loaded by then.
 * A libgit2 function called without being listed here does not link (libgit2 is not
 * linked); tests/unit/test_dl.c checks that the installed libgit2 has every one.
 */
#ifndef SESAME_SOURCE_GIT_LAZY_H
#define SESAME_SOURCE_GIT_LAZY_H

#include <stdbool.h>
#include <string.h>

#include <git2.h>

#include "base/dl.h"

/* libgit2 1.5's soname: its ABI changes with every minor release. */
#define LG_SONAME "libgit2.so.1.5"

/* The libgit2 functions the adapter calls. */
#define LG_FUNCS(X)                                                                         \
    X(git_buf_dispose)                                                                      \
    X(git_commit_author)                                                                    \
    X(git_commit_committer)                                                                 \
    X(git_commit_free)                                                                      \
    X(git_commit_id)                                                                        \
    X(git_commit_lookup)                                                                    \
    X(git_commit_parent)                                                                    \
    X(git_commit_parent_id)                                                                 \
    X(git_commit_parentcount)                                                               \
    X(git_commit_summary)                                                                   \
    X(git_commit_tree_id)                                                                   \
    X(git_config_foreach)                                                                   \
    X(git_config_free)                                                                      \
    X(git_config_get_path)                                                                  \
    X(git_config_get_string_buf)                                                            \
    X(git_config_parse_bool)                                                                \
    X(git_error_last)                                                                       \
    X(git_error_set_str)                                                                    \
    X(git_graph_reachable_from_any)                                                         \
    X(git_index_entry_stage)                                                                \
    X(git_index_entrycount)                                                                 \
    X(git_index_free)                                                                       \
    X(git_index_get_byindex)                                                                \
    X(git_libgit2_init)                                                                     \
    X(git_libgit2_opts)                                                                     \
    X(git_libgit2_shutdown)                                                                 \
    X(git_libgit2_version)                                                                  \
    X(git_object_free)                                                                      \
    X(git_object_id)                                                                        \
    X(git_object_lookup)                                                                    \
    X(git_object_peel)                                                                      \
    X(git_object_type)                                                                      \
    X(git_odb_exists)                                                                       \
    X(git_odb_exists_ext)                                                                   \
    X(git_odb_foreach)                                                                      \
    X(git_odb_free)                                                                         \
    X(git_odb_object_data)                                                                  \
    X(git_odb_object_free)                                                                  \
    X(git_odb_object_size)                                                                  \
    X(git_odb_object_type)                                                                  \
    X(git_odb_open)                                                                         \
    X(git_odb_read)                                                                         \
    X(git_odb_read_header)                                                                  \
    X(git_odb_set_commit_graph)                                                             \
    X(git_oid_cpy)                                                                          \
    X(git_oid_equal)                                                                        \
    X(git_oid_fromstr)                                                                      \
    X(git_oid_is_zero)                                                                      \
    X(git_oid_tostr)                                                                        \
    X(git_reference_free)                                                                   \
    X(git_reference_iterator_free)                                                          \
    X(git_reference_iterator_glob_new)                                                      \
    X(git_reference_iterator_new)                                                           \
    X(git_reference_name)                                                                   \
    X(git_reference_name_to_id)                                                             \
    X(git_reference_next)                                                                   \
    X(git_reference_peel)                                                                   \
    X(git_reference_resolve)                                                                \
    X(git_reference_target)                                                                 \
    X(git_reference_target_peel)                                                            \
    X(git_reference_type)                                                                   \
    X(git_reflog_entry_byindex)                                                             \
    X(git_reflog_entry_id_new)                                                              \
    X(git_reflog_entrycount)                                                                \
    X(git_reflog_free)                                                                      \
    X(git_reflog_read)                                                                      \
    X(git_repository_commondir)                                                             \
    X(git_repository_config)                                                                \
    X(git_repository_config_snapshot)                                                       \
    X(git_repository_free)                                                                  \
    X(git_repository_index)                                                                 \
    X(git_repository_is_bare)                                                               \
    X(git_repository_is_empty)                                                              \
    X(git_repository_odb)                                                                   \
    X(git_repository_open_ext)                                                              \
    X(git_repository_path)                                                                  \
    X(git_repository_workdir)                                                               \
    X(git_revparse)                                                                         \
    X(git_revparse_single)                                                                  \
    X(git_revwalk_free)                                                                     \
    X(git_revwalk_hide)                                                                     \
    X(git_revwalk_new)                                                                      \
    X(git_revwalk_next)                                                                     \
    X(git_revwalk_push)                                                                     \
    X(git_revwalk_sorting)                                                                  \
    X(git_status_byindex)                                                                   \
    X(git_status_list_entrycount)                                                           \
    X(git_status_list_free)                                                                 \
    X(git_status_list_new)                                                                  \
    X(git_status_options_init)                                                              \
    X(git_tag_free)                                                                         \
    X(git_tag_lookup)                                                                       \
    X(git_tag_name)                                                                         \
    X(git_tag_target)                                                                       \
    X(git_tag_target_id)                                                                    \
    X(git_tree_entry_byindex)                                                               \
    X(git_tree_entry_bypath)                                                                \
    X(git_tree_entry_free)                                                                  \
    X(git_tree_entry_id)                                                                    \
    X(git_tree_entry_name)                                                                  \
    X(git_tree_entry_type)                                                                  \
    X(git_tree_entrycount)                                                                  \
    X(git_tree_free)                                                                        \
    X(git_tree_lookup)

struct lg_api {
    LG_FUNCS(DL_FIELD_)
};
extern struct lg_api lg_api;

/* Load libgit2 and fill lg_api, once (thread-safe): false, with the loader's message
 * in lg_error() ("cannot load libgit2.so.1.5: ..."), if it cannot be. */
bool lg_load(void);
const char *lg_error(void);

/*
 * Without libgit2's network libraries. The process promises that libgit2 never reaches
 * a remote (sesame never does: the functions above open, walk and read) and that
 * nothing it loads later needs libssh2 or GSSAPI (libcurl and libpq do: verification and
 * the PostgreSQL store): then lg_load() first loads the stand-ins of nonet/ (shared
 * libraries of libssh2's and GSSAPI's sonames whose functions are never called) and
 * libgit2 is bound to them, so neither libssh2, OpenSSL's libcrypto nor the Kerberos
 * libraries are loaded: 4.5 ms of libgit2's 6.5 ms load and its OpenSSL start
 * (benches/RESULTS.md, issue 16). The pre-receive hook makes that promise. When the
 * stand-ins are not found, or this libgit2 needs something they lack, libgit2 is loaded
 * as without the promise. Call before the first lg_load().
 */
void lg_without_network(void);
/* Where the stand-ins are looked for (tests); NULL, the default: lib/sesame/ next to
 * the executable (the build tree), then ../lib/sesame/ (an installation). A directory
 * or file that is neither root's nor ours, or that group or others may write, is not
 * used. */
void lg_set_nonet_dir(const char *dir);
/* libgit2 is loaded and bound to the stand-ins (libssh2's functions are theirs). */
bool lg_nonet_used(void);

#ifndef LG_NO_REDIRECT
#define git_buf_dispose (*lg_api.git_buf_dispose)
#define git_commit_author (*lg_api.git_commit_author)
#define git_commit_committer (*lg_api.git_commit_committer)
#define git_commit_free (*lg_api.git_commit_free)
#define git_commit_id (*lg_api.git_commit_id)
#define git_commit_lookup (*lg_api.git_commit_lookup)
#define git_commit_parent (*lg_api.git_commit_parent)
#define git_commit_parent_id (*lg_api.git_commit_parent_id)
#define git_commit_parentcount (*lg_api.git_commit_parentcount)
#define git_commit_summary (*lg_api.git_commit_summary)
#define git_commit_tree_id (*lg_api.git_commit_tree_id)
#define git_config_foreach (*lg_api.git_config_foreach)
#define git_config_free (*lg_api.git_config_free)
#define git_config_get_path (*lg_api.git_config_get_path)
#define git_config_get_string_buf (*lg_api.git_config_get_string_buf)
#define git_config_parse_bool (*lg_api.git_config_parse_bool)
#define git_error_last (*lg_api.git_error_last)
#define git_error_set_str (*lg_api.git_error_set_str)
#define git_graph_reachable_from_any (*lg_api.git_graph_reachable_from_any)
#define git_index_entry_stage (*lg_api.git_index_entry_stage)
#define git_index_entrycount (*lg_api.git_index_entrycount)
#define git_index_free (*lg_api.git_index_free)
#define git_index_get_byindex (*lg_api.git_index_get_byindex)
#define git_libgit2_init (*lg_api.git_libgit2_init)
#define git_libgit2_opts (*lg_api.git_libgit2_opts)
#define git_libgit2_shutdown (*lg_api.git_libgit2_shutdown)
#define git_libgit2_version (*lg_api.git_libgit2_version)
#define git_object_free (*lg_api.git_object_free)
#define git_object_id (*lg_api.git_object_id)
#define git_object_lookup (*lg_api.git_object_lookup)
#define git_object_peel (*lg_api.git_object_peel)
#define git_object_type (*lg_api.git_object_type)
#define git_odb_exists (*lg_api.git_odb_exists)
#define git_odb_exists_ext (*lg_api.git_odb_exists_ext)
#define git_odb_foreach (*lg_api.git_odb_foreach)
#define git_odb_free (*lg_api.git_odb_free)
#define git_odb_object_data (*lg_api.git_odb_object_data)
#define git_odb_object_free (*lg_api.git_odb_object_free)
#define git_odb_object_size (*lg_api.git_odb_object_size)
#define git_odb_object_type (*lg_api.git_odb_object_type)
#define git_odb_open (*lg_api.git_odb_open)
#define git_odb_read (*lg_api.git_odb_read)
#define git_odb_read_header (*lg_api.git_odb_read_header)
#define git_odb_set_commit_graph (*lg_api.git_odb_set_commit_graph)
#define git_oid_cpy (*lg_api.git_oid_cpy)
#define git_oid_equal (*lg_api.git_oid_equal)
#define git_oid_fromstr (*lg_api.git_oid_fromstr)
#define git_oid_is_zero (*lg_api.git_oid_is_zero)
#define git_oid_tostr (*lg_api.git_oid_tostr)
#define git_reference_free (*lg_api.git_reference_free)
#define git_reference_iterator_free (*lg_api.git_reference_iterator_free)
#define git_reference_iterator_glob_new (*lg_api.git_reference_iterator_glob_new)
#define git_reference_iterator_new (*lg_api.git_reference_iterator_new)
#define git_reference_name (*lg_api.git_reference_name)
#define git_reference_name_to_id (*lg_api.git_reference_name_to_id)
#define git_reference_next (*lg_api.git_reference_next)
#define git_reference_peel (*lg_api.git_reference_peel)
#define git_reference_resolve (*lg_api.git_reference_resolve)
#define git_reference_target (*lg_api.git_reference_target)
#define git_reference_target_peel (*lg_api.git_reference_target_peel)
#define git_reference_type (*lg_api.git_reference_type)
#define git_reflog_entry_byindex (*lg_api.git_reflog_entry_byindex)
#define git_reflog_entry_id_new (*lg_api.git_reflog_entry_id_new)
#define git_reflog_entrycount (*lg_api.git_reflog_entrycount)
#define git_reflog_free (*lg_api.git_reflog_free)
#define git_reflog_read (*lg_api.git_reflog_read)
#define git_repository_commondir (*lg_api.git_repository_commondir)
#define git_repository_config (*lg_api.git_repository_config)
#define git_repository_config_snapshot (*lg_api.git_repository_config_snapshot)
#define git_repository_free (*lg_api.git_repository_free)
#define git_repository_index (*lg_api.git_repository_index)
#define git_repository_is_bare (*lg_api.git_repository_is_bare)
#define git_repository_is_empty (*lg_api.git_repository_is_empty)
#define git_repository_odb (*lg_api.git_repository_odb)
#define git_repository_open_ext (*lg_api.git_repository_open_ext)
#define git_repository_path (*lg_api.git_repository_path)
#define git_repository_workdir (*lg_api.git_repository_workdir)
#define git_revparse (*lg_api.git_revparse)
#define git_revparse_single (*lg_api.git_revparse_single)
#define git_revwalk_free (*lg_api.git_revwalk_free)
#define git_revwalk_hide (*lg_api.git_revwalk_hide)
#define git_revwalk_new (*lg_api.git_revwalk_new)
#define git_revwalk_next (*lg_api.git_revwalk_next)
#define git_revwalk_push (*lg_api.git_revwalk_push)
#define git_revwalk_sorting (*lg_api.git_revwalk_sorting)
#define git_status_byindex (*lg_api.git_status_byindex)
#define git_status_list_entrycount (*lg_api.git_status_list_entrycount)
#define git_status_list_free (*lg_api.git_status_list_free)
#define git_status_list_new (*lg_api.git_status_list_new)
#define git_status_options_init (*lg_api.git_status_options_init)
#define git_tag_free (*lg_api.git_tag_free)
#define git_tag_lookup (*lg_api.git_tag_lookup)
#define git_tag_name (*lg_api.git_tag_name)
#define git_tag_target (*lg_api.git_tag_target)
#define git_tag_target_id (*lg_api.git_tag_target_id)
#define git_tree_entry_byindex (*lg_api.git_tree_entry_byindex)
#define git_tree_entry_bypath (*lg_api.git_tree_entry_bypath)
#define git_tree_entry_free (*lg_api.git_tree_entry_free)
#define git_tree_entry_id (*lg_api.git_tree_entry_id)
#define git_tree_entry_name (*lg_api.git_tree_entry_name)
#define git_tree_entry_type (*lg_api.git_tree_entry_type)
#define git_tree_entrycount (*lg_api.git_tree_entrycount)
#define git_tree_free (*lg_api.git_tree_free)
#define git_tree_lookup (*lg_api.git_tree_lookup)
#endif

#endif
