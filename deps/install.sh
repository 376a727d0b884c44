#!/bin/sh
# Install the Debian packages listed in deps/debian.txt that are missing.
# Does nothing (and needs no root) when all are present.
set -eu
list="$(dirname "$0")/debian.txt"
# Elsewhere (a RHEL or SUSE cluster, the libraries from modules) the names below mean nothing:
# leave the packages to the user, so that make quickstart/test/bench still build and run
# there instead of stopping at (sudo) apt-get.
if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    echo "deps: not a Debian system (no dpkg-query/apt-get): not checking packages; provide MPI, parallel HDF5 and OpenBLAS yourself (docs/INSTALL.md)" >&2
    exit 0
fi
missing=""
for pkg in $(grep -v '^#' "$list"); do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    case "$status" in
        *"install ok installed"*) ;;
        *) missing="$missing $pkg" ;;
    esac
done
[ -z "$missing" ] && exit 0
echo "deps: installing:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "deps: missing Debian packages:$missing (run as root: apt-get install$missing)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=900 update -qq
# shellcheck disable=SC2086
$SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends $missing
