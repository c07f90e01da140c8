/*
 * cli/docgen.c - build-time generator: `sesame-docgen man|bash|zsh|fish OUT` writes the
 * man page or a shell completion from the option table (cli/options.c).
 */
#include <stdio.h>
#include <string.h>

#include "cli/options.h"

int main(int argc, char **argv)
{
    FILE *out;
    int ok = 1;

    if (argc != 3) {
        fprintf(stderr, "usage: sesame-docgen man|bash|zsh|fish OUT\n");
        return 2;
    }
    if (!(out = fopen(argv[2], "w"))) {
        perror(argv[2]);
        return 1;
    }
    if (strcmp(argv[1], "man") == 0)
        cli_man(out, SESAME_VERSION);
    else
        ok = cli_completion(out, argv[1]);
    if (fclose(out) != 0 || !ok) {
        fprintf(stderr, "sesame-docgen: cannot write %s\n", argv[2]);
        remove(argv[2]);
        return 1;
    }
    return 0;
}
