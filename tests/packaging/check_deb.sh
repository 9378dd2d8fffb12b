#!/usr/bin/env bash
# The .deb built from this build (cmake/package.cmake), inspected with dpkg-deb and checked with
# lintian; installing it is not part of the test. Exits 77 (skipped) naming what is missing.
# Usage: check_deb.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1
build=$2

for tool in dpkg-deb lintian help2man cpack; do
  if ! command -v "$tool" >/dev/null; then
    echo "skipped: $tool is not installed (scripts/install-deps --tests installs it)"
    exit 77
  fi
done

fail() { echo "FAIL: $*" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --build "$build" --target staffeln_package_docs >/dev/null
(cd "$build" && cpack -G DEB -B "$work" >"$work/cpack.log" 2>&1) || fail "cpack: $(cat "$work/cpack.log")"
deb=$(ls "$work"/staffeln_*.deb)
echo "built $(basename "$deb")"

dpkg-deb --info "$deb" >"$work/info"
dpkg-deb --contents "$deb" >"$work/contents"
dpkg-deb --ctrl-tarfile "$deb" | tar -x -C "$work" ./conffiles ./postinst
for path in ./usr/bin/staffeln ./usr/bin/staffeln-conductor ./usr/bin/staffeln-api ./usr/bin/staffeln-db-manage \
            ./usr/lib/systemd/system/staffeln-conductor.service ./usr/lib/systemd/system/staffeln-api.service \
            ./usr/lib/sysusers.d/staffeln.conf ./usr/lib/tmpfiles.d/staffeln.conf ./etc/logrotate.d/staffeln \
            ./etc/staffeln/staffeln.conf ./usr/share/man/man1/staffeln.1.gz \
            ./usr/share/bash-completion/completions/staffeln ./usr/share/doc/staffeln/copyright \
            ./usr/share/doc/staffeln/changelog.gz ./usr/share/staffeln/templates/report.html.mustache \
            ./usr/share/man/man1/staffeln-conductor.1.gz ./usr/share/staffeln/prometheus/staffeln-rules.yml \
            ./usr/share/staffeln/grafana/staffeln.json; do
  grep -q " $path\( \|$\)" "$work/contents" || fail "$path is not in the package: $(cat "$work/contents")"
done
grep -q " ./usr/bin/staffeln-conductor -> staffeln$" "$work/contents" || fail "staffeln-conductor is no link to staffeln"
grep -qx "/etc/staffeln/staffeln.conf" "$work/conffiles" || fail "the sample configuration is no conffile"
grep -qx "/etc/logrotate.d/staffeln" "$work/conffiles" || fail "the logrotate file is no conffile"
grep -q "db-manage upgrade" "$work/postinst" || fail "postinst does not run db-manage upgrade"
grep -q "^ Depends:.*libsystemd0" "$work/info" || fail "Depends lacks libsystemd0: $(cat "$work/info")"
grep -q "^ Depends:.*procps" "$work/info" || fail "Depends lacks procps (/bin/kill of ExecReload): $(cat "$work/info")"
dpkg-deb --fsys-tarfile "$deb" | tar -x -O ./etc/staffeln/staffeln.conf | cmp -s - "$src/packaging/staffeln.conf" \
  || fail "the packaged staffeln.conf is not packaging/staffeln.conf"
for unit in conductor api; do
  dpkg-deb --fsys-tarfile "$deb" | tar -x -O "./usr/lib/systemd/system/staffeln-$unit.service" >"$work/unit"
  grep -qx "Type=notify" "$work/unit" || fail "staffeln-$unit.service is not Type=notify"
  grep -q "^WatchdogSec=" "$work/unit" || fail "staffeln-$unit.service has no watchdog"
done

# The completion's commands and subcommands are the binary's: each is listed by --help one level up.
completion="$src/packaging/bash-completion-staffeln"
bash -n "$completion" || fail "the bash completion does not parse"
"$build/staffeln" --help >"$work/help"
for command in $(sed -n 's/^ *"") words_here="\([^"$]*\).*/\1/p' "$completion"); do
  [[ $command == -* ]] && continue
  grep -qw -- "$command" "$work/help" || fail "completion offers '$command', which staffeln --help does not list"
  "$build/staffeln" "$command" --help >"$work/help-$command"
  for sub in $(sed -n "s/^ *$command) [^\"]*words_here=\"\([^\"]*\)\".*/\1/p" "$completion" | head -1); do
    [[ $sub == -* ]] && continue
    grep -qw -- "$sub" "$work/help-$command" ||
      fail "completion offers '$command $sub', which staffeln $command --help does not list"
  done
done

# Clean: no error and no warning (the package has no overrides).
if ! lintian --fail-on error,warning --tag-display-limit 0 "$deb" >"$work/lintian.log" 2>&1; then
  cat "$work/lintian.log"; fail "lintian found tags above"
fi
grep -v "running with root privileges" "$work/lintian.log" || true
echo "lintian: no error or warning"
