# SPDX-License-Identifier: Apache-2.0
# rig-test.sh - sourced by the script tests that start a scripts/ha-local
# rig of their own (drill-check.sh, slownode-check.sh): the binaries under
# test and the decision to run, skip or fail.

# rig_test_start NAME OPTIN TOOL...: export the loomd and provisioner of
# LOOMD_BIN (make check sets it) to the rig; exit 77 (skipped) unless
# LOOMD_TEST_REQUIRE_DB=1 or the variable OPTIN is 1; exit 77 when a TOOL,
# mariadbd or galera-4 is missing, or 1 with LOOMD_TEST_REQUIRE_DB=1 (CI
# installs them, so a missing one there is a failure).
rig_test_start() {
	local name=$1 optin=$2 t missing=
	shift 2
	if [ -n "${LOOMD_BIN:-}" ]; then
		export LOOMD_BIN
		export LOOMD_PROVISIONER_BIN=${LOOMD_PROVISIONER_BIN:-$(dirname "$LOOMD_BIN")/loom-dummy-provisioner}
	fi
	if [ "${LOOMD_TEST_REQUIRE_DB:-0}" != 1 ] && [ "${!optin:-0}" != 1 ]; then
		echo "$name: skipped (set $optin=1 or LOOMD_TEST_REQUIRE_DB=1)"
		exit 77
	fi
	for t in mariadbd "$@"; do
		command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
	done
	[ -f /usr/lib/galera/libgalera_smm.so ] || missing="$missing galera-4"
	if [ -n "$missing" ]; then
		echo "$name: missing:$missing"
		[ "${LOOMD_TEST_REQUIRE_DB:-0}" = 1 ] && exit 1
		exit 77
	fi
}
