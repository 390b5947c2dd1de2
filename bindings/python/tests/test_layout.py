"""The ctypes declarations against the C compiler's view of include/isms.h:
struct sizes and offsets, and the values of both enums."""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import subprocess

import pytest
from conftest import REPO

import isms
from isms import _lib

STRUCTS = {
    "IsmsSendResult": _lib.SendResult,
    "IsmsVerifyResult": _lib.VerifyResult,
    "IsmsBalanceResult": _lib.BalanceResult,
}


@pytest.fixture(scope="module")
def c_layout(tmp_path_factory: pytest.TempPathFactory) -> dict[str, int]:
    """Sizes, offsets and enum values as a C program built against the header prints them."""
    compiler = os.environ.get("CC", "cc")
    if shutil.which(compiler) is None:
        pytest.fail(f"no C compiler ({compiler}) to check the layouts with")
    lines = []
    for c_name, structure in STRUCTS.items():
        lines.append(f'  item("sizeof {c_name}", sizeof(struct {c_name}));')
        for field, _ in structure._fields_:
            lines.append(f'  item("{c_name}.{field}", offsetof(struct {c_name}, {field}));')
    for status in isms.Status:
        lines.append(f'  item("ISMS_{status.name}", ISMS_{status.name});')
    for kind in isms.MessageType:
        lines.append(f'  item("ISMS_TYPE_{kind.name}", ISMS_TYPE_{kind.name});')
    lines.append('  item("sizeof enum IsmsStatus", sizeof(enum IsmsStatus));')
    source = (
        "#include <stddef.h>\n#include <stdio.h>\n#include \"isms.h\"\n"
        "static int first = 1;\n"
        "static void item(const char *k, long long v) {\n"
        "  printf(\"%s\\\"%s\\\": %lld\", first ? \"{\" : \", \", k, v); first = 0;\n}\n"
        "int main(void) {\n" + "\n".join(lines) + '\n  puts("}");\n  return 0;\n}\n'
    )
    directory = tmp_path_factory.mktemp("layout")
    (directory / "layout.c").write_text(source)
    program = directory / "layout"
    subprocess.run(
        [compiler, "-std=c11", "-Wall", "-Werror", f"-I{REPO / 'include'}",
         str(directory / "layout.c"), "-o", str(program)],
        check=True,
    )
    out = subprocess.run([str(program)], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


@pytest.mark.parametrize("c_name", list(STRUCTS))
def test_struct_layout_matches_c(c_layout: dict[str, int], c_name: str) -> None:
    structure = STRUCTS[c_name]
    assert ctypes.sizeof(structure) == c_layout[f"sizeof {c_name}"]
    for field, _ in structure._fields_:
        assert getattr(structure, field).offset == c_layout[f"{c_name}.{field}"], field


def test_enums_match_c(c_layout: dict[str, int]) -> None:
    assert ctypes.sizeof(ctypes.c_int) == c_layout["sizeof enum IsmsStatus"]
    for status in isms.Status:
        assert c_layout[f"ISMS_{status.name}"] == status.value
    for kind in isms.MessageType:
        assert c_layout[f"ISMS_TYPE_{kind.name}"] == kind.value


def test_every_c_status_name_is_a_python_status() -> None:
    lib = _lib.lib()
    for status in isms.Status:
        assert lib.isms_status_name(status.value).decode() == f"ISMS_{status.name}"
    assert lib.isms_status_name(len(isms.Status)) == b"ISMS_UNKNOWN"


def test_the_header_declares_what_the_binding_calls() -> None:
    header = (REPO / "include" / "isms.h").read_text()
    for name in _lib._SIGNATURES:
        assert f" {name}(" in header or f"*{name}(" in header, name


def test_struct_sources_are_the_header(c_layout: dict[str, int]) -> None:
    # Every field the header has is declared here too (nothing appended unseen).
    header = (REPO / "include" / "isms.h").read_text()
    for c_name, structure in STRUCTS.items():
        body = header.split(f"typedef struct {c_name} {{", 1)[1].split(f"}} {c_name};", 1)[0]
        declared = [
            line.strip().rstrip(";").split()[-1].lstrip("*")
            for line in body.splitlines()
            if line.strip().endswith(";")
        ]
        assert declared == [f for f, _ in structure._fields_], c_name

