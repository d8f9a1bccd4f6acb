#!/usr/bin/python3
"""Check that every relative Markdown link in the source tree's *.md files (or the files given) names
a file or folder that exists. Build folders (build*), node_modules and hidden folders are skipped.
Prints each broken link as FILE:LINE: TARGET and exits 1 if any.

    /usr/bin/python3 tools/check_doc_links.py [ROOT] [FILE.md...]
"""
import os
import re
import sys

LINK = re.compile(r"\]\(([^)\s]+)\)")


def links(path):
    fence = False
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.startswith("```"):
                fence = not fence
                continue
            if fence:
                continue
            for target in LINK.findall(line):
                if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
                    continue  # http:, mailto:, in-page anchors
                yield n, target.split("#", 1)[0]


def markdown_files(root):
    found = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "build")) and d != "node_modules")
        found += [os.path.relpath(os.path.join(folder, n), root) for n in sorted(names) if n.endswith(".md")]
    return found


def main(argv):
    root = os.path.abspath(argv[1]) if len(argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    files = argv[2:] or markdown_files(root)
    bad = 0
    checked = 0
    for rel in files:
        path = os.path.join(root, rel)
        for n, target in links(path):
            checked += 1
            if not os.path.exists(os.path.normpath(os.path.join(os.path.dirname(path), target))):
                print(f"{rel}:{n}: {target}: no such file")
                bad += 1
    print(f"{checked} links in {len(files)} files, {bad} broken")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
