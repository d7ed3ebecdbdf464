#!/bin/sh
# The seed's static file server: `python -m SimpleHTTPServer 8888` (Python 2) or
# `python -m http.server 8888` (Python 3). webstd's is `webstd serve`: HTTP/1.1 keep-alive,
# Range and conditional requests, gzip, and uploads when asked (see docs/serve.md).
#
#   sh examples/file_server.sh [DIRECTORY]      serves DIRECTORY (default examples/site)
#
# PORT (default 8888) and BIND (default 127.0.0.1) come from the environment. The stdlib binds
# every interface by default; this example keeps the files on this machine.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
webstd="$here/../.venv/bin/webstd"
[ -x "$webstd" ] || webstd=webstd
exec "$webstd" serve "${PORT:-8888}" --bind "${BIND:-127.0.0.1}" --directory "${1:-$here/site}"
