"""The library's log lines on the standard ``logging`` logger ``isms``.

The library calls one process-wide callback (``isms_set_log_callback``);
this module registers it once, when the library is loaded, keeps it alive
for the life of the process, and forwards each line to
``logging.getLogger("isms")`` at ERROR, WARNING, INFO or DEBUG. The library
is told the most detailed level the logger wants (``isms_set_log_level``),
read again whenever a client is made, so lines nobody would see are not
even built. The lines never hold a secret (the library's rule).

At interpreter exit the callback is removed first (``atexit``), so no line
reaches a finalizing interpreter; a forked child inherits it as is.
"""

from __future__ import annotations

import atexit
import ctypes
import logging
from ctypes import c_char_p, c_int32, c_void_p
from typing import Any

logger = logging.getLogger("isms")
# A library's logger: silent until the application configures logging.
logger.addHandler(logging.NullHandler())

_TO_PYTHON = {1: logging.ERROR, 2: logging.WARNING, 3: logging.INFO, 4: logging.DEBUG}

CALLBACK = ctypes.CFUNCTYPE(None, c_int32, c_char_p, c_void_p)


def _forward(level: int, line: bytes | None, _user_data: Any) -> None:
    try:
        python_level = _TO_PYTHON.get(level, logging.INFO)
        if line is not None and logger.isEnabledFor(python_level):
            logger.log(python_level, line.decode("utf-8", "replace"))
    except Exception:  # a logging handler's failure must not reach C
        pass


# Module-level, so the C function pointer stays valid for the process's life.
_callback = CALLBACK(_forward)
_installed: list[Any] = []


def _wanted_level() -> int:
    """The library's level for what the ``isms`` logger would show."""
    effective = logger.getEffectiveLevel()
    if logger.disabled or effective > logging.ERROR:
        return 1
    if effective > logging.WARNING:
        return 1
    if effective > logging.INFO:
        return 2
    if effective > logging.DEBUG:
        return 3
    return 4


def install(lib: Any) -> None:
    """Registers the callback (once per process) and sets the level."""
    if not _installed:
        lib.isms_set_log_callback(_callback, None)
        _installed.append(lib)
        atexit.register(_uninstall)
    sync_level()


def sync_level() -> None:
    """Tells the library the most detailed level the logger wants now."""
    if _installed:
        _installed[0].isms_set_log_level(_wanted_level())


def _uninstall() -> None:
    if _installed:
        _installed[0].isms_set_log_callback(CALLBACK(), None)
