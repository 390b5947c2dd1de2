"""Finding and declaring the shared library (ctypes).

Search order (the same as the PHP package's): the ``ISMS_LIBRARY``
environment variable (a full path), a copy shipped inside this package, the
repository's ``target/release`` only when the package sits in a source
checkout, then the system loader (``libisms.so.1``). A place whose library
is missing, does not load, is not libisms or is of another ABI major is
passed over for the next; the error names every place tried. The library is
loaded once, on first use.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
from ctypes import POINTER, c_char_p, c_double, c_int, c_int32, c_uint32, c_void_p
from pathlib import Path

from . import _log

ABI_MAJOR = 1
"""The library ABI this package is written for (the SONAME's major)."""


class LibraryNotFoundError(OSError):
    """The shared library could not be loaded; the message lists every place tried."""


if sys.platform == "win32":
    _FILE_NAME, _SYSTEM_NAME = "isms.dll", "isms.dll"
elif sys.platform == "darwin":
    _FILE_NAME, _SYSTEM_NAME = "libisms.dylib", f"libisms.{ABI_MAJOR}.dylib"
else:
    _FILE_NAME, _SYSTEM_NAME = "libisms.so", f"libisms.so.{ABI_MAJOR}"


# The result structs, field for field as in include/isms.h. C enums are ints;
# tests/test_layout.py compares every size and offset with the C compiler.
class SendResult(ctypes.Structure):
    _fields_ = [
        ("status", c_int),
        ("http_status", c_int32),
        ("message", c_char_p),
        ("uuid", c_char_p),
        ("sms_id", c_char_p),
        ("mobile", c_char_p),
        ("code", c_char_p),
        ("retry_after_s", c_uint32),
    ]


class VerifyResult(ctypes.Structure):
    _fields_ = [
        ("status", c_int),
        ("http_status", c_int32),
        ("message", c_char_p),
        ("uuid", c_char_p),
        ("sms_id", c_char_p),
        ("mobile", c_char_p),
        ("retry_after_s", c_uint32),
        ("attempts_left", c_int32),
    ]


class BalanceResult(ctypes.Structure):
    _fields_ = [
        ("status", c_int),
        ("http_status", c_int32),
        ("message", c_char_p),
        ("balance", c_double),
        ("balance_text", c_char_p),
        ("expiration", c_char_p),
        ("expiration_iso", c_char_p),
    ]


# name -> (restype, argtypes); every function gets both (ctypes would
# otherwise return a C int, cutting a 64-bit pointer).
_SIGNATURES = {
    "isms_client_new": (c_void_p, [c_char_p, c_char_p]),
    "isms_client_free": (None, [c_void_p]),
    "isms_client_set_endpoint": (c_int, [c_void_p, c_char_p]),
    "isms_client_set_timeout_ms": (c_int, [c_void_p, c_uint32]),
    "isms_client_set_ca_file": (c_int, [c_void_p, c_char_p]),
    "isms_client_set_proxy": (c_int, [c_void_p, c_char_p]),
    "isms_client_set_guard": (c_int, [c_void_p, c_char_p]),
    "isms_client_set_guard_limit": (c_int, [c_void_p, c_int32, c_uint32]),
    "isms_client_set_allowed_countries": (c_int, [c_void_p, c_char_p]),
    "isms_last_error_message": (c_char_p, []),
    "isms_send_otp": (
        POINTER(SendResult),
        [c_void_p, c_char_p, c_char_p, c_char_p, c_int32, c_char_p],
    ),
    "isms_send_result_free": (None, [POINTER(SendResult)]),
    "isms_verify_otp": (
        POINTER(VerifyResult),
        [c_void_p, c_char_p, c_char_p, c_char_p, c_char_p, c_char_p, c_uint32, c_char_p],
    ),
    "isms_verify_result_free": (None, [POINTER(VerifyResult)]),
    "isms_balance": (POINTER(BalanceResult), [c_void_p]),
    "isms_balance_result_free": (None, [POINTER(BalanceResult)]),
    "isms_status_name": (c_char_p, [c_int32]),
    "isms_set_log_callback": (None, [_log.CALLBACK, c_void_p]),
    "isms_set_log_level": (c_int, [c_int32]),
    "isms_version": (c_char_p, []),
}

_lock = threading.Lock()
_lib: ctypes.CDLL | None = None


def candidates() -> list[tuple[str, str]]:
    """The places searched, in order, as ``(what, file path or SONAME)``."""
    places = []
    override = os.environ.get("ISMS_LIBRARY")
    if override:
        places.append(("ISMS_LIBRARY", override))
    here = Path(__file__).resolve().parent
    places.append(("the package", str(here / _FILE_NAME)))
    # bindings/python/isms -> the repository, when this is a source checkout.
    repo = here.parents[2] if len(here.parents) > 2 else None
    if repo is not None and (repo / "Cargo.toml").is_file():
        places.append(("the repository", str(repo / "target" / "release" / _FILE_NAME)))
    places.append(("the system loader", _SYSTEM_NAME))
    return places


class _Unsuitable(Exception):
    """A library that loaded but is not one this package can use."""


def _open() -> ctypes.CDLL:
    tried = []
    for what, place in candidates():
        if what != "the system loader" and not os.path.exists(place):
            tried.append(f"{place} ({what}: no such file)")
            continue
        try:
            return _declare(ctypes.CDLL(place))
        except (OSError, _Unsuitable) as e:
            tried.append(f"{place} ({what}: {e})")
    raise LibraryNotFoundError(
        "libisms could not be loaded; tried: " + "; ".join(tried)
        + f". Build it with `make build`, install it as {_SYSTEM_NAME},"
        + " or set ISMS_LIBRARY to its full path."
    )


def _declare(lib: ctypes.CDLL) -> ctypes.CDLL:
    """Declares every function; refuses a library of another ABI major."""
    for name, (restype, argtypes) in _SIGNATURES.items():
        try:
            function = getattr(lib, name)
        except AttributeError:
            raise _Unsuitable(f"not libisms, it has no {name}") from None
        function.restype = restype
        function.argtypes = argtypes
    version = (lib.isms_version() or b"").decode("ascii", "replace")
    if version.split(".")[0] != str(ABI_MAJOR):
        raise _Unsuitable(f"libisms {version}, this package needs ABI {ABI_MAJOR}.x")
    return lib


def lib() -> ctypes.CDLL:
    """The loaded library (loaded on first call)."""
    global _lib
    if _lib is None:
        with _lock:
            if _lib is None:
                loaded = _open()
                _log.install(loaded)
                _lib = loaded
    return _lib
