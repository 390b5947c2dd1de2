"""Every C result is freed exactly once, whatever the outcome, and no C
pointer reaches the caller."""

from __future__ import annotations

import ctypes
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import Sandbox

import isms
from isms import _lib

PAIRS = {
    "isms_send_otp": "isms_send_result_free",
    "isms_verify_otp": "isms_verify_result_free",
    "isms_balance": "isms_balance_result_free",
}


@pytest.fixture
def ledger(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[tuple[str, int]]]:
    """Counts, per result address, how often each call made it and each free freed it."""
    lib = _lib.lib()
    counts: Counter[tuple[str, int]] = Counter()

    def wrap(name: str, role: str) -> Any:
        original = getattr(lib, name)

        def call(*args: Any) -> Any:
            if role == "free":
                counts[(name, ctypes.addressof(args[0].contents))] += 1
                return original(*args)
            result = original(*args)
            counts[(PAIRS[name], ctypes.addressof(result.contents))] -= 1
            return result

        return call

    for make, free in PAIRS.items():
        monkeypatch.setattr(lib, make, wrap(make, "make"))
        monkeypatch.setattr(lib, free, wrap(free, "free"))
    yield counts


def outcome(call: Any) -> Any:
    try:
        return call()
    except isms.IsmsError as e:
        return e


def test_each_result_is_freed_once(sandbox: Sandbox, tag: str, ledger: Counter[tuple[str, int]]) -> None:
    calls = 0
    for fault in (None, "http500", "failed-Wrong-Code", "classic-1001", "html"):
        with sandbox.client(tag, fault) as client:
            for call in (
                lambda: client.send_otp("0123456789", "60", "Code %OTP%"),
                lambda: client.send_otp("0123456789", "60", "no placeholder"),
                lambda: client.verify_otp("0123456789", "60", "123456", "1171081025", "u-1", interval=5),
                lambda: client.verify_otp("0123456789", "60", "12", "1171081025", "u-1"),
                client.balance,
            ):
                result = outcome(call)
                calls += 1
                for value in vars(result).values() if hasattr(result, "__dict__") else ():
                    assert not isinstance(value, (ctypes._Pointer, ctypes.Structure, ctypes.c_char_p))
                for field in getattr(result, "__slots__", ()):
                    assert not isinstance(getattr(result, field), (ctypes._Pointer, ctypes.Structure))
    # Every address made was freed as often as it was made (addresses may be reused).
    assert all(count == 0 for count in ledger.values()), ledger
    made = sum(1 for _ in ledger)
    assert 0 < made <= calls
