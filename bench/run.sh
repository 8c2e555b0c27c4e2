#!/usr/bin/env bash
# npm run bench: installs the peers (Debian packages), starts a throwaway Ceph RGW of its own
# (scripts/s3-test-server/start-rgw.sh on its own ports and folder; a dev RGW on :8000 is left alone),
# then runs bench/main.ts, which starts ReleaseDAV and every peer on loopback and writes the report.
#
# Env: BENCH_SIZE_MIB BENCH_BIG_MIB BENCH_REPS BENCH_FILES BENCH_WRK_SECONDS BENCH_CONC BENCH_CONC_MIB
#      BENCH_ONLY=disk,propfind-disk,s3,propfind-s3,depth0,dl,feeds,concurrent,rss,listing-scale,many-downloads,workers
#      (see bench/main.ts; workers also starts its own redis-server and needs S3 only for its /dl rows)
#      BENCH_S3_ENDPOINT/BUCKET/ACCESS_KEY/SECRET_KEY/REGION: use that S3 instead of starting an RGW
#      BENCH_RGW_BACKEND (memstore; start-rgw.sh's bluestore mode fails at mkfs: its block path is the
#      symlink bluestore itself creates) BENCH_RGW_GB (12)
#      BENCH_CPU_PROF=1: run the daemon with --cpu-prof (profiles in .tmp/bench/profiles)
# Exit: 0 when it ran (missed targets are findings in the table), non-zero when it could not run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
T0=$(date +%s)
say() { echo "[bench.sh $(( $(date +%s) - T0 ))s] $*"; }

PKGS=(nginx-light libnginx-mod-http-dav-ext rclone wrk curl ceph-mon ceph-osd radosgw ceph-common python3-rados uuid-runtime redis-server)
missing=()
for p in "${PKGS[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
[ -x node_modules/.bin/tsx ] || { say "npm ci"; npm ci --no-audit --no-fund; }

RGW_DIR=${BENCH_RGW_DIR:-.tmp/bench-rgw}
if [ -z "${BENCH_S3_ENDPOINT:-}" ]; then
  say "starting the bench RGW in $RGW_DIR (port ${BENCH_RGW_PORT:-7490})"
  trap 'scripts/s3-test-server/stop-rgw.sh "$RGW_DIR" --wipe >/dev/null 2>&1 || true' EXIT
  DIR=$RGW_DIR RGW_PORT=${BENCH_RGW_PORT:-7490} MON_PORT=${BENCH_MON_PORT:-3320} MON_PORT_V1=${BENCH_MON_PORT_V1:-6798} \
    OSD_BACKEND=${BENCH_RGW_BACKEND:-memstore} OSD_SIZE_GB=${BENCH_RGW_GB:-12} S3_BUCKET=releasedav-bench \
    S3_ACCESS_KEY=RDAVBENCHACCESS00001 S3_SECRET_KEY=rdavbenchsecret0000000000000000000000001 \
    scripts/s3-test-server/start-rgw.sh
  # shellcheck disable=SC1091
  . "$RGW_DIR/env.sh"
  export BENCH_S3_ENDPOINT=$RDAV_TEST_S3_ENDPOINT BENCH_S3_BUCKET=$RDAV_TEST_S3_BUCKET BENCH_S3_REGION=default \
    BENCH_S3_ACCESS_KEY=$RDAV_TEST_S3_ACCESS_KEY BENCH_S3_SECRET_KEY=$RDAV_TEST_S3_SECRET_KEY
  export BENCH_RGW_CONF=$RDAV_TEST_RGW_DIR/ceph.conf BENCH_RGW_BACKEND=${BENCH_RGW_BACKEND:-memstore}
fi

say "building dist/ (the daemon runs compiled, as npm start runs it)"
npm run build --silent
say "running bench/main.ts"
node --import tsx bench/main.ts
