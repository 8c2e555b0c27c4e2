#!/usr/bin/env bash
# The newcomer path, as README.md promises it: a fresh `git clone` of this repository into a
# temp folder, the README's Quick start parsed from README.md (the first code block under
# "## Quick start": exactly two command lines), its first line (install + daemon) run as written
# in the clone. Both listeners must answer on the default ports (WebDAV 8080: OPTIONS with a DAV
# header; downloads 8081: /healthz 200), then the daemon is stopped (SIGTERM to its process
# group). The second line must be `npm test`, the command the CI test sections run.
# DAV_PORT / DL_PORT override the ports; NEWCOMER_TIMEOUT (600 s) bounds the start.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
DAV_PORT=${DAV_PORT:-8080}
DL_PORT=${DL_PORT:-8081}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/rdav-newcomer.XXXXXX")
DAEMON=

cleanup() {
  if [ -n "$DAEMON" ] && kill -0 "$DAEMON" 2>/dev/null; then
    kill -TERM -- "-$DAEMON" 2>/dev/null || true
    wait "$DAEMON" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "newcomer: $*" >&2; [ -f "$WORK/daemon.log" ] && tail -n 30 "$WORK/daemon.log" >&2; exit 1; }
answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

git clone -q "$ROOT" "$WORK/releasedav"
cd "$WORK/releasedav"

# The Quick start: the first fenced block after the heading; its non-blank lines are the commands.
mapfile -t cmds < <(awk '
  /^## Quick start[[:space:]]*$/ { inside = 1; next }
  inside && /^## / { exit }
  inside && /^```/ { if (block) exit; block = 1; next }
  block && NF { print }
' README.md)
[ ${#cmds[@]} -eq 2 ] || fail "README.md Quick start must be one code block of exactly two command lines, found ${#cmds[@]}: ${cmds[*]:-none}"
echo "Quick start line 1 (daemon): ${cmds[0]}"
echo "Quick start line 2 (tests):  ${cmds[1]}"
[ "${cmds[1]}" = "npm test" ] || fail "line 2 is not \`npm test\`, the command CI runs"

for p in "$DAV_PORT" "$DL_PORT"; do ! answers "$p" || fail "port $p is already in use before the daemon starts"; done

T0=$(date +%s)
setsid bash -c "${cmds[0]}" > "$WORK/daemon.log" 2>&1 < /dev/null &
DAEMON=$!
deadline=$((T0 + ${NEWCOMER_TIMEOUT:-600}))
until answers "$DAV_PORT" && answers "$DL_PORT"; do
  kill -0 "$DAEMON" 2>/dev/null || fail "the daemon command exited before both ports answered"
  [ "$(date +%s)" -lt "$deadline" ] || fail "ports $DAV_PORT and $DL_PORT did not both answer within ${NEWCOMER_TIMEOUT:-600} s"
  sleep 1
done
echo "both ports answer $(( $(date +%s) - T0 )) s after the first line started (install, build, start)"

dav_headers=$(curl -sS -X OPTIONS -D - -o /dev/null "http://127.0.0.1:$DAV_PORT/") || fail "WebDAV OPTIONS failed"
grep -q '^HTTP/[0-9.]* 200' <<<"$dav_headers" || fail "WebDAV OPTIONS did not answer 200: $(head -n1 <<<"$dav_headers")"
grep -qi '^DAV:' <<<"$dav_headers" || fail "WebDAV OPTIONS has no DAV header"
code=$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$DL_PORT/healthz") || fail "downloads /healthz failed"
[ "$code" = 200 ] || fail "downloads /healthz answered $code"
echo "WebDAV on $DAV_PORT: OPTIONS 200 with a DAV header; downloads on $DL_PORT: /healthz 200"

kill -TERM -- "-$DAEMON"
for _ in $(seq 60); do kill -0 "$DAEMON" 2>/dev/null || break; sleep 0.5; done
if kill -0 "$DAEMON" 2>/dev/null; then fail "the daemon did not stop within 30 s of SIGTERM"; fi
wait "$DAEMON" 2>/dev/null || true
DAEMON=
! answers "$DAV_PORT" && ! answers "$DL_PORT" || fail "a port still answers after the daemon stopped"
echo "newcomer path OK: cloned, quick start line 1 served both ports, stopped"
