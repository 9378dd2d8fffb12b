#!/usr/bin/env bash
# Installs the Debian 12 packages the end-to-end test cloud runs on (OpenStack zed from the
# Debian archive). Idempotent: exits at once when everything is installed. Package scripts
# are kept from starting services (policy-rc.d), since cloud.sh starts them itself on 127.0.0.1.
set -euo pipefail

packages=(
  mariadb-server-core mariadb-client-core python3-pymysql   # one mariadbd for every service (keystone cannot use SQLite under uwsgi); the client has mariadb-install-db's my_print_defaults
  rabbitmq-server                       # oslo.messaging between nova's and cinder's services
  python3-keystone uwsgi-core uwsgi-plugin-python3
  python3-placement
  python3-nova                          # nova-compute runs from here with fake.FakeDriver (no libvirt)
  python3-cinder
  nfs-common                            # cinder's NFS driver checks mount.nfs exists; nothing is NFS-mounted
  qemu-utils                            # qemu-img: NFS driver volume files and offline snapshots
  dmidecode                             # os-brick's connector properties; without it every backup fails
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
# Without this, invoke-rc.d would start rabbitmq on every interface during the install.
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
  $sudo chmod 755 /usr/sbin/policy-rc.d
  trap '$sudo rm -f /usr/sbin/policy-rc.d' EXIT
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"
