#!/bin/sh
# Installs, with apt-get, the Debian tools the tests and benchmarks talk to, when they are missing.
# Each entry is "command:package".
set -e
missing=""
for pair in curl:curl nginx:nginx tinyproxy:tinyproxy wrk:wrk chromium:chromium taskset:util-linux; do
    cmd=${pair%%:*}
    pkg=${pair#*:}
    if ! command -v "$cmd" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$cmd" ] && [ ! -x "/usr/bin/$cmd" ]; then
        missing="$missing $pkg"
    fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "missing tools:$missing (run as root, or install them with apt-get)" >&2
    exit 0
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
