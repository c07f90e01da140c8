/*
 * source/git/nonet/gssapi_none.c - a stand-in for MIT GSSAPI (libgssapi_krb5.so.2),
 * which libgit2 links for Negotiate (Kerberos) authentication over HTTP. Built as a
 * small shared library of that soname, its symbols in MIT's version node
 * (gssapi_none.map), loaded instead of it by a process that never lets libgit2 reach a
 * remote: see libssh2_none.c. No function here is ever called: each aborts with its
 * name (never.h). GSS_C_NT_HOSTBASED_SERVICE is data (an OID pointer), bound at load.
 */
#define STANDIN_CALLER "libgit2"
#define STANDIN_WHY "it reads no remote"
#include "source/standin/never.h"

extern void *GSS_C_NT_HOSTBASED_SERVICE;
void *GSS_C_NT_HOSTBASED_SERVICE = NULL;

#define GSS_NEVER(f) NEVER("GSSAPI", f)

GSS_NEVER(gss_delete_sec_context)
GSS_NEVER(gss_display_status)
GSS_NEVER(gss_import_name)
GSS_NEVER(gss_indicate_mechs)
GSS_NEVER(gss_init_sec_context)
GSS_NEVER(gss_release_buffer)
GSS_NEVER(gss_release_name)
GSS_NEVER(gss_release_oid_set)
