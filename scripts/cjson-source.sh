#!/usr/bin/env bash
# Fetches cJSON's source (Debian's source package, with Debian's patches
# applied) into DIR, for the C test program's cross builds (mingw-w64, musl):
# Debian ships cJSON built for glibc only. Nothing is installed: apt-get runs
# with a private configuration and cache under DIR (a deb-src line for the
# system's own release), and the sources land in DIR/src (cJSON.c, cJSON.h).
# Re-runnable: a DIR/src that has cJSON.c is kept.
#
#   scripts/cjson-source.sh DIR
set -euo pipefail

dir=$(mkdir -p "$1" && cd "$1" && pwd)
[ -f "$dir/src/cJSON.c" ] && exit 0

. /etc/os-release
codename=${VERSION_CODENAME:?no VERSION_CODENAME in /etc/os-release}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
apt="$dir/apt"
rm -rf "$apt" "$dir/src"
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/download"
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $codename main" \
  >"$apt/sources.list"
opts=(-q -o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o Debug::NoLocking=1
  -o APT::Sandbox::User=root)
echo "cjson-source: fetching Debian's cjson source package ($codename) into $apt/download"
apt-get "${opts[@]}" update >/dev/null
(cd "$apt/download" && apt-get "${opts[@]}" source --download-only cjson >/dev/null)
dsc=$(ls "$apt"/download/cjson_*.dsc)
# dpkg-source unpacks the upstream tarball and applies Debian's patches.
dpkg-source --no-check -x "$dsc" "$apt/unpacked" >/dev/null
mkdir -p "$dir/src"
cp "$apt/unpacked/cJSON.c" "$apt/unpacked/cJSON.h" "$apt/unpacked/LICENSE" "$dir/src/"
echo "cjson-source: $(basename "$dsc" .dsc) in $dir/src"
