#!/usr/bin/env python3
"""
lint_tests.py - checks that cannot fail, and key generators outside fakekeys.py.

    lint_tests.py FILE...

Each test body runs under `set -e` (lib.sh), which ignores the status of `! cmd` (and of
everything but the last command of an && or || list): `! grep -q x file` in the middle of
a body passes whatever grep finds. So, in the shell files given:
  - no line may start with `!` (use expect_no_grep, must_fail, or
    `if cmd; then echo ...; exit 1; fi`);
  - a test body that uses `check` (git_lib.sh) must end with `checks_passed`, or its
    checks are only printed.
And in every file given (shell and Python), the base32 alphabet of key IDs may appear
only in tests/support/fakekeys.py: every fake key comes from that one module.
Prints one line per problem; exit status 1 if there is any.
"""

import os
import re
import sys

B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ" + "234567"  # split: this file is not a generator
BODY_START = re.compile(r"^\s*test_expect_success\s.*'\s*$")
BODY_END = re.compile(r"^\s*'\s*$")


def lint_shell(path, lines, problems):
    body = None  # (first line number, lines) of the test body being read
    heredoc = None
    for n, line in enumerate(lines, 1):
        if heredoc:
            if line.strip() == heredoc:
                heredoc = None
            continue
        m = re.search(r"<<-?\s*\\?['\"]?([A-Za-z_]\w*)['\"]?", line)
        if m and not line.lstrip().startswith("#"):
            heredoc = m.group(1)
        if re.match(r"^\s*!\s", line):
            problems.append("%s:%d: '!' at the start of a line: set -e ignores its status"
                            % (path, n))
        if body is None:
            if BODY_START.match(line):
                body = (n, [])
            continue
        if BODY_END.match(line):
            code = [l.strip() for l in body[1] if l.strip() and not l.strip().startswith("#")]
            if any(l.startswith("check ") for l in code) and code[-1] != "checks_passed":
                problems.append("%s:%d: a test body uses check but does not end with "
                                "checks_passed" % (path, body[0]))
            body = None
        else:
            body[1].append(line)


def main(argv):
    problems = []
    for path in argv[1:]:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        if B32 in text and os.path.basename(path) != "fakekeys.py":
            problems.append("%s: makes key IDs itself (the base32 alphabet): use "
                            "tests/support/fakekeys.py" % path)
        if path.endswith(".sh"):
            lint_shell(path, text.split("\n"), problems)
    for p in problems:
        print(p)
    print("lint_tests: %d files, %d problems" % (len(argv) - 1, len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
