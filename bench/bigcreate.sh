#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bigcreate.sh - what one big cluster costs: starts one loomd on a fresh
# database of the MariaDB server given by LOOMD_TEST_DB_* (scripts/test-db
# prints them), imports etc/defaults/catalogue.json, creates an N-node
# zookeeper-single cluster and, while its first stage is queued, asks for
# the cluster's status every 500 ms; then reports the database growth
# (the schema's files on disk, and data_length + index_length of the
# tasks and jobs tables), the time to queue the first stage (first to
# last submit_time of its tasks, and from the POST), loomd's peak RSS and
# the slowest status answer.  A second cluster of the same size is then
# aborted while its first stage is queued: the abort's answer time and
# status code, the tasks queued when it answered, and how long the
# scheduler then took to drop them all.  No provisioner runs: only the
# first stage is queued.
# Last, the database's own ceiling for the same kind of work on the same
# server: sysbench oltp_update_non_index at 1 thread (rows updated per
# second, one row per statement), next to the tasks queued per second and
# their ratio (skipped with --ceiling-seconds 0 or without sysbench).
# Prints one "key value" line per figure (scripts/bench reads them).
#
# With --whole W, the first cluster's whole create job then runs to ACTIVE
# under loom-dummy-provisioner with W workers (before the second cluster
# is made), and the growth of the whole job is reported too: the schema's
# files, the tables, and each table's bytes (data and indexes).
#
# With --forget (and --whole), the first cluster is then deleted (its
# delete job run by the provisioner), and loomd restarted with
# retention.terminated_seconds = 1 forgets it: the rows it deleted, the
# transactions, the time from its first batch to its last (loomd's log)
# and the rows a second; the ceiling then also has sysbench oltp_delete
# at 1 thread (one row deleted and put back per transaction).
#
# usage: bench/bigcreate.sh [--nodes N] [--whole W] [--forget] [--keep]
#   [--ceiling-seconds S]
#   LOOMD_BIN (default: src/loomd of LOOMD_BUILDDIR or the source tree),
#   LOOMD_BENCH_DIR (work files, default /tmp/loomd-bigcreate)
set -u -o pipefail

SRC=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
BUILD=${LOOMD_BUILDDIR:-$SRC}
LOOMD=${LOOMD_BIN:-$BUILD/src/loomd}
WORK=${LOOMD_BENCH_DIR:-/tmp/loomd-bigcreate}
NODES=1000
KEEP=0
WHOLE=0
FORGET=0
CEILING_S=10
DBNAME=loomd_bigcreate
SBNAME=loomd_bigcreate_sbtest
WRITE_TIMEOUT_MS=3000

while [ $# -gt 0 ]; do
	case $1 in
	--nodes) NODES=$2; shift 2 ;;
	--whole) WHOLE=$2; shift 2 ;;
	--forget) FORGET=1; shift ;;
	--keep) KEEP=1; shift ;;
	--ceiling-seconds) CEILING_S=$2; shift 2 ;;
	*) echo "usage: bench/bigcreate.sh [--nodes N] [--whole W] [--forget] [--keep] [--ceiling-seconds S]" >&2; exit 2 ;;
	esac
done
say() { printf 'bigcreate: %s\n' "$*" >&2; }
die() { printf 'bigcreate: error: %s\n' "$*" >&2; exit 1; }
[ -n "${LOOMD_TEST_DB_PORT:-}" ] ||
	die "no database: eval \"\$(scripts/test-db start)\" first"
[ -x "$LOOMD" ] || die "no loomd at $LOOMD (set LOOMD_BIN)"
PROV=${LOOMD_PROVISIONER_BIN:-$(dirname "$LOOMD")/loom-dummy-provisioner}
[ "$WHOLE" = 0 ] || [ -x "$PROV" ] ||
	die "no loom-dummy-provisioner at $PROV (set LOOMD_PROVISIONER_BIN)"
[ "$FORGET" = 0 ] || [ "$WHOLE" -gt 0 ] || die "--forget needs --whole"

sql() {
	mysql -N -B -h "${LOOMD_TEST_DB_HOST:-127.0.0.1}" \
	    -P "$LOOMD_TEST_DB_PORT" -u "${LOOMD_TEST_DB_USER:-loomd}" \
	    -p"${LOOMD_TEST_DB_PASSWORD:-loomd}" "$@"
}
now_ms() { date +%s%3N; }

mkdir -p "$WORK"
sql -e "DROP DATABASE IF EXISTS $DBNAME; CREATE DATABASE $DBNAME" ||
	die "cannot create database $DBNAME"
