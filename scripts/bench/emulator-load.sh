#!/usr/bin/env bash
# Requests per second the emulator sustains, throttling off, for GetAsset and CreateAsset,
# measured with wrk (Debian: apt-get install wrk) on loopback.
# Usage: scripts/bench/emulator-load.sh [BINARY] [SECONDS] [CONNECTIONS]
set -euo pipefail
bin=${1:-.build-bench/release/assetform}
seconds=${2:-10}
connections=${3:-32}
command -v curl >/dev/null || { echo "emulator-load: curl is not installed (apt-get install curl)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "emulator-load: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
trap 'kill $pid 2>/dev/null; rm -rf "$out"' EXIT

"$bin" emulator --no-throttle --port 0 >"$out/address" 2>"$out/stderr" &
pid=$!
for _ in $(seq 50); do grep -q http "$out/address" 2>/dev/null && break; sleep 0.1; done
base=$(grep -o 'http://[0-9.:]*' "$out/address")
auth='Authorization: Bearer bench-key'
group=$(curl -s -H "$auth" -d '{"Name":"bench"}' "$base/v1/seedance/asset/CreateAssetGroup" | grep -o 'group-[0-9]*-[a-z0-9]*')
asset=$(curl -s -H "$auth" -d "{\"GroupId\":\"$group\",\"Name\":\"a\",\"AssetType\":\"Image\",\"URL\":\"https://cdn.example.com/a.png\"}" \
  "$base/v1/seedance/asset/CreateAsset" | grep -o 'asset-[0-9]*-[a-z0-9]*')

run() { # name, action, body
  cat >"$out/$1.lua" <<LUA
wrk.method = "POST"
wrk.body = '$3'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer bench-key"
LUA
  rps=$(wrk -t2 -c"$connections" -d"${seconds}s" -s "$out/$1.lua" "$base/v1/seedance/asset/$2" | awk '/Requests\/sec/ {print $2}')
  printf '%-12s %10s requests/s  (%d connections, %ds)\n' "$1" "$rps" "$connections" "$seconds"
}
run GetAsset GetAsset "{\"Id\":\"$asset\"}"
run CreateAsset CreateAsset "{\"GroupId\":\"$group\",\"Name\":\"n\",\"AssetType\":\"Image\",\"URL\":\"https://cdn.example.com/a.png\"}"
curl -s "$base/_emulator/stats" | grep -o '"committed_creates":{[^}]*}' || true
