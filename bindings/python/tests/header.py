"""Reading include/isms.h, the C contract the package is checked against."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from conftest import REPO

HEADER = REPO / "include" / "isms.h"


def _code() -> str:
    """The header without comments."""
    text = HEADER.read_text(encoding="utf-8")
    return re.sub(r"//[^\n]*", "", re.sub(r"/\*.*?\*/", "", text, flags=re.S))


def statuses() -> dict[str, int]:
    """``typedef enum IsmsStatus {...}``: C name -> value, in the header's order."""
    found = re.search(r"typedef enum IsmsStatus \{(.*?)\} IsmsStatus;", _code(), re.S)
    assert found, f"no `typedef enum IsmsStatus` block in {HEADER}"
    out: dict[str, int] = {}
    for item in found.group(1).split(","):
        if not item.strip():
            continue
        entry = re.fullmatch(r"\s*(ISMS_[A-Z0-9_]+)\s*=\s*(-?\d+)\s*", item)
        assert entry, f"an IsmsStatus entry without an explicit value: {item.strip()!r}"
        assert entry.group(1) not in out, f"{entry.group(1)} twice"
        out[entry.group(1)] = int(entry.group(2))
    return out


def functions() -> list[str]:
    """Every isms_* function the header declares."""
    return sorted(set(re.findall(r"\b(isms_[a-z0-9_]+)\s*\(", _code())))


def fake_library(path: Path, kind: str) -> Path:
    """A shared library built with the C compiler: ``other_library`` (no isms_
    functions) or ``wrong_major`` (every function of the header, and an
    isms_version() of ABI 2)."""
    if kind == "other_library":
        source = "int other_function(void) { return 1; }\n"
    elif kind == "wrong_major":
        source = "".join(
            f"void {name}(void) {{}}\n" for name in functions() if name != "isms_version"
        ) + 'const char *isms_version(void) { return "2.0.0"; }\n'
    else:
        raise ValueError(kind)
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["cc", "-shared", "-fPIC", "-x", "c", "-", "-o", str(path), "-Wl,-soname,libisms.so.2"],
        input=source, text=True, check=True,
    )
    return path
