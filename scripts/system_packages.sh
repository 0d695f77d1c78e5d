#!/usr/bin/env bash
# The system packages `make venv` (mysqlclient's build) and `make test`
# (Chromium for the browser tests) need, on top of Python 3.11.
#
#   scripts/system_packages.sh missing   # the missing ones, one a line
#   scripts/system_packages.sh install   # install the missing ones
#
# Debian/Ubuntu: `install` runs apt-get when root, or through sudo; with
# neither it stops (exit 1) printing the exact command to run. Elsewhere
# (no dpkg) it checks for the tools themselves and stops with what to add.
# SYSTEM_PACKAGES adds packages to the list (CI adds its service clients).
set -euo pipefail

PACKAGES=(default-libmysqlclient-dev pkg-config build-essential chromium)
# shellcheck disable=SC2206
PACKAGES+=(${SYSTEM_PACKAGES:-})

missing_debian() {
    local package
    for package in "${PACKAGES[@]}"; do
        # `dpkg -s` also answers for a package removed with its config kept.
        if ! dpkg -s "$package" 2>/dev/null | grep -qx 'Status: install ok installed'; then
            echo "$package"
        fi
    done
}

missing_elsewhere() {
    command -v cc >/dev/null || echo "a C compiler (cc)"
    command -v pkg-config >/dev/null || echo "pkg-config"
    pkg-config --exists mysqlclient 2>/dev/null || pkg-config --exists libmariadb 2>/dev/null \
        || echo "the MariaDB/MySQL client headers (libmariadb / libmysqlclient dev package)"
    command -v chromium >/dev/null || command -v chromium-browser >/dev/null \
        || echo "Chromium (chromium)"
}

case "${1:-}" in
missing)
    if command -v dpkg >/dev/null; then missing_debian; else missing_elsewhere; fi
    ;;
install)
    if ! command -v dpkg >/dev/null; then
        wanted=$(missing_elsewhere)
        [ -z "$wanted" ] && exit 0
        echo "error: install these with your system's package manager, then run make again:" >&2
        echo "$wanted" | sed 's/^/  - /' >&2
        exit 1
    fi
    mapfile -t wanted < <(missing_debian)
    [ "${#wanted[@]}" -eq 0 ] && exit 0
    command="apt-get install -y --no-install-recommends ${wanted[*]}"
    if [ "$(id -u)" = 0 ]; then
        prefix=()
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        prefix=(sudo)
    else
        echo "error: missing system packages: ${wanted[*]}" >&2
        echo "run:  sudo apt-get update && sudo $command" >&2
        exit 1
    fi
    echo "Installing system packages: ${wanted[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${prefix[@]}" apt-get update -qq
    # shellcheck disable=SC2086
    "${prefix[@]}" $command -qq >/dev/null
    ;;
*)
    echo "usage: $0 missing|install" >&2
    exit 2
    ;;
esac
