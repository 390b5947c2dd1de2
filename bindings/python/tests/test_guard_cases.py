"""tests/cases/guard.json: the guard's rules as step sequences, run through
the Python binding against the sandbox (format: the file's "about")."""

from __future__ import annotations

import json
import os
import time
from typing import Any

import pytest

import isms
from conftest import CASES, Sandbox

GUARD = json.loads((CASES / "guard.json").read_text(encoding="utf-8"))
SALT = os.getpid() % 90 + 10


def options(case: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if case.get("guard") is not None:
        found["guard"] = case["guard"]
    if "limits" in case:
        found["guard_limits"] = case["limits"]
    if "allowed_countries" in case:
        found["allowed_countries"] = case["allowed_countries"]
    return found


def wrong(code: str) -> str:
    return code[:5] + ("0" if code[5] == "9" else str(int(code[5]) + 1))


@pytest.mark.parametrize("index", range(len(GUARD["cases"])), ids=[c["name"] for c in GUARD["cases"]])
def test_guard_case(sandbox: Sandbox, index: int) -> None:
    case = GUARD["cases"][index]
    tag = f"py-guard-case-{index}"
    guarded = sandbox.client(tag, **options(case))
    plain = sandbox.client(tag)
    sent: list[isms.SendResult] = []
    for step in case["steps"]:
        if "sleep_ms" in step:
            time.sleep(step["sleep_ms"] / 1000)
            continue
        client = plain if step.get("client") == "plain" else guarded
        mobile = f"01{SALT}{index:02d}{ord(step['number']) - ord('a')}000"
        before = sandbox.requests(tag)
        attempts_left: int | None = None
        retry_after = 0.0
        if step["call"] == "send":
            try:
                sent.append(client.send_otp(mobile, "60", "Your code is %OTP%"))
                status = isms.Status.OK
            except isms.IsmsError as e:
                status = e.status
                retry_after = getattr(e, "retry_after", 0.0)
        else:
            of = sent[step.get("of", 0)]
            assert of.code is not None
            code = of.code if step["code"] == "right" else wrong(of.code)
            sms_id = "1" if step.get("sms_id") == "other" else of.sms_id
            try:
                check = client.verify_otp(mobile, "60", code, sms_id, of.uuid)
                status, attempts_left, retry_after = check.status, check.attempts_left, check.retry_after
            except isms.IsmsError as e:
                status = e.status
                retry_after = getattr(e, "retry_after", 0.0)
                attempts_left = "unknown"  # type: ignore[assignment]
        expect = step["expect"]
        what = f"{case['name']}: {step}"
        assert status is isms.Status[expect["status"]], what
        assert (sandbox.requests(tag) > before) == expect["reached"], what
        if "attempts_left" in expect and attempts_left != "unknown":
            assert attempts_left == expect["attempts_left"], what
        if "retry_after" in expect:
            low, high = expect["retry_after"]
            assert low <= retry_after <= high, what
    guarded.close()
    plain.close()


@pytest.mark.parametrize("refusal", GUARD["refusals"], ids=[r["name"] for r in GUARD["refusals"]])
def test_guard_refusal(sandbox: Sandbox, refusal: dict[str, Any]) -> None:
    with pytest.raises(isms.InvalidArgumentError) as caught:
        sandbox.client("py-guard-refused", **options(refusal))
    assert any(name in str(caught.value) for name in refusal["names"]), str(caught.value)
