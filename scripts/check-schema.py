#!/usr/bin/env python3
"""Validates YAML manifests against assetform's JSON Schema with an independent validator
(python3-jsonschema, draft 2020-12; PyYAML to read the YAML).

Usage: check-schema.py SCHEMA --valid FILE... [--invalid FILE...]
Prints a line per file; exits 0 when every --valid file passes and every --invalid file fails.
"""
import json
import sys

import jsonschema
import yaml


def main():
    args = sys.argv[1:]
    schema = json.load(open(args[0], encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    expect, ok = None, True
    for a in args[1:]:
        if a in ("--valid", "--invalid"):
            expect = a == "--valid"
            continue
        with open(a, encoding="utf-8") as f:
            document = yaml.safe_load(f)
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        valid = not errors
        first = errors[0].message if errors else ""
        print(f"{a}: {'valid' if valid else 'invalid: ' + first[:200]}")
        if valid != expect:
            print(f"  expected {'valid' if expect else 'invalid'}", file=sys.stderr)
            ok = False
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
