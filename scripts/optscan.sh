#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# optscan.sh - fail if a configuration key is missing from etc/loomd.conf or
# docs/loomd.conf.5, if a route of the route tables is missing from
# docs/api.md, or if a man page does not pass groff's checks.  Run by
# make check so the documentation cannot fall behind the code.
set -eu
: "${LOOMD_BIN:?}" "${LOOMD_SRCDIR:?}"
fail=0
for key in $("$LOOMD_BIN" --dump-keys | cut -f1); do
	leaf=${key##*.}
	if ! grep -q "^#*[[:space:]]*$leaf = " "$LOOMD_SRCDIR/etc/loomd.conf"; then
		echo "optscan: key $key missing from etc/loomd.conf"
		fail=1
	fi
	if ! grep -qx "\.B $key" "$LOOMD_SRCDIR/docs/loomd.conf.5"; then
		echo "optscan: key $key missing from docs/loomd.conf.5"
		fail=1
	fi
done
# Routes: every "METHOD PATTERN" row of a route table must be documented
# in docs/api.md as a heading "### METHOD PATTERN".
for f in "$LOOMD_SRCDIR"/src/api_*.c; do
	sed -n 's/^[[:space:]]*{ "\([A-Z]*\)", "\([^"]*\)",.*/\1 \2/p' "$f"
done | while read -r method path; do
	if ! grep -qxF "### $method $path" "$LOOMD_SRCDIR/docs/api.md"; then
		echo "optscan: route $method $path missing from docs/api.md"
		exit 1
	fi
done || fail=1
for m in "$LOOMD_SRCDIR"/docs/*.[0-9]; do
	if command -v groff >/dev/null 2>&1; then
		out=$(groff -man -ww -z "$m" 2>&1) || true
		if [ -n "$out" ]; then
			echo "optscan: $m: $out"
			fail=1
		fi
	fi
done
[ $fail -eq 0 ] && echo "optscan: configuration keys, routes and man pages in sync"
exit $fail
