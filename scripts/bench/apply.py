#!/usr/bin/env python3
"""`assetform apply` against an `assetform emulator` process (both release builds), side by side
with references measured in the same run:

  1. paced: N creates with create_asset at R/s: achieved creates per second / R;
  2. unthrottled, 32 in flight: apply's creates per second / the emulator's raw CreateAsset
     capacity, measured by assetform-bench --raw-against on the same emulator (no policy, no
     journal), interleaved round by round;
  3. CPU time (user + system) of the apply process per action, and its peak RSS;
  4. a large apply with --no-wait: peak RSS and CPU per action; then `refresh` of it on
     seedance: its calls against one call per object.

Usage: apply.py [--paced 2000] [--rate 200] [--unthrottled 3000] [--rounds 3] [--large 100000]
scripts/bench/run.py uses the same functions for BENCHMARKS.md.
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
GEN = os.path.join(ROOT, "scripts/bench/gen-manifest.py")


class Emulator:
    """An `assetform emulator` process: by default with throttling off."""

    def __init__(self, binary, options=("--no-throttle", "--processing-delay", "0ms")):
        self.process = subprocess.Popen([binary, "emulator", *options],
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.process.stdout.readline()
        m = re.search(r"http://127\.0\.0\.1:\d+", line)
        if not m:
            sys.exit(f"the emulator did not start: {line!r}")
        self.base = m.group(0)

    def reset(self):
        urllib.request.urlopen(urllib.request.Request(self.base + "/_emulator/reset", method="POST")).read()

    def stats(self):
        return json.loads(urllib.request.urlopen(self.base + "/_emulator/stats").read())

    def stop(self):
        self.process.terminate()
        self.process.wait()


def run(cmd, env, ok=(0,), read=None):
    """Runs cmd; returns (what `read` made of its stdout (a file), wall s, CPU s, peak RSS MiB). An
    exit status outside `ok` stops the runner.

    The peak RSS the kernel reports for a child counts what it had at fork, before it execs: this
    runner's own memory. So the runner keeps little: events are read a line at a time into
    small tuples, and the plan's long `planned` line is skipped unread."""
    with tempfile.TemporaryFile("w+") as out:
        start = time.monotonic()
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, env=env, text=True)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.monotonic() - start
        err = p.stderr.read()
        p.stderr.close()
        if os.waitstatus_to_exitcode(status) not in ok:
            sys.exit(f"failed ({status}): {' '.join(cmd)}\n{err[-2000:]}")
        out.seek(0)
        return (read(out) if read else None), wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def slim_events(f):
    """The completed and failed events of an NDJSON stream, as (event, kind, outcome, t)."""
    events = []
    while True:
        line = f.readline(1 << 16)
        if not line:
            return events
        if not line.endswith("\n"):
            # Longer than 64 KiB: the planned event (the whole plan); skipped, not parsed.
            while line and not line.endswith("\n"):
                line = f.readline(1 << 16)
            continue
        if '"completed"' not in line and '"failed"' not in line:
            continue
        e = json.loads(line)
        if e.get("event") in ("completed", "failed"):
            events.append((e["event"], e.get("kind"), e.get("outcome"), e.get("t")))


def apply(binary, emulator, folder, n, rate, concurrency, groups, processing=None):
    """One `apply --json --no-wait` of a generated manifest in `folder`; returns
    (events as `slim_events` gives them, wall s, CPU s, peak RSS MiB). `processing`:
    limits.processing; the stages that measure apply's own speed set it to n, since their
    emulator has no Processing limit (and answers at once), so that the window measures nothing
    there."""
    manifest = os.path.join(folder, "m.yaml")
    subprocess.run([sys.executable, GEN, str(n), "--groups", str(groups), "--rate", rate,
                    "--concurrency", str(concurrency), "-o", manifest]
                   + (["--processing", str(processing)] if processing else []), check=True)
    env = dict(os.environ, ASSETFORM_BASE_URL=emulator.base, ASSETFORM_API_KEY="bench-key")
    # 4: done, with assets still Processing (--no-wait leaves them to the next run).
    return run([binary, "apply", manifest, "--auto-approve", "--json", "--no-wait"], env, ok=(0, 4), read=slim_events)


def refresh(binary, emulator, folder):
    """`refresh` of the manifest applied in `folder`: (read calls it made, wall s, peak RSS MiB)."""
    def reads():
        calls = emulator.stats()["calls"]["seedance"]
        return sum(calls.get(a, 0) for a in ("ListAssets", "ListAssetGroups", "GetAsset", "GetAssetGroup"))
    before = reads()
    env = dict(os.environ, ASSETFORM_BASE_URL=emulator.base, ASSETFORM_API_KEY="bench-key")
    _, wall, _, rss = run([binary, "refresh", os.path.join(folder, "m.yaml")], env)
    return reads() - before, wall, rss


def created_times(events):
    """The `t` stamps of the completed asset creates, in order."""
    return sorted(t for event, kind, outcome, t in events if event == "completed" and kind == "asset" and outcome == "created")


def create_rate(events):
    """Asset creates per second, between the first and the last completed create."""
    t = created_times(events)
    return (len(t) - 1) / (t[-1] - t[0]) if len(t) > 1 and t[-1] > t[0] else float("nan")


def actions(events):
    return len(events)


def raw(bench, emulator, count, concurrency):
    out = subprocess.run([bench, "--raw-against", emulator.base, "--unthrottled", str(count), "--concurrency",
                          str(concurrency)], check=True, capture_output=True, text=True).stdout
    return float(out.split()[1])


