#!/usr/bin/env python3
"""`assetform apply` against an `assetform emulator` process (both release builds), side by side
with references measured in the same run:

  1. paced: N creates with create_asset at R/s: achieved creates per second / R;
  2. unthrottled, 32 in flight: apply's creates per second / the emulator's raw CreateAsset
     capacity, measured by assetform-bench --raw-against on the same emulator (no policy, no
     journal), interleaved round by round;
  3. CPU time (user + system) of the apply process per action, and its peak RSS;
  4. a large apply with --no-wait: peak RSS and CPU per action.

Usage: apply.py [--paced 2000] [--rate 200] [--unthrottled 3000] [--rounds 3] [--large 100000]
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, ".build-bench/release/assetform")
BENCH = os.path.join(ROOT, ".build-bench/release/assetform-bench")
GEN = os.path.join(ROOT, "scripts/bench/gen-manifest.py")


def start_emulator():
    p = subprocess.Popen([BIN, "emulator", "--no-throttle", "--processing-delay", "0ms"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = p.stdout.readline()
    m = re.search(r"http://127\.0\.0\.1:\d+", line)
    if not m:
        sys.exit(f"the emulator did not start: {line!r}")
    return p, m.group(0)


def reset(base):
    urllib.request.urlopen(urllib.request.Request(base + "/_emulator/reset", method="POST")).read()


def apply(base, n, rate, concurrency, groups):
    """Runs one apply in a fresh folder; returns (events, wall seconds, cpu seconds, peak RSS MiB)."""
    with tempfile.TemporaryDirectory() as d:
        manifest = os.path.join(d, "m.yaml")
        subprocess.run([sys.executable, GEN, str(n), "--groups", str(groups), "--rate", rate,
                        "--concurrency", str(concurrency), "-o", manifest], check=True)
        env = dict(os.environ, ASSETFORM_BASE_URL=base, ASSETFORM_API_KEY="bench-key")
        out = open(os.path.join(d, "events"), "w+")
        start = time.monotonic()
        p = subprocess.Popen([BIN, "apply", manifest, "--auto-approve", "--json", "--no-wait"],
                             stdout=out, stderr=subprocess.PIPE, env=env, text=True)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.monotonic() - start
        err = p.stderr.read()
        if status != 0:
            sys.exit(f"apply failed ({status}): {err[-2000:]}")
        out.seek(0)
        events = [json.loads(line) for line in out if line.strip()]
        return events, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def create_rate(events):
    """Asset creates per second, between the first and the last completed create."""
    t = sorted(e["t"] for e in events
               if e.get("event") == "completed" and e.get("kind") == "asset" and e.get("outcome") == "created")
    return (len(t) - 1) / (t[-1] - t[0]) if len(t) > 1 and t[-1] > t[0] else float("nan")


def actions(events):
    return sum(1 for e in events if e.get("event") in ("completed", "failed"))


def raw(base, count, concurrency):
    out = subprocess.run([BENCH, "--raw-against", base, "--unthrottled", str(count), "--concurrency", str(concurrency)],
                         check=True, capture_output=True, text=True).stdout
    return float(out.split()[1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--paced", type=int, default=2000)
    ap.add_argument("--rate", type=float, default=200)
    ap.add_argument("--unthrottled", type=int, default=3000)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--large", type=int, default=100000)
    args = ap.parse_args()
    emulator, base = start_emulator()
    try:
        print(f"machine: {os.cpu_count()} cores; {time.strftime('%Y-%m-%d')}; emulator at {base}, throttling off")

        reset(base)
        ev, wall, cpu, rss = apply(base, args.paced, f"{args.rate:g}", 32, max(1, args.paced // 100))
        r = create_rate(ev)
        print(f"paced: {args.paced} creates at create_asset {args.rate:g}/s: achieved {r:.1f}/s = "
              f"{r / args.rate:.3f} of configured; {wall:.1f}s wall; CPU {1000 * cpu / actions(ev):.2f} ms per action; "
              f"peak RSS {rss:.0f} MiB")

        ratios = []
        for i in range(args.rounds):
            reset(base)
            reference = raw(base, args.unthrottled, args.concurrency)
            reset(base)
            ev, wall, cpu, rss = apply(base, args.unthrottled, "unlimited", args.concurrency,
                                       max(1, args.unthrottled // 100))
            got = create_rate(ev)
            ratios.append(got / reference)
            print(f"unthrottled round {i + 1}: raw {reference:.0f}/s, apply {got:.0f}/s = {got / reference:.3f}; "
                  f"CPU {1000 * cpu / actions(ev):.2f} ms per action; peak RSS {rss:.0f} MiB")
        print(f"unthrottled, {args.concurrency} in flight: median apply / raw = {statistics.median(ratios):.3f}")

        if args.large:
            reset(base)
            ev, wall, cpu, rss = apply(base, args.large, "unlimited", args.concurrency, max(1, args.large // 1000))
            print(f"large: {args.large} creates with --no-wait: {wall:.1f}s wall, {create_rate(ev):.0f} creates/s, "
                  f"CPU {1000 * cpu / actions(ev):.2f} ms per action, peak RSS {rss:.0f} MiB")
    finally:
        emulator.terminate()
        emulator.wait()


if __name__ == "__main__":
    main()
