#!/usr/bin/env bash
# Every rule's examples match and its negative examples do not (sesame rules check).
set -u
out=$("$SESAME_BIN" rules check 2>&1)
rc=$?
echo "$out"
[ $rc -eq 0 ] && echo "$out" | grep -q ' 0 failed$'
