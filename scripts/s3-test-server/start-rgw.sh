#!/usr/bin/env bash
# Starts a throwaway one-node Ceph cluster (mon + OSD + radosgw) on 127.0.0.1 for the tests,
# creates an S3 user and a bucket, and writes DIR/env.sh with RDAV_TEST_S3_* variables.
#
#   scripts/s3-test-server/start-rgw.sh            # DIR defaults to .tmp/rgw
#   . .tmp/rgw/env.sh && scripts/s3-test-server/stop-rgw.sh
#
# Env: DIR (.tmp/rgw)  RGW_PORT (7480)  MON_PORT (3310, msgr v2)  MON_PORT_V1 (6799)
#      OSD_BACKEND (memstore | bluestore)  OSD_SIZE_GB (8, a cap: memstore uses RAM only as filled)  S3_BUCKET (releasedav-test)
#      S3_ACCESS_KEY / S3_SECRET_KEY (generated test keys)
# The defaults differ from a dev RGW on 8000/3300/6789, so both can run side by side.
# Needs the Debian packages ceph-mon ceph-osd radosgw ceph-common python3-rados uuid-runtime curl.
set -euo pipefail

DIR=${DIR:-${1:-.tmp/rgw}}
RGW_PORT=${RGW_PORT:-7480}
MON_PORT=${MON_PORT:-3310}
MON_PORT_V1=${MON_PORT_V1:-6799}
OSD_BACKEND=${OSD_BACKEND:-memstore}
OSD_SIZE_GB=${OSD_SIZE_GB:-8}
S3_BUCKET=${S3_BUCKET:-releasedav-test}
S3_ACCESS_KEY=${S3_ACCESS_KEY:-RDAVTESTACCESS000001}
S3_SECRET_KEY=${S3_SECRET_KEY:-rdavtestsecret00000000000000000000000001}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
T0=$(date +%s%N)

say() { printf '[rgw %5.1fs] %s\n' "$(( ($(date +%s%N) - T0) / 1000000 ))e-3" "$*" >&2; }
die() { echo "start-rgw: $*" >&2; exit 1; }

for tool in ceph-mon ceph-osd radosgw radosgw-admin ceph ceph-authtool monmaptool uuidgen curl /usr/bin/python3; do
  command -v "$tool" >/dev/null || die "missing $tool (apt-get install ceph-mon ceph-osd radosgw ceph-common python3-rados uuid-runtime curl)"
done
# A fresh cluster every time: stop what a previous run left (by its pid files), then wipe.
if [ -d "$DIR" ]; then "$HERE/stop-rgw.sh" "$DIR" >/dev/null 2>&1 || true; rm -rf "$DIR"; fi
for port in "$RGW_PORT" "$MON_PORT" "$MON_PORT_V1"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then die "port $port on 127.0.0.1 is already in use"; fi
done
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
# On any failure, stop the daemons this run started.
trap 'status=$?; [ $status -eq 0 ] || "$HERE/stop-rgw.sh" "$DIR" >/dev/null 2>&1; exit $status' EXIT
mkdir -p "$DIR"/{run,log,mon,osd,rgw}
CONF=$DIR/ceph.conf
FSID=$(uuidgen)

cat >"$CONF" <<CONF
[global]
fsid = $FSID
mon_host = [v2:127.0.0.1:$MON_PORT,v1:127.0.0.1:$MON_PORT_V1]
public_network = 127.0.0.0/8
ms_bind_ipv4 = true
ms_bind_ipv6 = false
keyring = $DIR/admin.keyring
run_dir = $DIR/run
pid_file = $DIR/run/\$name.pid
admin_socket = $DIR/run/\$name.asok
log_file = $DIR/log/\$name.log
mon_cluster_log_file = $DIR/log/cluster.log
crash_dir = $DIR/crash
log_to_stderr = false
err_to_stderr = false
# one OSD: no replicas, few placement groups, no autoscaler
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
osd_crush_chooseleaf_type = 0
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
mon_max_pg_per_osd = 1000
# a single monitor can commit map changes at once (default waits 1 s per change)
paxos_propose_interval = 0.05
paxos_min_wait = 0.01

[mon]
mon_data = $DIR/mon/\$id

[osd]
osd_data = $DIR/osd/\$id
keyring = $DIR/osd/\$id/keyring
osd_objectstore = $OSD_BACKEND
memstore_device_bytes = $((OSD_SIZE_GB << 30))
bluestore_block_path = $DIR/osd/\$id/block.img
bluestore_block_create = true
bluestore_block_size = $((OSD_SIZE_GB << 30))
osd_memory_target = 1073741824
osd_class_dir = /usr/lib/x86_64-linux-gnu/rados-classes
osd_op_num_shards = 2
osd_op_num_threads_per_shard = 1

