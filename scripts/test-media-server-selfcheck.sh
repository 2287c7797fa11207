#!/usr/bin/env bash
# Self-check for the preflight tests' HTTPS server: makes a certificate (scripts/test-cert) in a
# temporary directory, starts scripts/media-server.py, checks a few routes with curl (or with
# Python's http.client when curl is absent), stops the server by closing its stdin, and removes
# the directory. Prints one line per check; exits non-zero if any fails.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/media-selfcheck.XXXXXX")
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

"$here/test-cert" "$tmp"
mkdir "$tmp/files"
printf 'first version\n' >"$tmp/files/note.txt"

# The server stops when its stdin closes: give it a pipe (a coprocess) rather than the
# /dev/null a background job would get.
coproc SERVER { exec python3 "$here/media-server.py" --cert "$tmp/server.pem" --key "$tmp/server.key" --dir "$tmp/files"; }
server_pid=$SERVER_PID
read -r word port <&"${SERVER[0]}"
[ "$word" = PORT ] || { echo "selfcheck: server did not print PORT" >&2; exit 1; }

host=media.assetform.test
# SELFCHECK_CLIENT=python forces the fallback client.
if [ "${SELFCHECK_CLIENT:-}" != python ] && command -v curl >/dev/null 2>&1; then
  client=curl
else
  client=python
  host=127.0.0.1
fi
base="https://$host:$port"
echo "server on 127.0.0.1:$port; client: $client"

# req NAME PATH [HEADER...]: writes $tmp/NAME.h (status line and headers) and $tmp/NAME.b (body).
req() {
  local name=$1 path=$2
  shift 2
  if [ "$client" = curl ]; then
    local args=(-sS --path-as-is --max-time 10 --cacert "$tmp/ca.pem" --resolve "$host:$port:127.0.0.1" -D "$tmp/$name.h" -o "$tmp/$name.b")
    local h
    for h in "$@"; do args+=(-H "$h"); done
    curl "${args[@]}" "$base$path"
  else
    python3 - "$tmp/ca.pem" "$port" "$path" "$tmp/$name" "$@" <<'PY'
import http.client, ssl, sys
ca, port, path, out, headers = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5:]
ctx = ssl.create_default_context(cafile=ca)
conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)
conn.request("GET", path, headers=dict(h.split(": ", 1) for h in headers))
r = conn.getresponse()
body = r.read()
with open(out + ".h", "w") as f:
    f.write(f"HTTP/1.1 {r.status} {r.reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in r.getheaders()) + "\r\n")
open(out + ".b", "wb").write(body)
PY
  fi
}
header() { grep -i "^$2:" "$tmp/$1.h" | head -n 1 | cut -d: -f2- | tr -d '\r' | sed 's/^ //'; }
status() { head -n 1 "$tmp/$1.h" | cut -d' ' -f2; }

failures=0
check() { # check DESCRIPTION ACTUAL EXPECTED
  if [ "$2" = "$3" ]; then
    echo "ok    $1: $2"
  else
    echo "FAIL  $1: got '$2', expected '$3'"
    failures=$((failures + 1))
  fi
}

req ok /ok.png
check "GET /ok.png status" "$(status ok)" 200
check "GET /ok.png Content-Type" "$(header ok Content-Type)" image/png
check "GET /ok.png Content-Length" "$(header ok Content-Length)" 843
check "GET /ok.png body length" "$(wc -c <"$tmp/ok.b" | tr -d ' ')" 843
check "GET /ok.png ETag" "$(header ok ETag)" "\"$(sha1sum "$tmp/ok.b" | cut -c1-16)\""
check "GET /ok.png Accept-Ranges" "$(header ok Accept-Ranges)" bytes

req range /ok.png "Range: bytes=0-15"
check "Range 0-15 status" "$(status range)" 206
check "Range 0-15 Content-Range" "$(header range Content-Range)" "bytes 0-15/843"
check "Range 0-15 body" "$(od -An -tx1 "$tmp/range.b" | tr -d ' \n')" 89504e470d0a1a0a0000000d49484452
req suffix /ok.png "Range: bytes=-10"
check "Range -10 Content-Range" "$(header suffix Content-Range)" "bytes 833-842/843"
req bad /ok.png "Range: bytes=5000-"
check "Range 5000- status" "$(status bad)" 416
check "Range 5000- Content-Range" "$(header bad Content-Range)" "bytes */843"

req missing /missing.png
check "GET /missing.png status" "$(status missing)" 404
req redirect /redirect/1/ok.png
check "GET /redirect/1/ok.png status" "$(status redirect)" 302
check "GET /redirect/1/ok.png Location" "$(header redirect Location)" "$base/redirect/0/ok.png"
req redirect0 /redirect/0/ok.png
check "GET /redirect/0/ok.png Location" "$(header redirect0 Location)" "$base/ok.png"
req rto "/redirect-to?url=http%3A%2F%2Fexample.com%2Fa.png"
check "GET /redirect-to Location" "$(header rto Location)" "http://example.com/a.png"
req s410 /status/410/gone.png
check "GET /status/410/gone.png status" "$(status s410)" 410
req hugerange /huge.png "Range: bytes=0-65535"
check "GET /huge.png Range 0-65535" "$(status hugerange) $(header hugerange Content-Range) $(wc -c <"$tmp/hugerange.b" | tr -d ' ')" "206 bytes 0-65535/40000000 65536"
req f1 /files/note.txt
etag1=$(header f1 ETag)
printf 'second version, longer\n' >"$tmp/files/note.txt"
req f2 /files/note.txt
check "GET /files/note.txt" "$(status f1) $(cat "$tmp/f1.b")" "200 first version"
check "GET /files/note.txt after a change" "$(status f2) $(header f2 Content-Length)" "200 23"
[ "$etag1" != "$(header f2 ETag)" ] && check "ETag changes with the file" yes yes || check "ETag changes with the file" no yes
req trav /files/../ca.key
check "GET /files/../ca.key (traversal)" "$(status trav)" 404
req stats /_stats
check "GET /_stats requests for /ok.png" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["requests"]["/ok.png"])' "$tmp/stats.b")" 4

# Stop the server by closing its stdin, as a test process that exits would.
exec {SERVER[1]}>&-
for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$server_pid" 2>/dev/null; then
  check "server exits when stdin closes" running stopped
else
  check "server exits when stdin closes" stopped stopped
fi

if [ "$failures" -ne 0 ]; then
  echo "selfcheck: $failures check(s) failed" >&2
  exit 1
fi
echo "selfcheck: all checks passed"
