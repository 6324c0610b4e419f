#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# conf-check.sh - run "loomd -t" on every sample configuration, and on
# etc/loomd.conf with all its commented settings turned on, so the samples
# can never drift from the key table.  Run by make check.
set -eu
: "${LOOMD_BIN:?}" "${LOOMD_SRCDIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
for f in "$LOOMD_SRCDIR"/etc/*.conf; do
	if ! "$LOOMD_BIN" -t -c "$f" >/dev/null; then
		echo "FAIL: $f"
		fail=1
	fi
done
# Uncomment "#key = ...", "#group = {", "#	key = ..." and "#};".
sed -e 's/^#\([a-z][a-z_]* = \)/\1/' -e 's/^#\(\t[a-z][a-z_]* = \)/\1/' \
    -e 's/^#};/};/' "$LOOMD_SRCDIR/etc/loomd.conf" > "$tmp/all.conf"
if ! "$LOOMD_BIN" -t -c "$tmp/all.conf" >/dev/null; then
	echo "FAIL: etc/loomd.conf with every key uncommented"
	fail=1
fi
# Every key of the table must be set in that file.
"$LOOMD_BIN" --dump-keys | cut -f1 | while read -r key; do
	leaf=${key##*.}
	grep -q "^[[:space:]]*$leaf = " "$tmp/all.conf" ||
	    { echo "FAIL: $key missing from etc/loomd.conf"; exit 1; }
done || fail=1
[ $fail -eq 0 ] && echo "conf-check: all sample configurations valid"
exit $fail
