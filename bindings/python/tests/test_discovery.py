"""Finding the shared library: ISMS_LIBRARY, the packaged copy, the
repository's target/release, the system loader; and a clear error."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO

PACKAGE = Path(__file__).resolve().parents[1] / "isms"
BUILT = REPO / "target" / "release" / "libisms.so"

PROBE = "import isms, isms._lib as l; l.lib(); print(l._lib._name)"


def run(code: str, pythonpath: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("ISMS_LIBRARY", "LD_LIBRARY_PATH")}
    environment.update(PYTHONPATH=str(pythonpath), **env)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment, cwd="/"
    )


def copy_package(directory: Path, with_library: bool) -> Path:
    """The package alone, outside the repository (as an installed copy is)."""
    target = directory / "site"
    shutil.copytree(PACKAGE, target / "isms", ignore=shutil.ignore_patterns("__pycache__", "libisms.so*"))
    if with_library:
        shutil.copyfile(BUILT, target / "isms" / "libisms.so")
    return target


def test_import_with_isms_library() -> None:
    done = run(PROBE, PACKAGE.parent, ISMS_LIBRARY=str(BUILT))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(BUILT)


def test_import_alone_never_loads_the_library() -> None:
    done = run("import isms; import isms._lib as l; print(l._lib)", PACKAGE.parent, ISMS_LIBRARY="/nonexistent/libisms.so")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "None"


def test_isms_library_is_used_alone_when_set(tmp_path: Path) -> None:
    site = copy_package(tmp_path, with_library=True)
    done = run(PROBE, site, ISMS_LIBRARY=str(tmp_path / "missing.so"))
    assert done.returncode != 0
    assert "LibraryNotFoundError" in done.stderr
    assert "ISMS_LIBRARY is set" in done.stderr and str(tmp_path / "missing.so") in done.stderr


def test_the_packaged_copy_comes_next(tmp_path: Path) -> None:
    site = copy_package(tmp_path, with_library=True)
    done = run(PROBE, site)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(site / "isms" / "libisms.so")


def test_then_the_repository_build() -> None:
    done = run(PROBE, PACKAGE.parent)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(BUILT)


def test_then_the_system_loader_and_a_clear_error(tmp_path: Path) -> None:
    site = copy_package(tmp_path, with_library=False)
    done = run("import isms; isms.Client('u', 'p')", site)
    assert done.returncode != 0
    message = done.stderr.strip().splitlines()[-1]
    assert message.startswith("isms._lib.LibraryNotFoundError: libisms could not be loaded")
    assert str(site / "isms" / "libisms.so") in message and "libisms.so.1" in message
    assert "ISMS_LIBRARY" in message
    # The system loader finds it through LD_LIBRARY_PATH (the SONAME link in target/lib).
    done = run(PROBE, site, LD_LIBRARY_PATH=str(REPO / "target" / "lib"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "libisms.so.1"


def test_a_library_that_is_not_libisms_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "libother.so"
    subprocess.run(["cc", "-shared", "-fPIC", "-x", "c", "-", "-o", str(other)], input="int f(void){return 1;}\n",
                   text=True, check=True)
    done = run(PROBE, PACKAGE.parent, ISMS_LIBRARY=str(other))
    assert done.returncode != 0
    assert f"{other} is not libisms" in done.stderr
