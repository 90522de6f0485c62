"""Fails when a file of src/ is over 700 lines, or a function outside tests and the seed is
over 80 lines (from its `fn` line to its closing brace). Functions are found by their `fn`
line and measured by counting braces outside strings, characters and comments."""
import pathlib
import re
import sys

MAX_FILE, MAX_FN = 700, 80
src = pathlib.Path(__file__).resolve().parent.parent / "src"
FN = re.compile(r"^\s*(?:pub(?:\([^)]*\))?\s+)?(?:const\s+)?(?:async\s+)?(?:unsafe\s+)?fn\s+(\w+)")
STRING = re.compile(r'"(?:\\.|[^"\\])*"')
CHAR = re.compile(r"'(?:\\.|[^'\\])'")


def code(line):
    """The line without its strings, characters and comment."""
    return CHAR.sub("''", STRING.sub('""', line)).split("//")[0]


problems = []
for path in sorted(src.rglob("*.rs")):
    rel = path.relative_to(src.parent)
    lines = path.read_text().split("\n")
    if len(lines) - 1 > MAX_FILE:
        problems.append(f"{rel}: {len(lines) - 1} lines (at most {MAX_FILE})")
    if path.relative_to(src).parts[0] == "seed":
        continue
    end = next((i for i, l in enumerate(lines) if l.strip() == "#[cfg(test)]"), len(lines))
    for start in range(end):
        found = FN.match(lines[start])
        if not found:
            continue
        depth, opened, last = 0, False, start
        for last in range(start, end):
            text = code(lines[last])
            depth += text.count("{") - text.count("}")
            opened = opened or "{" in text
            if (opened and depth <= 0) or (not opened and text.rstrip().endswith(";")):
                break
        length = last - start + 1
        if length > MAX_FN:
            problems.append(f"{rel}:{start + 1}: fn {found.group(1)} is {length} lines (at most {MAX_FN})")

for p in problems:
    print(p, file=sys.stderr)
sys.exit(1 if problems else 0)
