#!/usr/bin/env bash
# Installs the Debian packages of scripts/debian-packages.txt that are missing, when it can
# (root and apt-get): one `apt-get update`, then one `apt-get install`. With everything
# installed it costs one dpkg-query (~0.1 s) and prints nothing. Without root or apt-get it
# prints once what it could not install and exits 0: the tests then skip what needs those
# tools, and the test S3 falls back to s3rver. RDAV_TEST_INSTALL=0 turns installing off.
# Nothing is downloaded outside apt. Exit status: 0, also when something could not be installed,
# unless --strict is given (CI): then 1 when a package is still missing.
set -uo pipefail
STRICT=0; [ "${1:-}" = --strict ] && STRICT=1
LIST="$(dirname "${BASH_SOURCE[0]}")/debian-packages.txt"

mapfile -t wanted < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$LIST" | grep -v '^$')

missing=()
if command -v dpkg-query >/dev/null; then
  declare -A have=()
  while read -r pkg status; do [ "$status" = installed ] && have[$pkg]=1; done \
    < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${wanted[@]}" 2>/dev/null)
  for p in "${wanted[@]}"; do [ -n "${have[$p]:-}" ] || missing+=("$p"); done
else
  missing=("${wanted[@]}")
fi
[ ${#missing[@]} -eq 0 ] && exit 0

# What going without them means, said once.
consequence() {
  local msg="tests that need them are skipped"
  case " $* " in *" radosgw "*|*" ceph-mon "*|*" ceph-osd "*) msg+="; the test S3 is s3rver (no Ceph RGW)";; esac
  echo "$msg"
}

why=
if [ "${RDAV_TEST_INSTALL:-1}" = 0 ]; then why="RDAV_TEST_INSTALL=0"
elif [ "$(id -u)" != 0 ]; then why="not root"
elif ! command -v apt-get >/dev/null || ! command -v dpkg-query >/dev/null; then why="no apt-get"
fi
if [ -n "$why" ]; then
  echo "== not installed ($why): ${missing[*]} — $(consequence "${missing[@]}")"
  exit $STRICT
fi

echo "== installing Debian packages the tests need: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null || echo "== apt-get update failed; trying the install anyway" >&2
if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; then
  # One unavailable package fails the whole transaction: install the others one by one.
  failed=()
  for p in "${missing[@]}"; do
    apt-get install -y -q --no-install-recommends "$p" >/dev/null 2>&1 || failed+=("$p")
  done
  if [ ${#failed[@]} -gt 0 ]; then
    echo "== could not install: ${failed[*]} — $(consequence "${failed[@]}")"
    exit $STRICT
  fi
fi
exit 0
