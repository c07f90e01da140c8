/*
 * tests/support/pg_fixture.h - a private PostgreSQL server for a unit test
 * (tests/support/pg_server.sh: initdb + pg_ctl on a Unix socket in a new temporary
 * directory; never skipped: a server that does not start is a failed check).
 */
#ifndef SESAME_TESTS_PG_FIXTURE_H
#define SESAME_TESTS_PG_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "harness.h"

static char pg_fixture_dir[256];

/* Start a server; its directory (the socket is there). Run from the source tree. */
static char *pg_fixture_start(void)
{
    const char *t = getenv("TMPDIR");
    char *cmd;

    snprintf(pg_fixture_dir, sizeof(pg_fixture_dir), "%s/sesame-pg.XXXXXX",
             t && *t && strlen(t) < 60 ? t : "/tmp");
    CHECK(mkdtemp(pg_fixture_dir) != NULL);
    cmd = xasprintf("sh tests/support/pg_server.sh start %s", pg_fixture_dir);
    CHECK(system(cmd) == 0);
    free(cmd);
    return pg_fixture_dir;
}

/* Stop it (if still up) and remove its directory. */
static void pg_fixture_stop(void)
{
    char *cmd = xasprintf("sh tests/support/pg_server.sh stop %s", pg_fixture_dir);
    CHECK(system(cmd) == 0);
    free(cmd);
}

#endif
