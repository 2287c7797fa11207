#!/usr/bin/env python3
"""Writes a valid seedance manifest of N assets, deterministic for a given N and group count.

Usage: gen-manifest.py N [--groups G] [-o FILE]

Assets mix the forms a real manifest uses: a mapping with url and name (half), the URL
shorthand (a third), and a mapping with an explicit type for URLs with no extension.
"""
import argparse
import sys


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("assets", type=int)
    ap.add_argument("--groups", type=int, default=0, help="default: one group per 1,000 assets")
    ap.add_argument("-o", "--output", default="-")
    args = ap.parse_args()
    groups = args.groups or max(1, args.assets // 1000)
    out = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8")
    w = out.write
    w("version: 1\nprovider:\n  api: seedance\nlimits:\n  rate:\n    create_asset: 200\n  wait: 0\ngroups:\n")
    per = [args.assets // groups + (1 if g < args.assets % groups else 0) for g in range(groups)]
    n = 0
    for g, count in enumerate(per):
        w(f"  group-{g:04d}:\n    name: 素材组 {g:04d}\n    description: generated group {g}\n    assets:\n")
        for _ in range(count):
            kind = n % 6
            if kind in (0, 1, 2):
                w(f"      asset-{n:07d}:\n        url: https://cdn.example.com/refs/{g:04d}/asset-{n:07d}.png\n"
                  f"        name: 参考图 {n:07d}\n")
            elif kind in (3, 4):
                w(f"      clip-{n:07d}: https://cdn.example.com/refs/{g:04d}/clip-{n:07d}.mp4\n")
            else:
                w(f"      voice-{n:07d}:\n        url: https://cdn.example.com/audio?id={n}&sig=abc\n"
                  f"        type: audio\n")
            n += 1
    if out is not sys.stdout:
        out.close()


if __name__ == "__main__":
    main()
