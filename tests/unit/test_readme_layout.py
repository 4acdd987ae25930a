"""The README's layout section is the map a newcomer reads first: it must match the tree.

Every Python module of ``geo/`` (and its packages), ``ui/`` and ``pages/`` is named in the
entry of its folder, and every module the section names exists.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("geo", "ui", "pages")
ENTRY = re.compile(r"^(?P<indent> *)(?P<name>[\w.]+/?)(?: {2,}(?P<text>.*))?$")


def layout() -> dict[str, str]:
    """Folder or file path → the words its entry says (continuation lines included)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Layout", 1)[1].split("```", 2)[1]
    entries: dict[str, str] = {}
    stack: list[tuple[int, str]] = []  # (indent, folder path) of the folders we are in
    last = None
    for line in block.splitlines():
        if not line.strip():
            continue
        m = ENTRY.match(line)
        indent = len(line) - len(line.lstrip())
        if m and indent <= (stack[-1][0] + 2 if stack else 0) and (m["text"] is not None or m["name"].endswith("/")):
            while stack and stack[-1][0] >= indent:
                stack.pop()
            parent = stack[-1][1] if stack else ""
            last = parent + m["name"]
            entries[last] = m["text"] or ""
            if m["name"].endswith("/"):
                stack.append((indent, last))
        elif last is not None:  # a continuation of the last entry's words
            entries[last] += " " + line.strip()
    return entries


def test_every_module_is_named_in_its_folders_entry():
    entries = layout()
    missing = []
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if "/migrations/" in rel or path.name == "__init__.py":
                continue
            parent = rel.rsplit("/", 1)[0] + "/"
            if rel in entries:
                continue
            words = entries.get(parent, "")
            if not re.search(rf"(?<![\w.]){re.escape(path.stem)}(\.py)?(?![\w])", words):
                missing.append(rel)
    assert missing == [], f"README layout does not name: {missing}"


def test_every_module_the_layout_names_exists():
    entries = layout()
    gone = [p for p in entries if p.split("/")[0] in FOLDERS and not (ROOT / p).exists()]
    for folder, words in entries.items():
        if folder.endswith("/") and folder.split("/")[0] in FOLDERS:
            gone += [folder + name for name in re.findall(r"(?<![\w/])([a-z_]+\.py)\b", words)
                     if not (ROOT / folder / name).exists()]
    assert gone == [], f"README layout names what is not there: {gone}"