def paced_stage(binary, emulator, n, rate, runs):
    """Median achieved/configured over `runs` applies, with CPU ms per action and peak RSS."""
    results = []
    for _ in range(runs):
        emulator.reset()
        with tempfile.TemporaryDirectory() as d:
            ev, wall, cpu, rss = apply(binary, emulator, d, n, f"{rate:g}", 32, max(1, n // 100), processing=n)
        results.append((create_rate(ev) / rate, 1000 * cpu / actions(ev), rss))
    return (statistics.median(r for r, _, _ in results), statistics.median(c for _, c, _ in results),
            max(m for _, _, m in results), [r for r, _, _ in results])


def unthrottled_stage(binary, bench, emulator, n, concurrency, rounds):
    """Rounds of raw capacity then apply; returns (median ratio, ratios, raws, applies, CPU ms, RSS)."""
    ratios, raws, applies, cpus, rss = [], [], [], [], 0
    for _ in range(rounds):
        emulator.reset()
        reference = raw(bench, emulator, n, concurrency)
        emulator.reset()
        with tempfile.TemporaryDirectory() as d:
            ev, wall, cpu, peak = apply(binary, emulator, d, n, "unlimited", concurrency, max(1, n // 100), processing=n)
        got = create_rate(ev)
        ratios.append(got / reference)
        raws.append(reference)
        applies.append(got)
        cpus.append(1000 * cpu / actions(ev))
        rss = max(rss, peak)
    return statistics.median(ratios), ratios, raws, applies, statistics.median(cpus), rss


def large_stage(binary, emulator, n, concurrency, groups):
    """One large apply with --no-wait, then a refresh of it: a dict of figures."""
    emulator.reset()
    with tempfile.TemporaryDirectory() as d:
        ev, wall, cpu, rss = apply(binary, emulator, d, n, "unlimited", concurrency, groups, processing=n)
        calls, refresh_wall, refresh_rss = refresh(binary, emulator, d)
    return {"wall": wall, "rate": create_rate(ev), "cpu_ms": 1000 * cpu / actions(ev), "rss": rss,
            "refresh_calls": calls, "objects": n + groups, "refresh_wall": refresh_wall, "refresh_rss": refresh_rss}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--paced", type=int, default=2000)
    ap.add_argument("--rate", type=float, default=200)
    ap.add_argument("--unthrottled", type=int, default=3000)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--large", type=int, default=100000)
    ap.add_argument("--bin-dir", default=os.path.join(ROOT, ".build-bench/release"))
    args = ap.parse_args()
    binary = os.path.join(args.bin_dir, "assetform")
    bench = os.path.join(args.bin_dir, "assetform-bench")
    emulator = Emulator(binary)
    try:
        print(f"machine: {os.cpu_count()} cores; {time.strftime('%Y-%m-%d')}; emulator at {emulator.base}, throttling off")
        ratio, cpu, rss, _ = paced_stage(binary, emulator, args.paced, args.rate, 1)
        print(f"paced: {args.paced} creates at create_asset {args.rate:g}/s: {ratio:.3f} of configured; "
              f"CPU {cpu:.2f} ms per action; peak RSS {rss:.0f} MiB")
        median, ratios, raws, applies, cpu, rss = unthrottled_stage(
            binary, bench, emulator, args.unthrottled, args.concurrency, args.rounds)
        for r, a, q in zip(raws, applies, ratios):
            print(f"unthrottled round: raw {r:.0f}/s, apply {a:.0f}/s = {q:.3f}")
        print(f"unthrottled, {args.concurrency} in flight: median apply / raw = {median:.3f}; CPU {cpu:.2f} ms per action")
        if args.large:
            f = large_stage(binary, emulator, args.large, args.concurrency, max(1, args.large // 1000))
            print(f"large: {args.large} creates with --no-wait: {f['wall']:.1f}s wall, {f['rate']:.0f} creates/s, "
                  f"CPU {f['cpu_ms']:.2f} ms per action, peak RSS {f['rss']:.0f} MiB; refresh: {f['refresh_calls']} calls "
                  f"for {f['objects']} objects")
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()


def limited_stage(binary, n, emulator_options, rate, limit_per_second, window=None, delay=0.0):
    """Registers n assets with `create_asset: rate` against an emulator process of its own that
    enforces `emulator_options` (a rate limit, a Processing window): wall time against the time
    the limits alone impose, throttled answers per create, and the achieved rate over the second
    half of the creates. Returns a dict of figures."""
    emulator = Emulator(binary, emulator_options)
    try:
        with tempfile.TemporaryDirectory() as d:
            ev, wall, cpu, rss = apply(binary, emulator, d, n, rate, 32, 1)
        stats = emulator.stats()
    finally:
        emulator.stop()
    t = created_times(ev)
    half = t[len(t) // 2:]
    second_half = (len(half) - 1) / (half[-1] - half[0]) if len(half) > 1 and half[-1] > half[0] else float("nan")
    # What the limits alone impose: n creates at the limit's rate, or through a window of
    # `window` assets each Processing for `delay` seconds, whichever is slower.
    physical = n / limit_per_second
    if window:
        physical = max(physical, n / (window / delay))
    span = t[-1] - t[0] if len(t) > 1 else float("nan")
    creates = stats["calls"]["seedance"].get("CreateAsset", 0)
    return {"span": span, "physical": physical, "ratio": physical / span if span > 0 else float("nan"),
            "throttled": stats["throttled"]["seedance"], "creates": creates,
            "throttled_share": stats["throttled"]["seedance"] / max(1, creates), "second_half": second_half,
            "second_half_ratio": second_half / limit_per_second, "peak": stats.get("processing_peak", {}).get("seedance", 0),
            "wall": wall}
