#!/usr/bin/env bash
# make_deb.sh BUILD OUTDIR: the .deb of an already built tree, as `cpack -G DEB` in BUILD
# makes it (BUILD's CPackConfig.cmake: name, version, Depends by dpkg-shlibdeps), but
# without letting cpack build BUILD again first (its "preinstall" step would relink the
# binary other tests are running): the install rules stage the files (cmake --install,
# which builds nothing) and cpack packs that staging tree. For t0960 and t0970.
set -euo pipefail
build=$1 out=$2
stage=$(mktemp -d "${TMPDIR:-/tmp}/sesame-stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
DESTDIR="$stage" cmake --install "$build" --prefix /usr >/dev/null
mkdir -p "$out"
cd "$out"
cpack -G DEB -B "$out" -D CPACK_INSTALL_CMAKE_PROJECTS= -D "CPACK_INSTALLED_DIRECTORIES=$stage;." \
    --config "$build/CPackConfig.cmake"
