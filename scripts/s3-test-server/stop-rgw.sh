#!/usr/bin/env bash
# Stops the cluster start-rgw.sh started in DIR (default .tmp/rgw), by its pid files only,
# and only processes whose command line names that cluster's ceph.conf. `--wipe` deletes DIR.
#   scripts/s3-test-server/stop-rgw.sh [DIR] [--wipe]
set -uo pipefail
DIR=${1:-${DIR:-.tmp/rgw}}
[ -d "$DIR/run" ] || exit 0
DIR=$(cd "$DIR" && pwd)
for pidfile in "$DIR"/run/client.rgw.*.pid "$DIR"/run/osd.*.pid "$DIR"/run/mon.*.pid; do
  [ -f "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  if [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$DIR/ceph.conf"; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  fi
  rm -f "$pidfile"
done
[ "${2:-}" = --wipe ] && rm -rf "$DIR"
exit 0
