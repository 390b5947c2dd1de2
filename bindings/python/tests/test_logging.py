"""The library's lines on logging.getLogger("isms"): one INFO line per call
with the masked number, DEBUG lines when the logger wants them, never a
secret; str(status) is the C name."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from typing import Any

import pytest

import isms
from conftest import PASSWORD, assert_no_secret


def test_one_info_line_per_call_with_a_masked_number(sandbox: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="isms")
    client = sandbox.client("py-log")
    sent = client.send_otp("012-345 6789", "60", "Your code is %OTP%")
    check = client.verify_otp("012-345 6789", "60", "000000" if sent.code != "000000" else "111111", sent.sms_id, sent.uuid)
    assert not check.verified
    client.balance()
    lines = [r for r in caplog.records if r.name == "isms"]
    infos = [r.getMessage() for r in lines if r.levelno == logging.INFO]
    assert len(infos) == 3, infos
    assert infos[0].startswith("send +6012****789 ISMS_OK http=200 ms=")
    assert infos[1].startswith("verify +6012****789 ISMS_ERR_OTP_INCORRECT http=200 ")
    assert infos[2].startswith("balance - ISMS_OK http=200 ")
    assert not [r for r in lines if r.levelno == logging.DEBUG], "DEBUG lines at INFO"
    for record in lines:
        assert_no_secret(record.getMessage(), PASSWORD)
        assert sent.code not in record.getMessage().split()
        assert "123456789" not in record.getMessage()


def test_debug_lines_when_the_logger_wants_them(sandbox: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="isms")
    client = sandbox.client("py-log-debug", guard="memory:")
    client.send_otp("012-345 6788", "60", "Your code is %OTP%")
    messages = [r.getMessage() for r in caplog.records if r.name == "isms" and r.levelno == logging.DEBUG]
    assert any(m.startswith("guard: send to +6012****788 reserved") for m in messages), messages


def test_nothing_is_delivered_by_default() -> None:
    # A fresh interpreter with no logging configured: the library is told to
    # send warnings and errors only (Python's default level), and the
    # logger's NullHandler keeps them off stderr.
    code = "import isms, sys; print(isms._log._wanted_level())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "2", out
    assert out.stderr == "", out


def test_status_prints_its_name() -> None:
    assert str(isms.Status.ERR_AUTH) == "ISMS_ERR_AUTH"
    assert f"{isms.Status.ERR_RATE_LIMITED}" == "ISMS_ERR_RATE_LIMITED"


FORK_SCRIPT = r"""
import logging, os, sys, isms
logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(process)d %(levelname)s %(message)s")
endpoint, ca_file, username, password = sys.argv[1:5]
def client():
    return isms.Client(username, password, endpoint=endpoint, ca_file=ca_file, proxy="", timeout=10)
client().balance()
print("parent", os.getpid(), flush=True)
pid = os.fork()
if pid == 0:
    try:
        client().balance()
        sys.stdout.flush()
        os._exit(0)
    except BaseException:
        os._exit(3)
_, status = os.waitpid(pid, 0)
print("child", pid, "status", status, flush=True)
client().balance()
"""


def test_lines_reach_logging_after_fork(sandbox: Any) -> None:
    # The callback registered in the parent serves the forked child: its
    # call's line reaches the child's logging (and the parent's next one
    # still reaches the parent's).
    out = subprocess.run(
        [sys.executable, "-c", FORK_SCRIPT, sandbox.endpoint("py-log-fork"), sandbox.ca_file, sandbox.username, sandbox.password],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert out.returncode == 0, out
    lines = out.stdout.splitlines()
    parent = next(line.split()[1] for line in lines if line.startswith("parent "))
    child_line = next(line for line in lines if line.startswith("child "))
    child, status = child_line.split()[1], child_line.split()[3]
    assert status == "0", out
    balance_lines = [line.split()[0] for line in lines if " INFO balance - ISMS_OK http=200 " in line]
    assert balance_lines == [parent, child, parent], out
    assert PASSWORD not in out.stdout + out.stderr
