#!/usr/bin/env python3
"""Writes a valid seedance manifest of N assets, deterministic for a given N and group count.

Usage: gen-manifest.py N [--groups G] [-o FILE] [--lock LOCKFILE]

With --lock, also writes the lockfile that apply would have written for it (every asset Active),
so that `plan --no-refresh` has the full comparison to make.

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
    ap.add_argument("--lock", help="also write a matching lockfile here")
    ap.add_argument("--rate", help="limits.rate.create_asset (default 200); the other classes become unlimited")
    ap.add_argument("--concurrency", type=int, help="limits.concurrency")
    ap.add_argument("--processing", type=int, help="limits.processing (default: the tool's, 30)")
    args = ap.parse_args()
    groups = args.groups or max(1, args.assets // 1000)
    out = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8")
    w = out.write
    limits = "limits:\n"
    if args.concurrency:
        limits += f"  concurrency: {args.concurrency}\n"
    if args.rate:
        limits += f"  rate:\n    create_asset: {args.rate}\n    write: unlimited\n    read: unlimited\n"
    else:
        limits += "  rate:\n    create_asset: 200\n"
    if args.processing:
        limits += f"  processing: {args.processing}\n"
    w("version: 1\nprovider:\n  api: seedance\n" + limits + "  wait: 0\ngroups:\n")
    per = [args.assets // groups + (1 if g < args.assets % groups else 0) for g in range(groups)]
    n = 0
    lock_groups = {}
    for g, count in enumerate(per):
        lock_assets = {}
        lock_groups[f"group-{g:04d}"] = {"assets": lock_assets, "description": f"generated group {g}",
                                         "id": f"group-20260101000000-g{g:04d}", "name": f"素材组 {g:04d}"}
        w(f"  group-{g:04d}:\n    name: 素材组 {g:04d}\n    description: generated group {g}\n    assets:\n")
        for _ in range(count):
            kind = n % 6
            if kind in (0, 1, 2):
                key, url, name, typ = f"asset-{n:07d}", f"https://cdn.example.com/refs/{g:04d}/asset-{n:07d}.png", f"参考图 {n:07d}", "image"
                w(f"      {key}:\n        url: {url}\n        name: {name}\n")
            elif kind in (3, 4):
                key, url, typ = f"clip-{n:07d}", f"https://cdn.example.com/refs/{g:04d}/clip-{n:07d}.mp4", "video"
                name = key
                w(f"      {key}: {url}\n")
            else:
                key, url, typ = f"voice-{n:07d}", f"https://cdn.example.com/audio?id={n}&sig=abc", "audio"
                name = key
                w(f"      {key}:\n        url: {url}\n        type: audio\n")
            aid = f"asset-20260101000000-{n:05d}"[:32]
            lock_assets[key] = {"id": aid, "name": name, "ref": "asset://" + aid, "status": "Active", "type": typ, "url": url}
            n += 1
    if out is not sys.stdout:
        out.close()
    if args.lock:
        import json
        lock = {"groups": lock_groups, "lineage": "00000000-0000-4000-8000-000000000000",
                "provider": {"api": "seedance", "base_url": "https://gogogotoken.com", "project_name": "default"},
                "serial": 1, "version": 1}
        with open(args.lock, "w", encoding="utf-8") as f:
            json.dump(lock, f, ensure_ascii=False, indent=2, sort_keys=True)
            f.write("\n")


if __name__ == "__main__":
    main()
