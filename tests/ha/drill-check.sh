#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# drill-check.sh - the failover drills as a test: scripts/failover-drill with
# --fault kill under --load-noise (a CPU burner and an fsync-heavy disk
# writer started by the drill) and then --fault isolate (60 s of load each,
# about 2.5 min with the rig's start and stop), each on a fresh
# scripts/ha-local rig in private directories and ports.  Exit 0 when both pass, 1 when one fails,
# 77 (skipped) unless LOOMD_TEST_REQUIRE_DB=1 or LOOMD_DRILL=1 (the drills
# start three Galera nodes and take minutes: scripts/test-all and CI set
# the first; make distcheck sets neither), and when haproxy, mariadbd or
# galera-4 is missing (a failure with LOOMD_TEST_REQUIRE_DB=1).  Reports (report.json, timeline.png, logs) go to
# LOOMD_DRILL_REPORTS (default ./drill-reports).
#   LOOMD_DRILL_FAULTS   faults to drill (default "kill isolate")
#   LOOMD_DRILL_DURATION seconds of load per drill (default 60)
#   LOOMD_DRILL_NOISE    faults drilled under --load-noise (default "kill")
set -u -o pipefail
SRCDIR=${LOOMD_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
REPORTS=${LOOMD_DRILL_REPORTS:-$PWD/drill-reports}
FAULTS=${LOOMD_DRILL_FAULTS:-kill isolate}
DURATION=${LOOMD_DRILL_DURATION:-60}
NOISE=${LOOMD_DRILL_NOISE-kill}

# The rig of this test only: its own directories, the default private ports.
export LOOMD_HA_DIR=${LOOMD_HA_DIR:-/tmp/loomd-drill-rig}
export LOOMD_HA_GALERA_DIR=${LOOMD_HA_GALERA_DIR:-/tmp/loomd-drill-galera}
# shellcheck source=tests/ha/rig-test.sh
. "$SRCDIR/tests/ha/rig-test.sh"
rig_test_start drill-check LOOMD_DRILL haproxy python3 curl

# shellcheck disable=SC2317
cleanup() {
	"$SRCDIR/scripts/ha-local" down >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$REPORTS"
rc=0
for fault in $FAULTS; do
	extra=()
	# Under the noise the machine is slowed on purpose: the takeover gets
	# 10 s beyond ha.dc_dead_after instead of 5 (everything else as is).
	case " $NOISE " in *" $fault "*) extra=(--load-noise --takeover-slack 10) ;; esac
	echo "drill-check: --fault $fault --duration $DURATION ${extra[*]}"
	if "$SRCDIR/scripts/failover-drill" --fault "$fault" \
	    --duration "$DURATION" --report "$REPORTS/$fault" "${extra[@]}"; then
		echo "PASS: failover drill $fault ${extra[*]}"
	else
		echo "FAIL: failover drill $fault ${extra[*]} (report in $REPORTS/$fault)"
		rc=1
	fi
done
exit $rc
