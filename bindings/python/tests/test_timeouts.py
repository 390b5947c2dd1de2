"""Seconds to milliseconds: the shared cases of tests/cases/timeouts.json,
the rule the PHP package follows too."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import CASES, PASSWORD

import isms
from isms._client import _timeout_ms

CASES_ = json.loads((CASES / "timeouts.json").read_text())["cases"]


def seconds(raw: Any) -> float:
    return float(raw) if isinstance(raw, str) else raw  # "nan", "inf", "-inf"


@pytest.mark.parametrize("case", [pytest.param(c, id=c["name"]) for c in CASES_])
def test_timeout_seconds_to_milliseconds(case: dict[str, Any]) -> None:
    value = seconds(case["seconds"])
    if case["ms"] is None:
        with pytest.raises(isms.InvalidArgumentError, match=r"^timeout: "):
            _timeout_ms(value)
        with pytest.raises(isms.InvalidArgumentError, match=r"^timeout: "):
            isms.Client("demo", PASSWORD, timeout=value)
    else:
        assert _timeout_ms(value) == case["ms"]
        with isms.Client("demo", PASSWORD, timeout=value) as client:
            assert not client.closed
