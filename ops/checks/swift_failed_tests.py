#!/usr/bin/env python3
"""Prints a `swift test --filter` pattern naming the tests that failed in a swift-testing log
(`✘ Test "display name" failed …` or `✘ Test function() failed …`), found in Tests/ as
Suite/function; prints nothing when a failed test cannot be found (then nothing is retried).

Usage: ops/checks/swift_failed_tests.py LOG
"""

import pathlib
import re
import sys

FAILED = re.compile(r'^✘ Test (?:"(?P<title>.+?)"|(?P<func>\w+)\(.*?\)) failed after')
SOURCES = list(pathlib.Path("Tests").rglob("*.swift"))


def locate(title, func):
    for path in SOURCES:
        lines = path.read_text(encoding="utf-8").splitlines()
        for index, line in enumerate(lines):
            if title is not None and f'@Test("{title}"' not in line:
                continue
            if title is None and not re.search(rf"\bfunc {re.escape(func)}\(", line):
                continue
            name = func
            if title is not None:
                following = next((l for l in lines[index:index + 4] if "func " in l), "")
                match = re.search(r"func (\w+)\(", following)
                if not match:
                    return None
                name = match.group(1)
            suite = next((m.group(1) for l in reversed(lines[:index])
                          if (m := re.match(r"(?:final )?(?:struct|class|extension) (\w+)", l))), None)
            return f"{suite}/{name}" if suite else None
    return None


def main():
    found = []
    for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
        match = FAILED.match(line)
        if not match:
            continue
        target = locate(match.group("title"), match.group("func"))
        if target is None:
            return
        if target not in found:
            found.append(target)
    if found:
        print("|".join(re.escape(t) for t in found))


if __name__ == "__main__":
    main()
