#!/usr/bin/env bash
# scripts/deps.sh: install the Debian/Ubuntu packages mor needs to build, test
# and run its demos. As root it runs apt-get itself; otherwise it prints the
# exact apt-get line to run and fails. Sourced or run; prints nothing when all
# is there.
MOR_PKGS=(meson ninja-build pkg-config gcc libmimalloc-dev libgmp-dev libcmocka-dev
          libgc-dev libdw-dev)
MOR_PKGS_CI=(clang libclang-rt-dev valgrind gcovr graphviz)  # libclang-rt: libFuzzer

mor_missing_pkgs() {
    local p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
    done
}

# mor_install_deps [extra packages...]
mor_install_deps() {
    if ! command -v dpkg-query >/dev/null 2>&1; then
        echo "deps.sh: not a Debian/Ubuntu system; install meson, ninja, pkg-config, mimalloc," \
             "gmp, cmocka, bdw-gc and elfutils' libdw development packages by hand" >&2
        return 0
    fi
    local missing
    missing=$(mor_missing_pkgs "${MOR_PKGS[@]}" "$@" | tr '\n' ' ')
    [ -z "${missing// /}" ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "mor needs these packages; run:" >&2
        echo "  sudo apt-get install -y $missing" >&2
        return 1
    fi
    echo "installing: $missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    # shellcheck disable=SC2086
    apt-get install -y -q $missing >/tmp/mor-apt.log 2>&1 ||
        { apt-get update -q >>/tmp/mor-apt.log 2>&1 && apt-get install -y -q $missing >>/tmp/mor-apt.log 2>&1; } ||
        { echo "apt-get failed; see /tmp/mor-apt.log" >&2; tail -5 /tmp/mor-apt.log >&2; return 1; }
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    mor_install_deps "$@"
fi
