#!/usr/bin/env bash
# The project's test command (`npm test`). Starts a test S3 and runs the node:test suites.
#   scripts/test.sh                         # every test/**/*.test.ts
#   scripts/test.sh test/contract/s3.test.ts # selected files
# First the Debian packages of scripts/debian-packages.txt (Ceph, litmus, rclone, chromium,
# redis-server, haproxy, php-cli…) are installed if missing and we are root with apt-get
# (scripts/install-debian-packages.sh; otherwise it says once what is missing and goes on).
# S3: if RDAV_TEST_S3_ENDPOINT is already set, that server is used as is. Otherwise a throwaway
# Ceph RGW (scripts/s3-test-server/start-rgw.sh) when radosgw, ceph-mon and ceph-osd are
# installed, else s3rver from npm (tests it cannot honour are skipped with a reason).
# RDAV_TEST_S3_SERVER=s3rver forces s3rver. The server is stopped on exit; the exit status is
# the tests' status. TEST_CONCURRENCY (2) sets how many test files run at once.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
mkdir -p .tmp
RUN_DIR=$(mktemp -d "$ROOT/.tmp/test-run.XXXXXX")
S3_PID=
RGW_DIR=

cleanup() {
  if [ -n "$RGW_DIR" ]; then scripts/s3-test-server/stop-rgw.sh "$RGW_DIR" --wipe; fi
  if [ -n "$S3_PID" ]; then kill -TERM "$S3_PID" 2>/dev/null; wait "$S3_PID" 2>/dev/null; fi
  rm -rf "$RUN_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
random_free_port() {
  local p
  for _ in $(seq 50); do p=$((20000 + RANDOM % 30000)); port_free "$p" && { echo "$p"; return; }; done
  return 1
}

start_rgw() {
  local rgw=7480 mon=3310 mon1=6799
  # Another test run (or anything else) may hold the default ports: pick free ones then.
  if ! port_free $rgw || ! port_free $mon || ! port_free $mon1; then
    rgw=$(random_free_port) && mon=$(random_free_port) && mon1=$(random_free_port) || return 1
  fi
  RGW_DIR="$RUN_DIR/rgw"
  DIR="$RGW_DIR" RGW_PORT=$rgw MON_PORT=$mon MON_PORT_V1=$mon1 scripts/s3-test-server/start-rgw.sh || return 1
  # shellcheck disable=SC1091
  . "$RGW_DIR/env.sh"
}

start_s3rver() {
  mkdir -p "$RUN_DIR/s3rver"
  NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--openssl-legacy-provider" \
    node scripts/start-s3rver.mjs "$RUN_DIR/s3rver/env.sh" "$RUN_DIR/s3rver/data" &
  S3_PID=$!
  for _ in $(seq 100); do [ -s "$RUN_DIR/s3rver/env.sh" ] && break; kill -0 "$S3_PID" 2>/dev/null || break; sleep 0.1; done
  [ -s "$RUN_DIR/s3rver/env.sh" ] || { echo "test.sh: s3rver did not start" >&2; return 1; }
  # shellcheck disable=SC1091
  . "$RUN_DIR/s3rver/env.sh"
}

scripts/install-debian-packages.sh

if [ -n "${RDAV_TEST_S3_ENDPOINT:-}" ]; then
  echo "== test S3: ${RDAV_TEST_S3_KIND:-rgw} at $RDAV_TEST_S3_ENDPOINT (from the environment)"
elif [ "${RDAV_TEST_S3_SERVER:-}" != s3rver ] && command -v radosgw >/dev/null && command -v ceph-mon >/dev/null && command -v ceph-osd >/dev/null; then
  echo "== test S3: starting Ceph RGW"
  if ! start_rgw; then
    echo "== Ceph RGW did not start; falling back to s3rver" >&2
    scripts/s3-test-server/stop-rgw.sh "$RGW_DIR" --wipe; RGW_DIR=
    start_s3rver || exit 1
  fi
else
  echo "== test S3: s3rver (install radosgw ceph-mon ceph-osd to test against a real S3)"
  start_s3rver || exit 1
fi
export RDAV_TEST_S3_ENDPOINT RDAV_TEST_S3_BUCKET RDAV_TEST_S3_ACCESS_KEY RDAV_TEST_S3_SECRET_KEY RDAV_TEST_S3_KIND
echo "== S3 ready: $RDAV_TEST_S3_KIND at $RDAV_TEST_S3_ENDPOINT, bucket $RDAV_TEST_S3_BUCKET"

if [ $# -gt 0 ]; then files=("$@"); else mapfile -t files < <(find test -name '*.test.ts' | sort); fi
[ ${#files[@]} -gt 0 ] || { echo "test.sh: no test files" >&2; exit 1; }
echo "== running ${#files[@]} test file(s)"
node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-2}" "${files[@]}"
status=$?
echo "== tests finished with status $status"
exit $status
