#!/bin/sh
# h5same.sh A.h5 B.h5: exit 0 iff the result datasets of two ovsweep files are identical,
# compared with h5diff, excluding only timing (wall_seconds) and provenance (root
# attributes: times, command line, rank count, hosts). The dimension scales' REFERENCE_LIST
# attributes are excluded because h5diff follows their references into wall_seconds.
set -u
a=$1 b=$2
groups=$(h5dump -n "$a" 2>/dev/null | awk '$1 == "group" && $2 != "/" {print $2}')
[ -n "$groups" ] || { echo "h5same: no groups in $a" >&2; exit 2; }
set -- --exclude-attribute /
for g in $groups; do
    set -- "$@" --exclude-path "$g/wall_seconds"
    for s in k d trial tol_ladder round; do set -- "$@" --exclude-attribute "$g/$s"; done
done
h5diff "$@" "$a" "$b"
