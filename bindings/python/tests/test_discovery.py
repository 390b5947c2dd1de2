"""Finding the shared library: the shared cases of tests/cases/discovery.json
(ISMS_LIBRARY, the packaged copy, the repository's target/release in a
checkout, the system loader; the next place when one fails; the ABI major),
each in a child process; and a clear error."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import CASES, REPO
from header import fake_library

PACKAGE = Path(__file__).resolve().parents[1] / "isms"
BUILT = REPO / "target" / "release" / "libisms.so"

PROBE = "import isms, isms._lib as l; l.lib(); print(l._lib._name)"
DISCOVERY = json.loads((CASES / "discovery.json").read_text())["cases"]


def run(code: str, pythonpath: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("ISMS_LIBRARY", "LD_LIBRARY_PATH")}
    environment.update(PYTHONPATH=str(pythonpath), **env)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment, cwd="/"
    )


def copy_package(directory: Path) -> Path:
    """The package alone, outside the repository (as an installed copy is)."""
    target = directory / "site"
    shutil.copytree(PACKAGE, target / "isms", ignore=shutil.ignore_patterns("__pycache__", "libisms.so*"))
    return target


def make(kind: str, path: Path) -> Path:
    """A library file of the case's kind at `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "real":
        shutil.copyfile(BUILT, path)
    elif kind == "not_a_library":
        path.write_text("not a shared library\n")
    elif kind in ("other_library", "wrong_major"):
        fake_library(path, kind)
    else:
        assert kind == "missing", kind
    return path


@pytest.mark.parametrize("case", [pytest.param(c, id=c["name"]) for c in DISCOVERY])
def test_discovery(case: dict[str, Any], tmp_path: Path) -> None:
    env = {}
    places = {}
    if "isms_library" in case:
        places["isms_library"] = str(make(case["isms_library"], tmp_path / "env" / "libisms-env.so"))
        env["ISMS_LIBRARY"] = places["isms_library"]
    if case["checkout"]:
        site = PACKAGE.parent
        assert not (PACKAGE / "libisms.so").exists(), "the source tree's package holds a library copy"
    else:
        site = copy_package(tmp_path)
    places["package"] = str(site / "isms" / "libisms.so")
    if "package" in case:
        assert not case["checkout"]
        make(case["package"], Path(places["package"]))
    places["repository"] = str(BUILT)
    places["system"] = "libisms.so.1"
    system = tmp_path / "system"
    system.mkdir()
    if "system" in case:
        make(case["system"], system / "libisms.so.1")
    done = run(PROBE, site, LD_LIBRARY_PATH=str(system), **env)
    expect = case["expect"]
    if expect["loaded"] is not None:
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == places[expect["loaded"]]
        return
    assert done.returncode != 0
    message = done.stderr.strip().splitlines()[-1]
    assert message.startswith("isms._lib.LibraryNotFoundError: libisms could not be loaded; tried: ")
    at = 0
    for name in expect["names"]:
        found = message.find(places[name], at)
        assert found >= 0, f"{places[name]} is not named (in order) in {message}"
        at = found
    for text in expect["contains"]:
        assert text in message
    assert "ISMS_LIBRARY" in message
    if not case["checkout"]:
        assert "target/release" not in message, "outside a checkout, the repository is not a place"


def test_import_alone_never_loads_the_library() -> None:
    done = run("import isms; import isms._lib as l; print(l._lib)", PACKAGE.parent, ISMS_LIBRARY="/nonexistent/libisms.so")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "None"


def test_the_reason_for_each_place_is_given(tmp_path: Path) -> None:
    site = copy_package(tmp_path)
    other = fake_library(tmp_path / "libother.so", "other_library")
    wrong = fake_library(site / "isms" / "libisms.so", "wrong_major")
    done = run("import isms; isms.Client('u', 'p')", site, ISMS_LIBRARY=str(other), LD_LIBRARY_PATH=str(tmp_path))
    assert done.returncode != 0
    message = done.stderr.strip().splitlines()[-1]
    assert f"{other} (ISMS_LIBRARY: not libisms, it has no isms_" in message
    assert f"{wrong} (the package: libisms 2.0.0, this package needs ABI 1.x)" in message
    assert "libisms.so.1 (the system loader: " in message
