"""The shared conformance cases (tests/cases/*.json, format in its README)
through the Python package, against the sandbox."""

from __future__ import annotations

import functools
import json
import time
import urllib.parse
from typing import Any

import pytest
from conftest import CASES, PASSWORD, Sandbox, assert_no_secret, password_forms

import isms


@functools.cache
def load(name: str) -> dict[str, Any]:
    """A case file, read once per session (the tests only read it)."""
    return json.loads((CASES / name).read_text(encoding="utf-8"))


def params(file: str) -> list[Any]:
    return [pytest.param(case, id=case["name"]) for case in load(file)["cases"]]


def value(raw: Any) -> Any:
    """A case value: bytes that are not UTF-8 become a str Python cannot encode."""
    if isinstance(raw, dict):
        return bytes.fromhex(raw["hex"]).decode("utf-8", "surrogateescape")
    return raw


def arguments(case: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    return {k: value(case.get(k, v)) for k, v in defaults.items()}


def wire(query: str) -> dict[str, str]:
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True, strict_parsing=True)
    out = dict(pairs)
    assert len(out) == len(pairs), f"a parameter is repeated in {query}"
    return out


def send(client: isms.Client, a: dict[str, Any]) -> Any:
    return client.send_otp(
        a["mobile"], a["country_code"], a["message"], type=a["type"], sender_id=a["sender_id"]
    )


def verify(client: isms.Client, a: dict[str, Any]) -> Any:
    return client.verify_otp(
        a["mobile"], a["country_code"], a["code"], a["sms_id"], a["uuid"],
        interval=a["interval"], sender_id=a["sender_id"],
    )


CALLS = {"send": send, "verify": verify, "balance": lambda client, _: client.balance()}


def check_error(error: isms.IsmsError, expect: dict[str, Any]) -> None:
    status = isms.Status[expect["status"]]
    assert error.status is status, repr(error)
    assert type(error).status is status
    assert str(error) == error.message
    assert_no_secret(error.message)
    assert_no_secret(repr(error))
    if "names" in expect:
        assert any(name in error.message for name in expect["names"]), error.message
    if "http_status" in expect:
        assert error.http_status == expect["http_status"], repr(error)
    if "message_contains" in expect:
        assert expect["message_contains"] in error.message
    if "must_not_contain" in expect:
        assert expect["must_not_contain"] not in error.message


def run_input(sandbox: Sandbox, tag: str, file: str, call: str, case: dict[str, Any]) -> None:
    a = arguments(case, load(file)["defaults"])
    expect = case["expect"]
    with sandbox.client(tag) as client:
        if expect["status"] == "OK":
            result = CALLS[call](client, a)
            assert isinstance(result, isms.SendResult)
            assert result.http_status == 200
        else:
            with pytest.raises(isms.IsmsError) as caught:
                CALLS[call](client, a)
            check_error(caught.value, expect)
    queries = sandbox.queries(tag)
    if expect["status"] == "ERR_INVALID_ARGUMENT":
        assert caught.value.http_status == 0
        assert queries == [], "refused, yet sent"
        return
    assert len(queries) == 1
    sent = wire(queries[0])
    for key, want in expect["wire"].items():
        assert sent.get(key) == want, f"{key} on the wire: {sent}"
    if call == "send":
        assert sent["message"] == a["message"]


@pytest.mark.parametrize("case", params("send_inputs.json"))
def test_send_input(sandbox: Sandbox, tag: str, case: dict[str, Any]) -> None:
    run_input(sandbox, tag, "send_inputs.json", "send", case)


@pytest.mark.parametrize("case", params("verify_inputs.json"))
def test_verify_input(sandbox: Sandbox, tag: str, case: dict[str, Any]) -> None:
    run_input(sandbox, tag, "verify_inputs.json", "verify", case)


@pytest.mark.parametrize("case", params("settings.json"))
def test_setting(sandbox: Sandbox, case: dict[str, Any]) -> None:
    setting, raw = case["setting"], value(case["value"])
    option = {"timeout": raw / 1000} if setting == "timeout_ms" else {setting: raw}
    expect = case["expect"]
    if expect["status"] == "OK":
        isms.Client(sandbox.username, PASSWORD, **option).close()
        return
    with pytest.raises(isms.IsmsError) as caught:
        isms.Client(sandbox.username, PASSWORD, **option)
    check_error(caught.value, expect)


@pytest.mark.parametrize("case", params("replies.json"))
def test_reply(sandbox: Sandbox, tag: str, case: dict[str, Any]) -> None:
    body = case["body"]
    for placeholder, form in password_forms(sandbox.password).items():
        # JSON-escaped, so that the gateway's message holds the form itself.
        body = body.replace(placeholder, json.dumps(form)[1:-1])
    body = body.encode("utf-8")
    call_args = load("replies.json")["call_args"]
    expect = case["expect"]
    with sandbox.client(tag, f"body-{body.hex()}") as client:
        outcome = _outcome(client, case["call"], call_args.get(case["call"], {}))
    assert sandbox.requests(tag) == 1
    check_outcome(outcome, expect)


def check_outcome(outcome: Any, expect: dict[str, Any]) -> None:
    """A result, a verify that said no, or an exception, as the case expects."""
    if isinstance(outcome, isms.IsmsError):
        check_error(outcome, expect)
        return
    status = outcome.status if isinstance(outcome, isms.VerifyResult) else isms.Status.OK
    assert status is isms.Status[expect["status"]], repr(outcome)
    assert outcome.http_status == expect["http_status"]
    if isinstance(outcome, isms.VerifyResult) and not outcome.verified:
        assert outcome.status in (isms.Status.ERR_OTP_INCORRECT, isms.Status.ERR_OTP_EXPIRED)
        assert expect.get("message_contains", "") in outcome.message
        assert_no_secret(outcome.message)
        return
    for field, want in expect.get("result", {}).items():
        if field == "expiration_iso":
            got = outcome.expiration_date.isoformat() if outcome.expiration_date else None
        else:
            got = getattr(outcome, field)
        assert got == want, field


def _outcome(client: isms.Client, call: str, args: dict[str, Any]) -> Any:
    try:
        return CALLS[call](client, args)
    except isms.IsmsError as e:
        return e


@pytest.mark.parametrize("case", params("faults.json"))
def test_fault(sandbox: Sandbox, tag: str, case: dict[str, Any]) -> None:
    timeout = case.get("timeout_ms", 10_000) / 1000
    call_args = load("replies.json")["call_args"]
    expect = case["expect"]
    with sandbox.client(tag, case["fault"], timeout=timeout) as client:
        started = time.monotonic()
        outcome = _outcome(client, case["call"], call_args.get(case["call"], {}))
        took = time.monotonic() - started
    assert sandbox.requests(tag) == expect["requests"]
    check_outcome(outcome, expect)
    if isinstance(outcome, isms.IsmsError) and outcome.status is isms.Status.ERR_TIMEOUT:
        assert isinstance(outcome, TimeoutError)
        delay = int(case["fault"].removeprefix("slow-")) / 1000 if case["fault"].startswith("slow-") else None
        assert took < min(delay or 1e9, timeout * 4), f"took {took:.2f} s"
