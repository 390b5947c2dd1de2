"""Statuses and exceptions against include/isms.h and the shared table
tests/cases/statuses.json: every C name, value and exception class."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import CASES, Sandbox
from header import statuses

import isms
from isms import _lib
from isms._status import ERRORS

TABLE: dict[str, dict[str, Any]] = {
    case["name"]: case for case in json.loads((CASES / "statuses.json").read_text())["cases"]
}
HEADER = statuses()


def test_every_header_status_has_a_line_in_the_table() -> None:
    assert sorted(set(HEADER) - set(TABLE)) == [], "add them to tests/cases/statuses.json"


def test_the_status_enum_is_the_header_enum() -> None:
    assert {"ISMS_" + s.name: s.value for s in isms.Status} == HEADER


@pytest.mark.parametrize("c_name", list(HEADER))
def test_each_status_has_its_exception_class(c_name: str) -> None:
    status = isms.Status[c_name[len("ISMS_"):]]
    assert status.value == HEADER[c_name]
    expected = TABLE[c_name]["python_error"]
    if expected is None:
        assert status not in ERRORS
        return
    error = ERRORS[status]
    assert error.__name__ == expected
    assert getattr(isms, expected) is error and expected in isms.__all__
    assert error.status is status
    assert issubclass(error, isms.IsmsError)


def test_the_exception_table_has_only_header_statuses() -> None:
    assert sorted(str(s) for s in ERRORS) == sorted(set(HEADER) - {"ISMS_OK"})


@pytest.mark.parametrize("c_name", list(HEADER))
def test_str_and_format_give_the_c_name(c_name: str) -> None:
    status = isms.Status[c_name[len("ISMS_"):]]
    assert str(status) == c_name
    assert f"{status}" == format(status) == c_name
    assert f"{status:>30}" == f"{c_name:>30}"
    assert f"{status:d}" == "%d" % status == str(HEADER[c_name])
    assert repr(status) == f"<Status.{status.name}: {HEADER[c_name]}>"
    assert (_lib.lib().isms_status_name(status) or b"").decode() == c_name


FAILED = {"uuid": "1a1e1b86-4f2d", "sms_id": "1171081605", "mobile": "+6012-3456789"}


def test_a_failed_send_raises_with_the_ids_of_the_reply(sandbox: Sandbox, tag: str) -> None:
    body = json.dumps({"status": "Failed", "message": "Authentication Failed", "code": "408902", **FAILED})
    with sandbox.client(tag, "body-" + body.encode().hex()) as client:
        with pytest.raises(isms.AuthenticationError) as caught:
            client.send_otp("0123456789", "60", "Code %OTP%")
    assert (caught.value.uuid, caught.value.sms_id, caught.value.mobile) == tuple(FAILED.values())
    assert caught.value.http_status == 200
    assert "408902" not in repr(caught.value) + str(caught.value)


def test_a_failed_verify_raises_with_the_ids_of_the_reply(sandbox: Sandbox, tag: str) -> None:
    body = json.dumps({"status": "Failed", "message": "Invalid Request", **FAILED})
    with sandbox.client(tag, "body-" + body.encode().hex()) as client:
        with pytest.raises(isms.RejectedError) as caught:
            client.verify_otp("0123456789", "60", "123456", "1171081605", "1a1e1b86-4f2d")
    assert (caught.value.uuid, caught.value.sms_id, caught.value.mobile) == tuple(FAILED.values())


def test_a_failure_without_ids_has_none(sandbox: Sandbox, tag: str) -> None:
    body = json.dumps({"status": "Failed", "message": "Invalid Request"})
    with sandbox.client(tag, "body-" + body.encode().hex()) as client:
        with pytest.raises(isms.RejectedError) as caught:
            client.send_otp("0123456789", "60", "Code %OTP%")
    assert (caught.value.uuid, caught.value.sms_id, caught.value.mobile) == (None, None, None)