[client.rgw.test]
keyring = $DIR/rgw/keyring
rgw_frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw_dns_name = localhost
rgw_thread_pool_size = 64
rgw_enable_usage_log = false
# reclaim deleted and overwritten data quickly (tests churn through a RAM-backed OSD)
rgw_gc_obj_min_wait = 10
rgw_gc_processor_period = 10
CONF
ceph_() { ceph -c "$CONF" --connect-timeout 10 "$@"; }

say "monitor"
ceph-authtool --create-keyring "$DIR/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool --create-keyring "$DIR/admin.keyring" --gen-key -n client.admin \
  --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
ceph-authtool "$DIR/mon.keyring" --import-keyring "$DIR/admin.keyring" >/dev/null
monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:$MON_PORT,v1:127.0.0.1:$MON_PORT_V1]" "$DIR/monmap" >/dev/null
ceph-mon -c "$CONF" -i a --mkfs --monmap "$DIR/monmap" --keyring "$DIR/mon.keyring"
ceph-mon -c "$CONF" -i a
for _ in $(seq 100); do ceph_ mon stat >/dev/null 2>&1 && break; sleep 0.2; done
ceph_ mon stat >/dev/null || die "the monitor did not start (see $DIR/log/mon.a.log)"

say "OSD ($OSD_BACKEND)"
OSD_UUID=$(uuidgen)
OSD_ID=$(ceph_ osd new "$OSD_UUID")
mkdir -p "$DIR/osd/$OSD_ID"
ceph-osd -c "$CONF" -i "$OSD_ID" --mkfs --mkkey --osd-uuid "$OSD_UUID" --no-mon-config >"$DIR/log/osd-mkfs.log" 2>&1 \
  || die "OSD mkfs failed (see $DIR/log/osd-mkfs.log)"
ceph_ auth add "osd.$OSD_ID" osd 'allow *' mon 'allow profile osd' mgr 'allow profile osd' -i "$DIR/osd/$OSD_ID/keyring" >/dev/null 2>&1
ceph-osd -c "$CONF" -i "$OSD_ID"
for _ in $(seq 200); do ceph_ osd dump 2>/dev/null | grep -q "^osd.$OSD_ID up" && break; sleep 0.2; done
ceph_ osd dump | grep -q "^osd.$OSD_ID up" || die "the OSD did not come up (see $DIR/log/osd.$OSD_ID.log)"

say "pools (one librados session)"
/usr/bin/python3 - "$CONF" <<'PY'
import json, sys, rados
cluster = rados.Rados(conffile=sys.argv[1])
cluster.connect()
def mon(**cmd):
    ret, _, err = cluster.mon_command(json.dumps(cmd), b'')
    if ret:
        sys.exit(f"{cmd['prefix']} {cmd.get('pool')}: {err}")
for pool in ('.rgw.root', 'default.rgw.control', 'default.rgw.meta', 'default.rgw.log',
             'default.rgw.buckets.index', 'default.rgw.buckets.data', 'default.rgw.buckets.non-ec'):
    mon(prefix='osd pool create', pool=pool, pg_num=8, pgp_num=8)
    mon(prefix='osd pool application enable', pool=pool, app='rgw')
cluster.shutdown()
PY

say "radosgw on 127.0.0.1:$RGW_PORT"
ceph_ auth get-or-create client.rgw.test mon 'allow rw' osd 'allow rwx' mgr 'allow rw' -o "$DIR/rgw/keyring" >/dev/null
radosgw -c "$CONF" -n client.rgw.test
for _ in $(seq 300); do curl -s -o /dev/null "http://127.0.0.1:$RGW_PORT/" && break; sleep 0.2; done
curl -s -o /dev/null "http://127.0.0.1:$RGW_PORT/" || die "radosgw does not answer (see $DIR/log/client.rgw.test.log)"

say "user and bucket $S3_BUCKET"
radosgw-admin -c "$CONF" user create --uid=releasedav-test --display-name='ReleaseDAV tests' \
  --access-key="$S3_ACCESS_KEY" --secret-key="$S3_SECRET_KEY" >/dev/null 2>"$DIR/log/user-create.log" \
  || die "user create failed (see $DIR/log/user-create.log)"
# Create the bucket with a SigV4-signed request (no aws-cli / s3cmd needed): curl signs it.
curl -sf -X PUT -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" --aws-sigv4 "aws:amz:default:s3" --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" \
  "http://127.0.0.1:$RGW_PORT/$S3_BUCKET" -o /dev/null || die "creating bucket $S3_BUCKET failed"

cat >"$DIR/env.sh" <<ENV
export RDAV_TEST_S3_ENDPOINT=http://127.0.0.1:$RGW_PORT
export RDAV_TEST_S3_BUCKET=$S3_BUCKET
export RDAV_TEST_S3_ACCESS_KEY=$S3_ACCESS_KEY
export RDAV_TEST_S3_SECRET_KEY=$S3_SECRET_KEY
export RDAV_TEST_S3_KIND=rgw
export RDAV_TEST_RGW_DIR=$DIR
ENV
say "ready: . $DIR/env.sh"
