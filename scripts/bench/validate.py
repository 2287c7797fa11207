#!/usr/bin/env python3
"""Benchmark: `assetform validate`, the first plan a user runs on a big manifest (`plan
--no-refresh` with no lockfile: every asset to create, the whole plan printed), and `assetform
plan --no-refresh` with a matching lockfile
(every asset unchanged: the full comparison, no change to print), against the floor (a bare C
loop over libyaml's events) and PyYAML's C loader, on generated manifests. Prints a table of
medians and peak memory.

Usage: scripts/bench/validate.py [--sizes 10000,100000] [--runs 5] [--binary PATH]
Run from the repository root (make bench-validate builds the release binary first).
Wall times are medians over --runs rounds, each round running every tool once in turn; peak
memory (max RSS) is the largest seen. Ratios are against the floor measured in the same rounds.
scripts/bench/run.py uses the same functions for BENCHMARKS.md.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "out")
FLOOR = "libyaml event loop (C)"
PYYAML = "PyYAML CSafeLoader"


def measure(cmd):
    """Wall seconds, CPU seconds and peak RSS (KiB) of one run of cmd."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{err}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def build_floor():
    """Compiles the C floor; returns its path."""
    os.makedirs(OUT, exist_ok=True)
    floor = os.path.join(OUT, "yaml-floor")
    flags = subprocess.check_output(["pkg-config", "--cflags", "--libs", "yaml-0.1"], text=True).split()
    subprocess.check_call(["cc", "-O2", "-o", floor, os.path.join(HERE, "yaml-floor.c"), *flags])
    return floor


def has_pyyaml():
    try:
        import yaml  # noqa: F401
        return hasattr(yaml, "CSafeLoader")
    except ImportError:
        return False


def parse_stage(size, runs, binary, floor):
    """For one size: {tool: (median wall s, ratio to the floor, peak RSS KiB)}, and the file's MB."""
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, f"manifest-{size}.yaml")
    lock = os.path.join(OUT, f"manifest-{size}.lock")
    if not os.path.exists(path) or not os.path.exists(lock):
        subprocess.check_call([sys.executable, os.path.join(HERE, "gen-manifest.py"), str(size), "-o", path, "--lock", lock])
    tools = [
        (FLOOR, [floor, path]),
        ("assetform validate", [binary, "--quiet", "validate", path]),
        ("assetform first plan", [binary, "plan", path, "--no-refresh", "--lock", os.path.join(OUT, "no-such.lock")]),
        ("assetform plan --no-refresh", [binary, "--quiet", "plan", path, "--no-refresh", "--lock", lock]),
    ]
    if has_pyyaml():
        tools.append((PYYAML, [sys.executable, "-c",
                               "import sys, yaml; yaml.load(open(sys.argv[1], 'rb'), Loader=yaml.CSafeLoader)", path]))
    for _, cmd in tools:
        measure(cmd)  # warm the page cache
    # Rounds interleave the tools, so the machine's drifting load falls on all of them alike.
    samples = {name: [] for name, _ in tools}
    for _ in range(runs):
        for name, cmd in tools:
            samples[name].append(measure(cmd))
    base = statistics.median(w for w, _, _ in samples[FLOOR])
    rows = {}
    for name, s in samples.items():
        wall = statistics.median(w for w, _, _ in s)
        rows[name] = (wall, wall / base, max(r for _, _, r in s))
    return rows, os.path.getsize(path) / 1e6


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--binary", default=".build-bench/release/assetform")
    args = ap.parse_args()
    floor = build_floor()
    print(f"{'assets':>8} {'file MB':>8} {'tool':<28} {'median s':>9} {'× floor':>8} {'peak MiB':>9}")
    for size in [int(s) for s in args.sizes.split(",")]:
        rows, mb = parse_stage(size, args.runs, args.binary, floor)
        for name, (wall, ratio, rss) in rows.items():
            print(f"{size:>8} {mb:>8.1f} {name:<28} {wall:>9.3f} {ratio:>8.2f} {rss / 1024:>9.1f}")
    if not has_pyyaml():
        print("(PyYAML with its C loader is not installed: pip install pyyaml, or apt-get install python3-yaml)")


if __name__ == "__main__":
    main()
