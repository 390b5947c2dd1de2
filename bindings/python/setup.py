"""Builds the package with a copy of the shared library inside it.

The copy comes from ISMS_LIBRARY when set (a full path), else from the
repository's target/release (run `make build` first). Without one the build
fails: a wheel never goes out without its library. An editable install
(`pip install -e`) is the exception: it runs from the source tree, where the
package finds the repository's build itself.

The package is pure Python over ctypes, so one wheel serves every CPython 3:
its tag is py3-none-<platform>, the platform being manylinux_2_17 on Linux
(`make wheel` checks the library with auditwheel: glibc 2.17 at most).
"""

import os
import platform
import shutil
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution
from setuptools.errors import FileError

try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # setuptools before 70.1
    from wheel.bdist_wheel import bdist_wheel

HERE = Path(__file__).resolve().parent
NAME = {"win32": "isms.dll", "darwin": "libisms.dylib"}.get(sys.platform, "libisms.so")
# The oldest glibc the library is built for (CONTRACT.md: `make portable`).
MANYLINUX = "manylinux_2_17"


def library_places():
    """Where the library is looked for: [(what, path)]."""
    override = os.environ.get("ISMS_LIBRARY")
    if override:
        return [("ISMS_LIBRARY", Path(override))]
    return [("the repository's build", HERE.parents[1] / "target" / "release" / NAME)]


def built_library():
    for _, path in library_places():
        if path.is_file():
            return path
    return None


def library_missing():
    tried = "; ".join(f"{path} ({what}: no such file)" for what, path in library_places())
    return FileError(
        f"isms: cannot build the package without libisms; tried: {tried}. "
        "Run `make build` in the repository, or set ISMS_LIBRARY to the full path "
        f"of the built library ({NAME})."
    )


class BuildWithLibrary(build_py):
    def run(self):
        editable = getattr(self, "editable_mode", False)
        library = built_library()
        if library is None and not editable:
            raise library_missing()
        super().run()
        if editable:
            return
        target = Path(self.build_lib) / "isms" / NAME
        shutil.copyfile(library, target)
        print(f"isms: packaged {library}", file=sys.stderr)


class PlatformWheel(bdist_wheel):
    """py3-none-<platform>: any CPython 3, one platform (the library's)."""

    def finalize_options(self):
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self):
        _, _, plat = super().get_tag()
        if sys.platform.startswith("linux"):
            plat = f"{MANYLINUX}_{platform.machine()}"
        return "py3", "none", plat


class PlatformDistribution(Distribution):
    """A wheel holding a shared library is platform-specific."""

    def has_ext_modules(self):
        return True


setup(
    cmdclass={"build_py": BuildWithLibrary, "bdist_wheel": PlatformWheel},
    distclass=PlatformDistribution,
)