cat >"$WORK/loomd.conf" <<EOF
server = { host = "127.0.0.1"; threads = 8; };
db = { host = "${LOOMD_TEST_DB_HOST:-127.0.0.1}"; port = $LOOMD_TEST_DB_PORT;
  user = "${LOOMD_TEST_DB_USER:-loomd}";
  password = "${LOOMD_TEST_DB_PASSWORD:-loomd}"; name = "$DBNAME";
  write_timeout_ms = $WRITE_TIMEOUT_MS; };
cluster = { max_size = $NODES; };
EOF
rm -f "$WORK/port"
"$LOOMD" -c "$WORK/loomd.conf" --port 0 --port-file "$WORK/port" \
    2>"$WORK/loomd.log" &
PID=$!
PROV_PID=
cleanup() {
	[ -z "$PROV_PID" ] || kill "$PROV_PID" 2>/dev/null
	kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	[ "$KEEP" = 1 ] || sql -e "DROP DATABASE IF EXISTS $DBNAME"
}
trap cleanup EXIT
for _ in $(seq 300); do
	[ -s "$WORK/port" ] && break
	sleep 0.1
done
[ -s "$WORK/port" ] || die "loomd did not start: $(tail -3 "$WORK/loomd.log")"
URL=http://127.0.0.1:$(cat "$WORK/port")
for _ in $(seq 300); do
	curl -sf -o /dev/null "$URL/readyz" && break
	sleep 0.1
done
U=(-H 'X-Loom-UserID: user1')
curl -sf -o /dev/null -H 'X-Loom-UserID: admin' --data-binary \
    @"$SRC/etc/defaults/catalogue.json" "$URL/v1/loom/import" ||
	die "import of the catalogue failed: $(tail -3 "$WORK/loomd.log")"

