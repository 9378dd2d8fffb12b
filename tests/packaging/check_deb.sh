#!/usr/bin/env bash
# The .deb built from this build (cmake/package.cmake), inspected with dpkg-deb and checked with
# lintian; with STAFFELN_INSTALL_TEST=1 (scripts/test sets it) and as root, also installed on this
# machine with apt, then `staffeln --version`, `systemd-analyze verify` of its units and `man
# staffeln` from the installed files, and purged again. A machine where staffeln is installed
# already is left alone (that part is skipped, saying so). Exits 77 (skipped) naming what is missing.
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

# Installed on this machine, as an operator installs it; purged again whatever happens.
if [[ "${STAFFELN_INSTALL_TEST:-0}" != 1 ]]; then
  echo "install: not tried (STAFFELN_INSTALL_TEST=1 installs the package on this machine; scripts/test sets it)"
  exit 0
fi
[[ $(id -u) -eq 0 ]] || { echo "install: not tried: not root"; exit 0; }
if dpkg-query -W -f='${Status}' staffeln 2>/dev/null | grep -q "install ok"; then
  echo "install: not tried: a staffeln package is installed on this machine already, left alone"
  exit 0
fi
for tool in apt-get systemd-analyze man; do
  command -v "$tool" >/dev/null || fail "install: $tool is missing (scripts/install-deps --tests installs it)"
done
purge() { DEBIAN_FRONTEND=noninteractive apt-get purge -y -q staffeln >"$work/purge.log" 2>&1 || cat "$work/purge.log" >&2; }
trap 'purge; rm -rf "$work"' EXIT
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$deb" >"$work/install.log" 2>&1 ||
  fail "apt-get install $(basename "$deb"): $(cat "$work/install.log")"
[[ $(/usr/bin/staffeln --version) == $("$build/staffeln" --version) ]] ||
  fail "the installed staffeln --version printed '$(/usr/bin/staffeln --version)'"
[[ $(/usr/bin/staffeln-conductor --version) == $("$build/staffeln" --version) ]] || fail "staffeln-conductor --version"
getent passwd staffeln >/dev/null || fail "the package created no user staffeln"
[[ $(stat -c '%U %a' /var/lib/staffeln) == "staffeln 700" ]] || fail "/var/lib/staffeln is $(stat -c '%U %a' /var/lib/staffeln)"
[[ $(stat -c '%U' /var/lib/staffeln/staffeln.db) == staffeln ]] || fail "postinst's db-manage upgrade made no store: $(cat "$work/install.log")"
systemd-analyze verify /usr/lib/systemd/system/staffeln-conductor.service /usr/lib/systemd/system/staffeln-api.service \
  >"$work/verify.log" 2>&1 || fail "systemd-analyze verify: $(cat "$work/verify.log")"
MANPAGER=cat MANWIDTH=100 man staffeln >"$work/man.txt" 2>"$work/man.err" || fail "man staffeln: $(cat "$work/man.err")"
grep -q "db-manage" "$work/man.txt" || fail "man staffeln shows no command table: $(head -20 "$work/man.txt")"
purge
trap 'rm -rf "$work"' EXIT
[[ ! -e /usr/bin/staffeln ]] || fail "apt-get purge left /usr/bin/staffeln"
echo "install: apt-get install, --version, systemd-analyze verify, man staffeln and purge all fine"
