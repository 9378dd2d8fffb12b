#!/usr/bin/env bash
# packaging/build-image's checks before it builds anything (its --plan mode, no buildah needed):
# the base's cache key is made of every package's candidate version, so a security update in the
# archive makes a new base; a library the binary needs that ldd cannot resolve stops the build
# with the library's name.
# Usage: check_build_image.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1
build=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

plan=$("$src/packaging/build-image" --plan "$build")
head -1 <<<"$plan" | grep -Eq '^key [0-9a-f]{16}$' || fail "no key line: $(head -1 <<<"$plan")"
# The packages owning the linked libraries, one of their dependencies and an essential one, each at
# apt's candidate version; tzdata for [conductor] timezone's named zones.
for package in libcurl4 libssl3 libdate-tz3 libc6 dpkg tzdata; do
  candidate=$(apt-cache policy "$package" | awk '$1 == "Candidate:" {print $2}')
  grep -qxF "$package $candidate" <<<"$plan" || fail "$package $candidate is not in the key's input"
done
echo "ok: the key covers $(($(wc -l <<<"$plan") - 1)) packages at their candidate versions"

# A binary that needs a library which is gone.
mkdir -p "$work/lib" "$work/build"
echo 'int gone(void) { return 0; }' >"$work/gone.c"
echo 'int gone(void); int main(void) { return gone(); }' >"$work/main.c"
cc -shared -fPIC -o "$work/lib/libgone.so" "$work/gone.c"
cc -o "$work/build/staffeln" "$work/main.c" -L"$work/lib" -lgone
rm "$work/lib/libgone.so"
if out=$("$src/packaging/build-image" --plan "$work/build" 2>&1); then fail "a missing library was not caught: $out"; fi
expected="packaging/build-image: libgone.so (needed by $work/build/staffeln) is not found by ldd"
[[ "$out" == "$expected" ]] || fail "expected '$expected', got '$out'"
echo "ok: a library ldd cannot find is named"
