#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# format.sh - check or apply loomd's C style (.clang-format) on the C files
# of src/, tests/, bench/ and fuzz/ (or on the files named).
#   scripts/format.sh [check] [FILE...]  list the files clang-format would
#                                        change and how many lines; exit 1
#                                        if there is any
#   scripts/format.sh fix [FILE...]      rewrite them in place
#   CLANG_FORMAT  the formatter (default clang-format); its major version
#                 must be FORMAT_VERSION below, because other versions lay
#                 out the same code differently (Debian 12: clang-format).
set -eu
FORMAT_VERSION=14
cd "$(dirname "$0")/.."
mode=check
case "${1:-}" in
check|fix) mode=$1; shift ;;
-h|--help) sed -n '3,11s/^# \{0,1\}//p' "$0"; exit 0 ;;
-*) echo "format.sh: unknown option $1 (check or fix)" >&2; exit 2 ;;
esac
cf=${CLANG_FORMAT:-clang-format}
if ! command -v "$cf" >/dev/null 2>&1; then
	echo "format.sh: $cf not found: apt-get install clang-format" \
	    "(or set CLANG_FORMAT)" >&2
	exit 2
fi
v=$("$cf" --version | sed -n 's/.*version \([0-9]*\)\..*/\1/p')
if [ "$v" != "$FORMAT_VERSION" ]; then
	echo "format.sh: $cf is version ${v:-unknown}, the style is pinned to" \
	    "$FORMAT_VERSION: set CLANG_FORMAT to clang-format-$FORMAT_VERSION" >&2
	exit 2
fi
if [ $# -eq 0 ]; then
	# The tracked files, or in a release tarball every file there.
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		set -- $(git ls-files 'src/*.[ch]' 'tests/*.[ch]' 'bench/*.c' \
		    'fuzz/*.c')
	else
		set -- $(find src tests bench fuzz -name '*.[ch]' \
		    ! -name migrations.c 2>/dev/null | sort)
	fi
fi
if [ "$mode" = fix ]; then
	"$cf" -i --style=file "$@"
	exit 0
fi
files=0 lines=0
for f in "$@"; do
	n=$("$cf" --style=file "$f" | diff "$f" - | grep -c '^[<>]' || true)
	if [ "$n" -gt 0 ]; then
		echo "$f: $n lines differ"
		files=$((files + 1)) lines=$((lines + n))
	fi
done
if [ "$files" -gt 0 ]; then
	echo "format.sh: $files files, $lines lines differ from .clang-format;" \
	    "run scripts/format.sh fix"
	exit 1
fi
echo "format.sh: $# files formatted as .clang-format says"