# Bytes of the schema: its files, and InnoDB's table statistics.
db_files() {
	local dir
	dir=$(sql -e "SELECT @@datadir")/$DBNAME
	if [ -d "$dir" ]; then du -sb "$dir" | cut -f1; else echo 0; fi
}
db_tables() {
	local t
	# Fresh statistics of every table of the schema, then their sizes.
	t=$(sql -e "SELECT GROUP_CONCAT(CONCAT('$DBNAME.', table_name)) FROM
	    information_schema.tables WHERE table_schema = '$DBNAME'")
	sql -e "ANALYZE TABLE $t" >/dev/null
	sql -e "SELECT SUM(data_length + index_length) FROM
	    information_schema.tables WHERE table_schema = '$DBNAME'"
}
# Tasks of job $1's first stage, how many were queued (an abort drops
# them: DROPPED, still counted) and how many of those were dropped;
# counted from an index (job_id, stage, status), so that asking every
# 500 ms does not read the rows being queued.
stage0() {
	sql "$DBNAME" -e "SELECT COUNT(*), SUM(status <> 'NOT_SUBMITTED'),
	    SUM(status = 'DROPPED') FROM tasks WHERE job_id = '$1' AND
	    stage = 0"
}
# The time from the first queueing of a task of job $1's first stage to
# the last one's.
stage0_span() {
	sql "$DBNAME" -e "SELECT MAX(submit_time) - MIN(submit_time)
	    FROM tasks WHERE job_id = '$1' AND stage = 0"
}
create() {
	curl -s "${U[@]}" -d "{\"name\":\"big$1\",\"numMachines\":$NODES,\"clusterTemplate\":\"zookeeper-single\"}" \
	    "$URL/v1/loom/clusters" | sed -n 's/.*"id":"\([0-9]*\)".*/\1/p'
}
# Wait until the create job of cluster $1 has planned its tasks; its id
# into JOB.
planned() {
	for _ in $(seq 12000); do
		JOB=$(sql "$DBNAME" -e "SELECT id FROM jobs WHERE
		    cluster_id = $1 AND action = 'CLUSTER_CREATE' AND planned = 1")
		[ -n "$JOB" ] && return 0
		sleep 0.05
	done
	return 1
}

# Create cluster big$1 (its id in IDS) and wait until it is planned.
create_planned() {
	IDS=$(create "$1")
	[ -n "$IDS" ] || die "create failed"
	planned $((10#$IDS)) || die "cluster $IDS was never planned"
}

# loomd's resident set in KiB: rss VmRSS (now) or rss VmHWM (peak).
rss() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$PID/status"; }

FILES0=$(db_files)
TABLES0=$(db_tables)
T0=$(now_ms)
create_planned 1
T_PLANNED=$(now_ms)
STATUS_MAX=0
STATUS_BAD=0
while :; do
	read -r TOTAL QUEUED _ <<<"$(stage0 "$JOB")"
	[ "$TOTAL" -gt 0 ] && [ "${QUEUED:-0}" = "$TOTAL" ] && break
	[ $(($(now_ms) - T0)) -gt 600000 ] && die "stage 1 not queued in 600 s"
	t=$(now_ms)
	code=$(curl -s -o /dev/null -w '%{http_code}' -m 30 "${U[@]}" \
	    "$URL/v1/loom/clusters/$IDS/status")
	t=$(($(now_ms) - t))
	[ "$t" -gt "$STATUS_MAX" ] && STATUS_MAX=$t
	[ "$code" = 200 ] || STATUS_BAD=$((STATUS_BAD + 1))
	sleep 0.5
done
T_QUEUED=$(now_ms)
SPAN=$(stage0_span "$JOB")
RSS=$(rss VmHWM)
FILES1=$(db_files)
TABLES1=$(db_tables)

# The whole create job of the first cluster, to ACTIVE.
if [ "$WHOLE" -gt 0 ]; then
	ID1=$IDS
	say "running the create job of cluster $ID1 to ACTIVE with $WHOLE workers"
	"$PROV" --uri "$URL" --workers "$WHOLE" --worker-prefix bigcreate \
	    --poll-ms 50 >"$WORK/provisioner.log" 2>&1 &
	PROV_PID=$!
	T1=$(now_ms)
	LAST=$T1
	while :; do
		body=$(curl -s -m 30 "${U[@]}" "$URL/v1/loom/clusters/$ID1/status")
		st=$(printf '%s' "$body" |
		    grep -o '[{,]"status":"[A-Za-z_]*"' | cut -d'"' -f4 |
		    tr '[:upper:]' '[:lower:]')
		if [ $(($(now_ms) - LAST)) -ge 60000 ]; then
			# Progress once a minute: the job's steps done of all.
			LAST=$(now_ms)
			done_n=$(printf '%s' "$body" |
			    grep -o '"stepscompleted":[0-9]*' | cut -d: -f2)
			all_n=$(printf '%s' "$body" |
			    grep -o '"stepstotal":[0-9]*' | cut -d: -f2)
			say "$(((LAST - T1) / 1000)) s: ${done_n:-?} of ${all_n:-?} steps complete, loomd RSS $(($(rss VmRSS) / 1024)) MB"
		fi
		case $st in
		active) break ;;
		failed | incomplete | terminated)
			die "cluster $ID1 ended $st: $(tail -3 "$WORK/loomd.log")" ;;
		esac
		[ $(($(now_ms) - T1)) -gt 3600000 ] && die "cluster $ID1 not active in an hour"
		# A big job's status is a count over its steps: ask less often.
		sleep $((NODES > 2000 ? 5 : 1))
	done
	JOB_S=$((($(now_ms) - T1) / 1000))
	JOB_RSS_END=$(rss VmRSS)
	JOB_RSS_PEAK=$(rss VmHWM)
	kill "$PROV_PID" 2>/dev/null && wait "$PROV_PID" 2>/dev/null
	PROV_PID=
	JOB_FILES=$(db_files)
	JOB_TABLES=$(db_tables)
	JOB_BYTES=$(sql -e "SELECT CONCAT(table_name, ' ', data_length, ' ',
	    index_length) FROM information_schema.tables WHERE table_schema =
	    '$DBNAME' AND data_length + index_length > 1048576 ORDER BY
	    data_length + index_length DESC")
	JOB_TASKS=$(sql "$DBNAME" -e "SELECT COUNT(*) FROM tasks WHERE
	    cluster_id = $((10#$ID1))")
fi

# A second cluster, aborted while its first stage is queued.
create_planned 2
# Once its first tasks are queued.
for _ in $(seq 6000); do
	read -r _ QUEUED2 _ <<<"$(stage0 "$JOB")"
	[ "${QUEUED2:-0}" -gt 0 ] && break
	sleep 0.02
done
T=$(now_ms)
ABORT_CODE=$(curl -s -o /dev/null -w '%{http_code}' -m 120 -X POST \
    "${U[@]}" "$URL/v1/loom/clusters/$IDS/abort")
ABORT_MS=$(($(now_ms) - T))
read -r _ QUEUED3 _ <<<"$(stage0 "$JOB")"
# The scheduler drops the queued tasks of the failed job after the
# answer: the time until every task queued is dropped (no provisioner
# takes any), at most 60 s.
T=$(now_ms)
for _ in $(seq 600); do
	read -r _ QUEUED4 DROPPED3 <<<"$(stage0 "$JOB")"
	[ "${DROPPED3:-0}" = "${QUEUED4:-0}" ] && break
	sleep 0.1
done
DROP_MS=$(($(now_ms) - T))
RSS2=$(rss VmHWM)

echo "nodes $NODES"
echo "stage1_tasks $TOTAL"
echo "db_growth_files_mb $(((FILES1 - FILES0) / 1048576))"
echo "db_growth_tables_mb $(((TABLES1 - TABLES0) / 1048576))"
echo "queue_span_ms ${SPAN:-0}"
echo "plan_to_queued_ms $((T_QUEUED - T_PLANNED))"
echo "post_to_queued_ms $((T_QUEUED - T0))"
echo "rss_peak_mb $((RSS / 1024))"
echo "status_max_ms $STATUS_MAX"
echo "status_not_200 $STATUS_BAD"
echo "abort_ms $ABORT_MS"
echo "abort_code $ABORT_CODE"
echo "abort_queued_before ${QUEUED2:-0}"
echo "abort_queued_after ${QUEUED3:-0}"
echo "abort_dropped ${DROPPED3:-0}"
echo "abort_dropped_ms $DROP_MS"
echo "rss_peak_after_abort_mb $((RSS2 / 1024))"
echo "write_timeout_ms $WRITE_TIMEOUT_MS"
if [ "$WHOLE" -gt 0 ]; then
	echo "job_workers $WHOLE"
	echo "job_seconds $JOB_S"
	echo "job_tasks $JOB_TASKS"
	echo "job_rss_peak_mb $((JOB_RSS_PEAK / 1024))"
	echo "job_rss_end_mb $((JOB_RSS_END / 1024))"
	echo "job_db_growth_files_mb $(((JOB_FILES - FILES0) / 1048576))"
	echo "job_db_growth_tables_mb $(((JOB_TABLES - TABLES0) / 1048576))"
	while read -r t d i; do
		[ -n "$t" ] || continue
		echo "job_table_${t}_data_kb $((d / 1024))"
		echo "job_table_${t}_index_kb $((i / 1024))"
	done <<<"$JOB_BYTES"
	awk -v b="$((JOB_TABLES - TABLES0))" -v n="$JOB_TASKS" \
	    'BEGIN { if (n > 0) printf "job_bytes_per_task %.0f\n", b / n }'
fi

# The first cluster deleted, then forgotten by a loomd with a retention.
if [ "$FORGET" = 1 ]; then
	say "deleting cluster $ID1 with $WHOLE workers"
	curl -s -o /dev/null -m 60 -X DELETE "${U[@]}" \
	    "$URL/v1/loom/clusters/$ID1" || die "DELETE of $ID1 failed"
	"$PROV" --uri "$URL" --workers "$WHOLE" --worker-prefix bigcreate \
	    --poll-ms 50 >>"$WORK/provisioner.log" 2>&1 &
	PROV_PID=$!
	T=$(now_ms)
	until curl -s -m 30 "${U[@]}" "$URL/v1/loom/clusters/$ID1/status" |
	    grep -q '"status":"TERMINATED"'; do
		[ $(($(now_ms) - T)) -gt 1800000 ] &&
			die "cluster $ID1 not terminated in 30 minutes"
		sleep 1
	done
	kill "$PROV_PID" 2>/dev/null && wait "$PROV_PID" 2>/dev/null
	PROV_PID=
	FORGET_TASKS=$(sql "$DBNAME" -e "SELECT COUNT(*) FROM tasks WHERE
	    cluster_id = $((10#$ID1))")
	kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	echo "retention = { terminated_seconds = 1; };" >>"$WORK/loomd.conf"
	say "restarted with retention.terminated_seconds = 1: forgetting $ID1"
	"$LOOMD" -c "$WORK/loomd.conf" --port 0 --port-file "$WORK/port" \
	    2>>"$WORK/loomd.log" &
	PID=$!
	T=$(now_ms)
	until grep -q "cluster $ID1 forgotten: " "$WORK/loomd.log"; do
		[ $(($(now_ms) - T)) -gt 1800000 ] &&
			die "cluster $ID1 not forgotten in 30 minutes"
		sleep 0.5
	done
	# From the line before its first batch to the line after its last.
	FORGET_MS=$(awk -v a="cluster $ID1: terminated" \
	    -v b="cluster $ID1 forgotten: " '
		function ms(ts,   d, t) {
			split(substr(ts, 12, 12), t, ":")
			return (t[1] * 3600 + t[2] * 60 + t[3]) * 1000
		}
		index($0, a) { s = ms($1) }
		index($0, b) { e = ms($1) }
		END { printf "%.0f", e - s }' "$WORK/loomd.log")
	FORGET_LINE=$(grep "cluster $ID1 forgotten: " "$WORK/loomd.log")
	FORGET_ROWS=$(printf '%s' "$FORGET_LINE" | sed 's/.*forgotten: //; s/ deleted in .*//' |
	    grep -o '[0-9][0-9]* [a-z]' | awk '{ n += $1 } END { print n }')
	FORGET_TX=$(printf '%s' "$FORGET_LINE" |
	    sed -n 's/.* in \([0-9]*\) transactions.*/\1/p')
	echo "forget_tasks $FORGET_TASKS"
	echo "forget_rows $FORGET_ROWS"
	echo "forget_transactions $FORGET_TX"
	echo "forget_ms $FORGET_MS"
	FORGET_PER_S=$(awk -v n="$FORGET_ROWS" -v ms="$FORGET_MS" \
	    'BEGIN { if (ms > 0) printf "%.0f", 1000 * n / ms; else print 0 }')
	echo "forget_rows_per_s $FORGET_PER_S"
fi

# The database's ceiling, with loomd stopped: rows updated per second by
# one connection, each its own statement and commit.
kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
QUEUED_PER_S=$(awk -v n="$TOTAL" -v ms="${SPAN:-0}" \
    'BEGIN { if (ms > 0) printf "%.0f", 1000 * n / ms; else print 0 }')
echo "queued_tasks_per_s $QUEUED_PER_S"
if [ "$CEILING_S" -gt 0 ] && command -v sysbench >/dev/null; then
	SB=(--db-driver=mysql --mysql-host="${LOOMD_TEST_DB_HOST:-127.0.0.1}"
	    --mysql-port="$LOOMD_TEST_DB_PORT"
	    --mysql-user="${LOOMD_TEST_DB_USER:-loomd}"
	    --mysql-password="${LOOMD_TEST_DB_PASSWORD:-loomd}"
	    --mysql-db="$SBNAME" --tables=1 --table-size=10000)
	sql -e "DROP DATABASE IF EXISTS $SBNAME; CREATE DATABASE $SBNAME" ||
		die "cannot create database $SBNAME"
	sysbench oltp_update_non_index "${SB[@]}" prepare \
	    >"$WORK/sysbench.log" 2>&1 || die "sysbench prepare failed"
	sysbench oltp_update_non_index "${SB[@]}" --threads=1 \
	    --time="$CEILING_S" run >>"$WORK/sysbench.log" 2>&1 ||
		die "sysbench run failed: $(tail -3 "$WORK/sysbench.log")"
	sql -e "DROP DATABASE IF EXISTS $SBNAME"
	CEIL=$(sed -n 's/^[[:space:]]*transactions:.*(\([0-9.]*\) per sec.)/\1/p' \
	    "$WORK/sysbench.log")
	[ -n "$CEIL" ] || die "no rate in $WORK/sysbench.log"
	echo "ceiling_update_rows_per_s $CEIL"
	awk -v q="$QUEUED_PER_S" -v c="$CEIL" \
	    'BEGIN { printf "queued_ratio_to_ceiling %.2f\n", q / c }'
	if [ "$FORGET" = 1 ]; then
		sql -e "DROP DATABASE IF EXISTS $SBNAME; CREATE DATABASE $SBNAME"
		sysbench oltp_delete "${SB[@]}" prepare \
		    >"$WORK/sysbench-delete.log" 2>&1 ||
			die "sysbench prepare failed"
		sysbench oltp_delete "${SB[@]}" --threads=1 \
		    --time="$CEILING_S" run >>"$WORK/sysbench-delete.log" 2>&1 ||
			die "sysbench run failed"
		sql -e "DROP DATABASE IF EXISTS $SBNAME"
		DCEIL=$(sed -n \
		    's/^[[:space:]]*transactions:.*(\([0-9.]*\) per sec.)/\1/p' \
		    "$WORK/sysbench-delete.log")
		echo "ceiling_delete_rows_per_s ${DCEIL:-0}"
		awk -v f="$FORGET_PER_S" -v c="${DCEIL:-0}" \
		    'BEGIN { if (c > 0) printf "forget_ratio_to_ceiling %.2f\n", f / c }'
	fi
fi
