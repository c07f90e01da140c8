#!/usr/bin/env bash
# Install what sesame needs to build (and, with --test, to run its tests) on Debian 12.
# Safe to run again: it only calls apt-get when something is missing.
set -euo pipefail
pkgs=(build-essential cmake pkg-config git ca-certificates
      libhyperscan-dev libpcre2-dev libgit2-dev libcurl4-openssl-dev nettle-dev
      libjansson-dev libarchive-dev zlib1g-dev libdeflate-dev libsqlite3-dev libpq-dev)
if [ "${1:-}" = "--test" ]; then
  pkgs+=(python3 python3-jsonschema openssl ripgrep zip unzip groff-base bsdextrautils chromium
        dpkg-dev file jq python3-yaml  # cpack -G DEB (dpkg-shlibdeps), CI and deploy recipes (t0960, t0970, t0870)
        strace binutils  # t0360: what a run opens at start, what the binary links
        postgresql)  # the PostgreSQL store's tests start a private server (tests/support/pg_server.sh)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
