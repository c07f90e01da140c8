/*
 * source/git/nonet/libssh2_none.c - a stand-in for libssh2, which libgit2 links for its
 * SSH transport. Built as a small shared library whose soname is libssh2's
 * ("libssh2.so.1", CMakeLists.txt); not part of the scanner.
 *
 * Why: libgit2 1.5 (Debian 12) needs libssh2, which needs OpenSSL's libcrypto, and
 * GSSAPI (gssapi_none.c), which needs the Kerberos libraries: 9 of the 14 libraries
 * libgit2 brings, two thirds of its 6.5 ms dlopen() and a 1.5 ms OpenSSL start inside
 * git_libgit2_init(), on the critical path of every pre-receive hook (benches/RESULTS.md,
 * issue 16). sesame only reads repositories on disk: it never lets libgit2 open a
 * remote (source/git/lazy.h lists every libgit2 function it calls). A process that
 * promises as much (lg_without_network(), the hook) has lazy.c load this library, and
 * gssapi_none's, before libgit2: the dynamic linker then finds a library of the soname
 * libgit2 needs already loaded and binds libgit2 to it, and the real ones are never
 * opened. libgit2 is bound at load (BIND_NOW), so every libssh2 function it refers to
 * is defined here (test_nonet checks this against the installed libgit2; when one is
 * missing lazy.c loads libgit2 with its own libraries, as without the promise).
 * libssh2_init and libssh2_exit are called by git_libgit2_init and its shutdown, and
 * succeed; every other one aborts with its name (never.h).
 */
#define STANDIN_CALLER "libgit2"
#define STANDIN_WHY "it reads no remote"
#include "source/standin/never.h"

int libssh2_init(int flags);
void libssh2_exit(void);

int libssh2_init(int flags)
{
    (void)flags;
    return 0;
}

void libssh2_exit(void)
{
}

#define SSH2_NEVER(f) NEVER("libssh2", f)

SSH2_NEVER(libssh2_agent_connect)
SSH2_NEVER(libssh2_agent_disconnect)
SSH2_NEVER(libssh2_agent_free)
SSH2_NEVER(libssh2_agent_get_identity)
SSH2_NEVER(libssh2_agent_init)
SSH2_NEVER(libssh2_agent_list_identities)
SSH2_NEVER(libssh2_agent_userauth)
SSH2_NEVER(libssh2_channel_close)
SSH2_NEVER(libssh2_channel_free)
SSH2_NEVER(libssh2_channel_open_ex)
SSH2_NEVER(libssh2_channel_process_startup)
SSH2_NEVER(libssh2_channel_read_ex)
SSH2_NEVER(libssh2_channel_set_blocking)
SSH2_NEVER(libssh2_channel_write_ex)
SSH2_NEVER(libssh2_hostkey_hash)
SSH2_NEVER(libssh2_knownhost_checkp)
SSH2_NEVER(libssh2_knownhost_free)
SSH2_NEVER(libssh2_knownhost_init)
SSH2_NEVER(libssh2_knownhost_readfile)
SSH2_NEVER(libssh2_session_abstract)
SSH2_NEVER(libssh2_session_disconnect_ex)
SSH2_NEVER(libssh2_session_free)
SSH2_NEVER(libssh2_session_handshake)
SSH2_NEVER(libssh2_session_hostkey)
SSH2_NEVER(libssh2_session_init_ex)
SSH2_NEVER(libssh2_session_last_error)
SSH2_NEVER(libssh2_session_method_pref)
SSH2_NEVER(libssh2_session_set_blocking)
SSH2_NEVER(libssh2_userauth_authenticated)
SSH2_NEVER(libssh2_userauth_keyboard_interactive_ex)
SSH2_NEVER(libssh2_userauth_list)
SSH2_NEVER(libssh2_userauth_password_ex)
SSH2_NEVER(libssh2_userauth_publickey)
SSH2_NEVER(libssh2_userauth_publickey_fromfile_ex)
SSH2_NEVER(libssh2_userauth_publickey_frommemory)
