#!/usr/bin/env bash
# The container image test: packaging/build-image builds the image from BUILD_DIR's binary, then
# podman runs it as deploy/kubernetes runs it (uid 42424, read-only root, no capabilities, the
# config and state mounted) for --version under both command names and the demo cycle
# (db-manage upgrade, conductor --once) against staffeln-simcloud on the host's loopback.
# Also checked: the process is not root, every library resolves, no compiler is in the image, and
# the manifests' image is staffeln:VERSION. Exits 77 (skipped) when the tools are missing.
# Usage: tests/deploy/check_image.sh SOURCE_DIR BUILD_DIR SIMCLOUD_BINARY
set -euo pipefail
src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
simcloud=$3

for tool in buildah podman mmdebstrap; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIPPED: $tool is missing (scripts/install-deps --tests installs buildah podman mmdebstrap runc)"
    exit 77
  fi
done
if [[ $(id -u) -ne 0 ]]; then
  echo "SKIPPED: run as root: the image's uid 42424 must own the mounted state directory"
  exit 77
fi

fail() { echo "FAIL: $*" >&2; exit 1; }
version=$("$build/staffeln" --version)
tag="localhost/staffeln:$version"

# The manifests run the image under the name the build gives it, with `staffeln` on its PATH.
for manifest in "$src"/deploy/kubernetes/*.yaml; do
  while read -r image; do
    [[ "$image" == */staffeln:"$version" ]] ||
      fail "$manifest: image $image is not staffeln:$version (packaging/build-image tags $tag)"
  done < <(sed -n 's/^ *image: *//p' "$manifest")
done

# The image store lives in the build directory, so a rerun reuses the base image and its tarball.
export STAFFELN_IMAGE_STORAGE="$build/tests/image-storage"
start=$SECONDS
"$src/packaging/build-image" "$build" "$tag"
echo "== built in $((SECONDS - start)) s"

podman=(podman --root "$STAFFELN_IMAGE_STORAGE/root" --runroot "$STAFFELN_IMAGE_STORAGE/run"
        --storage-driver "${STAFFELN_IMAGE_DRIVER:-overlay}")
# The image a rebuild replaced would otherwise pile up in the build directory.
"${podman[@]}" image prune --force >/dev/null
# runc where installed: crun refuses hosts with cgroups v1 and v2 mounted side by side (hybrid).
if command -v runc >/dev/null; then podman+=(--runtime runc); fi
# Explicit limits: podman's default nofile limit (1048576) needs CAP_SYS_RESOURCE, which a
# sandboxed host may not grant.
run=("${podman[@]}" run --rm --network host --ulimit nofile=4096:4096 --ulimit nproc=4096:4096
     --read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges)

out=$("${run[@]}" "$tag" --version) || fail "staffeln --version did not run in the image"
[[ "$out" == "$version" ]] || fail "staffeln --version in the image printed '$out', expected '$version'"
out=$("${run[@]}" --entrypoint staffeln-conductor "$tag" --version) || fail "staffeln-conductor --version did not run"
[[ "$out" == "$version" ]] || fail "staffeln-conductor --version in the image printed '$out', expected '$version'"
# One shell in the image for the rest: it runs as 42424, every library resolves, the command names
# are links to the one binary, and no compiler or test tool is there. (perl-base stays: it is in
# Debian's Essential set, which dpkg in every Debian image needs.)
# shellcheck disable=SC2016  # the script is expanded by the image's shell
out=$("${run[@]}" --entrypoint /bin/sh "$tag" -c '
  echo "uid $(id -u)"
  ldd /usr/local/bin/staffeln | grep "not found"
  for name in staffeln-conductor staffeln-api staffeln-db-manage; do
    [ "$(readlink /usr/local/bin/$name)" = staffeln ] || echo "/usr/local/bin/$name is not a link to staffeln"
  done
  for c in cc gcc g++ c++ clang cpp ld as make cmake gdb python3 etcd nginx; do
    command -v "$c" >/dev/null && echo "tool in the image: $(command -v "$c")"
  done
  true') || fail "the checks in the image did not run"
[[ "$out" == "uid 42424" ]] || fail "in the image (expected only 'uid 42424'): $out"

# The demo cycle (scripts/demo) inside the container, against the simulated cloud on the host.
work=$(mktemp -d /tmp/staffeln-image-test.XXXXXX)
sim_pid=""
cleanup() {
  if [[ -n "$sim_pid" ]]; then kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
"$simcloud" --scenario "$src/tests/fixtures/simcloud/demo.json" --port 0 \
  --openrc "$work/openrc" >"$work/simcloud.url" 2>"$work/simcloud.log" &
sim_pid=$!
for _ in $(seq 100); do [[ -s "$work/simcloud.url" ]] && break; sleep 0.1; done
[[ -s "$work/simcloud.url" ]] || { cat "$work/simcloud.log" >&2; fail "staffeln-simcloud did not start"; }
# Only the openrc's own variables go into the container, never the host's: an OS_CLOUD set here
# on purpose would send staffeln looking for a clouds.yaml the container does not have.
export OS_CLOUD=the-host-cloud-not-for-the-container
# shellcheck disable=SC1091
source "$work/openrc"
env_args=()
for name in $(sed -n 's/^export \(OS_[A-Za-z0-9_]*\)=.*/\1/p' "$work/openrc"); do env_args+=(-e "$name"); done
[[ " ${env_args[*]} " == *" OS_AUTH_URL "* ]] || fail "no OS_AUTH_URL in $work/openrc"

mkdir -p "$work/etc" "$work/state"
chown 42424:42424 "$work/state"
chmod 0755 "$work"
cat >"$work/etc/staffeln.conf" <<CONF
[conductor]
backup_metadata_key = __staffeln_backup
retention_metadata_key = __staffeln_retention
backup_cycle_timout = 5min

[database]
connection = sqlite:////var/lib/staffeln/staffeln.db
CONF
chmod 0644 "$work/etc/staffeln.conf"
cycle=("${run[@]}" "${env_args[@]}" -v "$work/etc:/etc/staffeln:ro" -v "$work/state:/var/lib/staffeln"
       --entrypoint staffeln "$tag" --config-file /etc/staffeln/staffeln.conf)
"${cycle[@]}" db-manage upgrade || fail "staffeln db-manage upgrade failed in the image"
"${cycle[@]}" conductor --once >"$work/conductor.log" 2>&1 || { cat "$work/conductor.log" >&2; fail "staffeln conductor --once failed in the image"; }
sed -n '/^backup cycle:/,$p' "$work/conductor.log"
grep -qx 'backup cycle: 4 started, 4 succeeded, 0 failed, 0 cancelled, 0 skipped, 0 adopted' "$work/conductor.log" ||
  fail "the conductor in the image did not back up demo.json's 4 volumes (log above)"
[[ -s "$work/state/staffeln.db" ]] || fail "the conductor left no store in the mounted /var/lib/staffeln"
echo "== image test passed in $SECONDS s"
