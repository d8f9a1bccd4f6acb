#!/usr/bin/env python3
"""Write fuzz/seeds/platform-trees.json from platforms/host-ort-cpu.json.

The host profile (about 0.4 MB) is over platform_fuzz's -max_len (32 KB, fuzz/run.sh), so
it is not a seed itself. This keeps every key of it (classes with tree and step-linear
models, dispatch_ms, cache.share, warm terms, machine, fusion rules) and shrinks it under
the limit: only the first 2 trees of each tree model, and long provenance strings (source,
notes, description, measured) cut to 60 characters. Compact JSON.

    /usr/bin/python3 fuzz/make_platform_seed.py [PROFILE] [OUT]
"""
import json
import sys

LIMIT = 32768  # platform_fuzz's -max_len in fuzz/run.sh


def shorten(obj):
    if isinstance(obj, dict):
        for key, value in obj.items():
            if isinstance(value, str) and key in ("source", "notes", "description", "measured"):
                obj[key] = value[:60]
            else:
                shorten(value)
    elif isinstance(obj, list):
        for value in obj:
            shorten(value)


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "platforms/host-ort-cpu.json"
    out = sys.argv[2] if len(sys.argv) > 2 else "fuzz/seeds/platform-trees.json"
    with open(src, encoding="utf-8") as f:
        profile = json.load(f)
    for cls in profile.get("classes", {}).values():
        for model in cls.get("trees", []):
            model["trees"] = model["trees"][:2]
    shorten(profile)
    profile["description"] = (
        "fuzz seed, not a platform: " + src + " with the first 2 trees of each tree model and "
        "provenance strings cut to 60 characters (fuzz/make_platform_seed.py)")
    text = json.dumps(profile, separators=(",", ":"))
    if len(text) > LIMIT:
        sys.exit(f"make_platform_seed.py: {len(text)} bytes, over platform_fuzz's {LIMIT}")
    with open(out, "w", encoding="utf-8") as f:
        f.write(text + "\n")
    print(f"{out}: {len(text) + 1} bytes")


if __name__ == "__main__":
    main()
