"""Builds the package with a copy of the shared library inside it.

The copy comes from ISMS_LIBRARY when set, else from the repository's
target/release (run `make build` first). Without one, the package relies on
the system's libisms.so.1 at run time.
"""

import os
import shutil
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

HERE = Path(__file__).resolve().parent
NAME = {"win32": "isms.dll", "darwin": "libisms.dylib"}.get(sys.platform, "libisms.so")


def built_library():
    override = os.environ.get("ISMS_LIBRARY")
    path = Path(override) if override else HERE.parents[1] / "target" / "release" / NAME
    return path if path.is_file() else None


class BuildWithLibrary(build_py):
    def run(self):
        super().run()
        library = built_library()
        if library is None:
            print("isms: no built libisms found; the package will use the system's", file=sys.stderr)
            return
        target = Path(self.build_lib) / "isms" / NAME
        shutil.copyfile(library, target)
        print(f"isms: packaged {library}", file=sys.stderr)


class PlatformDistribution(Distribution):
    """A wheel holding a shared library is platform-specific."""

    def has_ext_modules(self):
        return built_library() is not None


setup(cmdclass={"build_py": BuildWithLibrary}, distclass=PlatformDistribution)
