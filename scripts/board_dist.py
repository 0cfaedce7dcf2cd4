#!/usr/bin/env python3
"""The committed board bundle, web/dist/ (src/web/CMakeLists.txt says why it is committed).

  scripts/board_dist.py check BUILT COMMITTED    exit 0 when COMMITTED holds exactly the
                                                 files of BUILT, byte for byte; else one
                                                 line per difference and exit 1
  scripts/board_dist.py update BUILT COMMITTED   makes COMMITTED a copy of BUILT

BUILT is a tree web/build.mjs wrote (build/src/web/dist). Python 3 standard library only.
"""
import os
import shutil
import sys


def files(top):
    found = {}
    for root, _, names in os.walk(top):
        for name in names:
            full = os.path.join(root, name)
            found[os.path.relpath(full, top).replace(os.sep, "/")] = full
    return found


def check(built, committed):
    new, old = files(built), files(committed)
    problems = []
    for rel in sorted(set(new) - set(old)):
        problems.append(f"{rel}: built from the sources but not in web/dist")
    for rel in sorted(set(old) - set(new)):
        problems.append(f"{rel}: in web/dist but no longer built from the sources")
    for rel in sorted(set(new) & set(old)):
        with open(new[rel], "rb") as a, open(old[rel], "rb") as b:
            if a.read() != b.read():
                problems.append(f"{rel}: differs from what the sources build")
    for line in problems:
        print(f"web/dist/{line}", file=sys.stderr)
    if problems:
        print("board_dist: web/dist is not the build of web/src: run "
              "`cmake --build build --target board_dist` and commit web/dist", file=sys.stderr)
        return 1
    print(f"board_dist: web/dist holds the {len(new)} files the sources build")
    return 0


def update(built, committed):
    if not os.path.isfile(os.path.join(built, "index.html")):
        print(f"board_dist: {built} holds no index.html: build the board first", file=sys.stderr)
        return 1
    shutil.rmtree(committed, ignore_errors=True)
    shutil.copytree(built, committed)
    print(f"board_dist: wrote {committed} ({len(files(committed))} files)")
    return 0


def main(argv):
    if len(argv) != 4 or argv[1] not in ("check", "update"):
        print("usage: scripts/board_dist.py check|update BUILT COMMITTED", file=sys.stderr)
        return 2
    return (check if argv[1] == "check" else update)(argv[2], argv[3])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
