#!/usr/bin/env python3
"""The benchmark runner (BENCHMARKS.md): everything measured side by side, in one run, against
references measured in the same run, on manifests it generates.

  1. `validate`, the first plan (no lockfile) and `plan --no-refresh` (with a matching lockfile)
     against the bare C loop over libyaml's events on the same file, and against PyYAML's C
     loader (ratios; goal ≤ 2×, and plan ≤ 100 MiB at 100,000 assets);
  2. apply of N creates with create_asset at R/s against the emulator (achieved / configured;
     goal ≥ 0.97);
  3. apply unthrottled, 32 in flight, against the emulator's raw CreateAsset capacity measured
     by assetform-bench in the same rounds (ratio; goal ≥ 0.8);
  4. refresh on seedance of N assets in G groups: its calls against one call per object;
  5. peak RSS of each (goal ≤ 150 MiB for apply --no-wait and refresh of 100,000), and CPU time
     per applied action;
  6. auto and per-minute rates against an emulator that enforces them;
  7. `check` of N source URLs against the local HTTPS media server at 20 ms a request.

Usage: scripts/bench/run.py [--sizes 1000,10000,100000] [--runs 5] [--bin-dir .build-bench/release]
       scripts/bench/run.py --smoke    (seconds: small sizes, one run, the debug build; checks that
                                        every stage runs and gives numbers, not how fast)
Prints a Markdown report. `make bench` builds the release binaries and runs it; `make test` runs
the smoke variant.
"""
import argparse
import math
import os
import platform
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import apply as applybench  # noqa: E402
import preflight as preflightbench  # noqa: E402
import validate as parsebench  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def machine():
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}), {mem}, {platform.system()} {platform.release()}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--paced", type=int, default=2000)
    ap.add_argument("--rate", type=float, default=200)
    ap.add_argument("--unthrottled", type=int, default=3000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--bin-dir", default=os.path.join(ROOT, ".build-bench/release"))
    ap.add_argument("--limited", type=int, default=600)
    ap.add_argument("--per-minute", type=int, default=200)
    ap.add_argument("--sources", type=int, default=1000)
    ap.add_argument("--smoke", action="store_true")
    args = ap.parse_args()
    if args.smoke:
        args.sizes, args.runs, args.paced, args.rate, args.unthrottled, args.rounds = "200", 1, 40, 100, 200, 1
        args.limited, args.per_minute, args.sources = 60, 20, 40
        if args.bin_dir == os.path.join(ROOT, ".build-bench/release"):
            args.bin_dir = os.path.join(ROOT, ".build/debug")
    binary = os.path.join(args.bin_dir, "assetform")
    bench = os.path.join(args.bin_dir, "assetform-bench")
    for b in (binary, bench):
        if not os.access(b, os.X_OK):
            sys.exit(f"run.py: {b} is not built (make bench builds the release binaries)")
    sizes = [int(s) for s in args.sizes.split(",")]
    figures = []  # every number the report shows, for the smoke check

    def fig(x):
        figures.append(x)
        return x

    print(f"# assetform benchmarks{' (smoke)' if args.smoke else ''}\n")
    print(f"- Date: {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print(f"- Machine: {machine()}")
    print(f"- Binaries: {args.bin_dir}")
    print(f"- Command: scripts/bench/run.py {' '.join(sys.argv[1:])}".rstrip())
    print(f"- Medians of {args.runs} interleaved runs where not said otherwise\n")

    memory = []  # (stage, what, peak RSS MiB): the memory table at the end

    print("## 1. validate, the first plan and plan --no-refresh against the C floor and PyYAML\n")
    print("(The first plan: `plan --no-refresh` with no lockfile, every asset to create, the whole plan printed; "
          "plan --no-refresh: with a matching lockfile, nothing to change.)\n")
    floor = parsebench.build_floor()
    print("| assets | file | tool | median | × C floor | peak RSS |")
    print("|---:|---:|---|---:|---:|---:|")
    for size in sizes:
        rows, mb = parsebench.parse_stage(size, args.runs, binary, floor)
        for name, (wall, ratio, rss) in rows.items():
            print(f"| {size:,} | {mb:.1f} MB | {name} | {fig(wall) * 1000:.1f} ms | {fig(ratio):.2f} × | {rss / 1024:.0f} MiB |")
            if name.startswith("assetform"):
                memory.append(("1", f"{name[len('assetform '):]}, {size:,} assets", rss / 1024))
    if not parsebench.has_pyyaml():
        print("\n(PyYAML's C loader is not installed here: apt-get install python3-yaml.)")

    emulator = applybench.Emulator(binary)
    try:
        print(f"\n## 2. apply at a configured rate\n")
        paced_runs = 1 if args.smoke else 3
        ratio, cpu, rss, all_ratios = applybench.paced_stage(binary, emulator, args.paced, args.rate, paced_runs)
        print(f"{args.paced:,} creates with `create_asset: {args.rate:g}` against an emulator process (throttling off), "
              f"median of {paced_runs}: **{fig(ratio):.3f} of the configured rate** "
              f"(runs: {', '.join(f'{r:.3f}' for r in all_ratios)}); {fig(cpu):.2f} ms CPU per action; peak RSS {rss:.0f} MiB.")
        memory.append(("2", f"apply, {args.paced:,} creates at {args.rate:g}/s", rss))

        print(f"\n## 3. apply unthrottled against the emulator's raw capacity\n")
        median, ratios, raws, applies, cpu, rss = applybench.unthrottled_stage(
            binary, bench, emulator, args.unthrottled, 32, args.rounds)
        print("| round | raw CreateAsset/s (assetform-bench, no policy) | apply creates/s | apply / raw |")
        print("|---:|---:|---:|---:|")
        for i, (r, a, q) in enumerate(zip(raws, applies, ratios)):
            print(f"| {i + 1} | {fig(r):,.0f} | {fig(a):,.0f} | {fig(q):.3f} |")
        print(f"\n{args.unthrottled:,} creates a round, 32 in flight: **median {median:.3f} of raw**; "
              f"{fig(cpu):.2f} ms CPU per action; peak RSS {rss:.0f} MiB.")
        memory.append(("3", f"apply unthrottled, {args.unthrottled:,} creates", rss))

        print(f"\n## 4 and 5. apply --no-wait of N assets, then refresh on seedance\n")
        print("| assets | groups | apply wall | creates/s | CPU per action | apply peak RSS | refresh calls | one call per object | refresh wall | refresh peak RSS |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for size in sizes:
            groups = max(1, size // 1000)
            f = applybench.large_stage(binary, emulator, size, 32, groups)
            print(f"| {size:,} | {groups} | {fig(f['wall']):.1f} s | {fig(f['rate']):,.0f} | {fig(f['cpu_ms']):.2f} ms | "
                  f"{f['rss']:.0f} MiB | {f['refresh_calls']:,} | {f['objects']:,} | {fig(f['refresh_wall']):.1f} s | "
                  f"{f['refresh_rss']:.0f} MiB |")
            memory.append(("4", f"apply --no-wait, {size:,} assets", f["rss"]))
            memory.append(("5", f"refresh, {size:,} assets", f["refresh_rss"]))
            if f["refresh_calls"] >= f["objects"]:
                sys.exit(f"run.py: refresh made {f['refresh_calls']} calls for {f['objects']} objects")
    finally:
        emulator.stop()

    print(f"\n## 6. auto and per-minute rates against the service's own limits\n")
    n = args.limited
    f = applybench.limited_stage(
        binary, n, ["--rate", "CreateAsset=10", "--processing-limit", "30", "--processing-delay", "1s"], "auto", 10,
        window=30, delay=1.0)
    print(f"{n:,} assets with `create_asset: auto` against an emulator process that allows 10 creates/s "
          f"(burst 2), 30 Processing at once, each Processing for 1 s: the creates took {fig(f['span']):.1f} s "
          f"against {f['physical']:.1f} s the limits alone impose, **{fig(f['ratio']):.3f} of the limit's rate** "
          f"(goal ≥ 0.85); over the second half {fig(f['second_half']):.2f}/s = {f['second_half_ratio']:.3f} of it; "
          f"throttled answers {f['throttled']} for {f['creates']} create calls = **{f['throttled_share'] * 100:.1f} %** "
          f"(goal ≤ 10 %); Processing at once at most {f['peak']}.")
    m = args.per_minute
    g = applybench.limited_stage(binary, m, ["--rate", "CreateAsset=600/min", "--processing-delay", "100ms"], "600/min", 10)
    overall = fig((m - 1) / g["span"])
    print(f"\n{m:,} assets with `create_asset: 600/min` against a 600/min quota with no burst: "
          f"**{g['throttled']} throttled** (goal 0); achieved {overall:.2f}/s between the first and the last create "
          f"= **{overall / 10:.3f} of 10/s** (goal within 3 %), {fig(g['second_half']):.2f}/s over the second half.")

    print(f"\n## 7. preflight: check of N source URLs\n")
    p = preflightbench.preflight_stage(binary, args.sources, latency_ms=20, concurrency=16)
    print(f"`assetform check` of {p['checked']:,} URLs (PNG, JPEG, WebP, GIF, MP4, MOV, WAV, MP3, and a 40 MB PNG) "
          f"against the local HTTPS media server answering each request after 20 ms, 16 at once: "
          f"{fig(p['elapsed']):.2f} s checking ({p['wall']:.2f} s in all) against the {p['ideal']:.2f} s the latency "
          f"alone imposes (N × 20 ms ÷ 16), **{fig(p['ratio']):.2f} ×**, and against a bare Python client making the "
          f"same requests to the same server in this run ({fig(p['reference']):.2f} s), "
          f"**{p['elapsed'] / p['reference']:.2f} ×**; body bytes read per URL: at most {fig(p['max_read']):,}, "
          f"{fig(p['mean_read']):,.0f} on average (connections kept open per host, up to 16).")

    print("\n## Peak memory per stage\n")
    print("| stage | what | peak RSS |")
    print("|---|---|---:|")
    for stage, what, rss in memory:
        print(f"| {stage} | {what} | {fig(rss):.0f} MiB |")

    bad = [x for x in figures if not isinstance(x, (int, float)) or math.isnan(x) or math.isinf(x) or x <= 0]
    if bad:
        sys.exit(f"run.py: {len(bad)} figures are missing or not positive: the runner is broken")
    if args.smoke:
        print(f"\nsmoke: every stage ran and gave {len(figures)} figures (timings are not checked here)")


if __name__ == "__main__":
    main()
