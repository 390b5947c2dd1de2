"""The guard from Python: options, results and exceptions as the contract
says, against the sandbox (the rules themselves are the library's, checked
by every suite through tests/cases and by the Rust tests)."""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest

import isms

_numbers = itertools.count(1)


def fresh_mobile() -> str:
    return f"0177{next(_numbers):06d}"


def send(client: isms.Client, mobile: str) -> isms.SendResult:
    return client.send_otp(mobile, "60", "Your code is %OTP%")


def wrong(code: str | None) -> str:
    assert code is not None
    return code[:5] + ("0" if code[5] == "9" else str(int(code[5]) + 1))


def test_off_by_default(sandbox: Any) -> None:
    client = sandbox.client("py-guard-off")
    mobile = fresh_mobile()
    sent = send(client, mobile)
    check = client.verify_otp(mobile, "60", wrong(sent.code), sent.sms_id, sent.uuid)
    assert check.verified is False and check.attempts_left is None and check.retry_after == 0.0
    send(client, mobile)  # no cooldown


def test_resend_refused_with_its_wait(sandbox: Any) -> None:
    client = sandbox.client("py-guard-cooldown", guard="memory:")
    mobile = fresh_mobile()
    send(client, mobile)
    before = sandbox.requests("py-guard-cooldown")
    with pytest.raises(isms.RateLimitedError) as caught:
        send(client, mobile)
    assert isinstance(caught.value.retry_after, float)
    assert 29.0 <= caught.value.retry_after <= 30.0
    assert caught.value.status is isms.Status.ERR_RATE_LIMITED
    assert sandbox.requests("py-guard-cooldown") == before


def test_attempts_then_lock_is_an_answer(sandbox: Any) -> None:
    client = sandbox.client("py-guard-lock", guard="memory:", guard_limits={"code_attempts": 2})
    mobile = fresh_mobile()
    sent = send(client, mobile)
    first = client.verify_otp(mobile, "60", wrong(sent.code), sent.sms_id, sent.uuid)
    assert (first.verified, first.status, first.attempts_left) == (False, isms.Status.ERR_OTP_INCORRECT, 1)
    client.verify_otp(mobile, "60", wrong(sent.code), sent.sms_id, sent.uuid)
    assert sent.code is not None
    locked = client.verify_otp(mobile, "60", sent.code, sent.sms_id, sent.uuid)
    assert (locked.verified, locked.status, locked.attempts_left) == (False, isms.Status.ERR_TOO_MANY_ATTEMPTS, 0)


def test_single_use_and_binding(sandbox: Any) -> None:
    client = sandbox.client("py-guard-use", guard="memory:")
    mobile = fresh_mobile()
    sent = send(client, mobile)
    assert sent.code is not None
    with pytest.raises(isms.NotAllowedError):
        client.verify_otp(fresh_mobile(), "60", sent.code, sent.sms_id, sent.uuid)
    ok = client.verify_otp(mobile, "60", sent.code, sent.sms_id, sent.uuid)
    assert ok.verified and ok.attempts_left == 0
    again = client.verify_otp(mobile, "60", sent.code, sent.sms_id, sent.uuid)
    assert (again.verified, again.status) == (False, isms.Status.ERR_OTP_EXPIRED)


def test_allowed_countries(sandbox: Any) -> None:
    for allowed in ("65, +44", ["65", "44"], ("65",)):
        client = sandbox.client("py-guard-countries", allowed_countries=allowed)
        with pytest.raises(isms.NotAllowedError):
            send(client, fresh_mobile())
        client.close()
    assert sandbox.requests("py-guard-countries") == 0
    send(sandbox.client("py-guard-countries", allowed_countries=["60"]), fresh_mobile())
    with pytest.raises(isms.InvalidArgumentError, match="allowed_countries"):
        sandbox.client("py-guard-countries", allowed_countries="60,,65")


def test_store_failure_sends_nothing(sandbox: Any) -> None:
    client = sandbox.client("py-guard-store", guard="sqlite:/nonexistent-dir/otp.db")
    with pytest.raises(isms.GuardStoreError):
        send(client, fresh_mobile())
    with pytest.raises(isms.GuardStoreError):
        client.verify_otp(fresh_mobile(), "60", "123456", "1171081025", "some-uuid")
    assert sandbox.requests("py-guard-store") == 0
    client.balance()


@pytest.mark.parametrize(
    ("options", "error", "words"),
    [
        ({"guard": "mysql://x"}, isms.InvalidArgumentError, "guard"),
        ({"guard": "sqlite:"}, isms.InvalidArgumentError, "guard"),
        ({"guard_limits": {"attempts": 3}}, isms.InvalidArgumentError, "attempts"),
        ({"guard_limits": {"code_attempts": 2.5}}, isms.InvalidArgumentError, "code_attempts"),
        ({"guard_limits": {"code_attempts": 0}}, isms.InvalidArgumentError, "CODE_ATTEMPTS"),
        ({"guard_limits": {"send_window": -1}}, isms.InvalidArgumentError, "send_window"),
        ({"guard_limits": {"send_window": math.inf}}, isms.InvalidArgumentError, "send_window"),
        ({"guard_limits": {"send_window": "60"}}, TypeError, "send_window"),
        ({"guard_limits": [("code_attempts", 1)]}, TypeError, "guard_limits"),
        ({"allowed_countries": [60]}, TypeError, "allowed_countries"),
    ],
)
def test_refused_settings_name_what(sandbox: Any, options: dict[str, Any], error: type, words: str) -> None:
    with pytest.raises(error, match=words):
        sandbox.client("py-guard-refused", **options)


def test_seconds_round_up(sandbox: Any) -> None:
    client = sandbox.client("py-guard-round", guard="memory:", guard_limits={"resend_cooldown": 1.2})
    mobile = fresh_mobile()
    send(client, mobile)
    with pytest.raises(isms.RateLimitedError) as caught:
        send(client, mobile)
    assert 1.0 <= caught.value.retry_after <= 2.0
