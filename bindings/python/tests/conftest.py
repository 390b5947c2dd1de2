"""A private sandbox gateway for the session, and helpers to ask it things.

The sandbox binary comes from ISMS_SANDBOX_BIN when set (as for
scripts/with-sandbox.sh), else from the repository's target/release (`make
build`); it listens on 127.0.0.1 only.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import isms

REPO = Path(__file__).resolve().parents[3]
CASES = REPO / "tests" / "cases"
# Characters that break a query string unless percent-encoded.
PASSWORD = "py&pass=1 %+x#?"

_tags = iter(range(1_000_000))


class Sandbox:
    def __init__(self, state: dict[str, Any], directory: Path) -> None:
        self.state = state
        self.directory = directory
        self.username: str = state["username"]
        self.password: str = state["password"]
        self.ca_file: str = state["ca_file"]
        self.other_ca_file: str = state["other_ca_file"]
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def port(self, name: str) -> int:
        return int(self.state[name])

    def endpoint(self, tag: str, fault: str | None = None, scheme: str = "https") -> str:
        port = self.port("https_port" if scheme == "https" else "http_port")
        fault_part = f"/fault/{fault}" if fault else ""
        return f"{scheme}://127.0.0.1:{port}/t/{tag}{fault_part}/2FA/request.php"

    def client(self, tag: str, fault: str | None = None, **options: Any) -> isms.Client:
        """A client for the sandbox account over HTTPS with the test CA."""
        options.setdefault("ca_file", self.ca_file)
        options.setdefault("proxy", "")
        options.setdefault("timeout", 10)
        password = options.pop("password", self.password)
        return isms.Client(
            self.username, password, endpoint=self.endpoint(tag, fault), **options
        )

    def admin(self, path: str, **query: Any) -> Any:
        url = f"http://127.0.0.1:{self.port('http_port')}/_sandbox/{path}"
        if query:
            url += "?" + urllib.parse.urlencode(query)
        with self._opener.open(url, timeout=10) as reply:
            return json.load(reply)

    def requests(self, tag: str) -> int:
        return int(self.admin("stats", tag=tag)["requests"])

    def connections(self, tag: str) -> int:
        return int(self.admin("stats", tag=tag)["connections"])

    def queries(self, tag: str) -> list[str]:
        return [r["query"] for r in self.admin("requests", tag=tag)]

    def outbox(self, tag: str) -> list[dict[str, Any]]:
        return list(self.admin("outbox", tag=tag))


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    binary = Path(os.environ.get("ISMS_SANDBOX_BIN") or REPO / "target" / "release" / "isms-sandbox")
    if not binary.exists():
        pytest.fail(f"{binary} is missing: run `make build` first")
    directory = Path(tempfile.mkdtemp(prefix="isms-pytest-"))
    process = subprocess.Popen(
        [str(binary), "--state-dir", str(directory), "--quiet", "--password", PASSWORD],
        stdout=subprocess.DEVNULL,
    )
    try:
        state_file = directory / "sandbox.json"
        deadline = time.monotonic() + 20
        while not state_file.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the sandbox did not start")
            time.sleep(0.02)
        yield Sandbox(json.loads(state_file.read_text()), directory)
    finally:
        process.kill()
        process.wait()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def tag(request: pytest.FixtureRequest) -> str:
    """A sandbox tag of this test's own."""
    name = "".join(c if c.isalnum() else "-" for c in request.node.name)[:40]
    return f"py-{next(_tags)}-{name}"


def password_forms(password: str) -> dict[str, str]:
    """The password as a reply body may carry it (the %PASSWORD...% placeholders
    of tests/cases/README.md) and as it could leak."""
    quoted = urllib.parse.quote(password, safe="-._~")
    lower = re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quoted)
    html = "".join(
        {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}.get(c, c)
        for c in password
    )
    json_hex = "".join(c if c.isascii() and c.isalnum() else f"\\u{ord(c):04X}" for c in password)
    return {
        "%PASSWORD%": password,
        "%PASSWORD_PCT%": quoted,
        "%PASSWORD_PCT_LOWER%": lower,
        "%PASSWORD_FORM%": urllib.parse.quote_plus(password, safe="-._~"),
        "%PASSWORD_HTML%": html,
        "%PASSWORD_JSON_HEX%": json_hex,
        "%PASSWORD_HEAD%": password[: (len(password) + 1) // 2],
    }


def secret_forms(password: str) -> list[str]:
    """The password as it could leak: plain, percent- and form-encoded in
    either case, HTML- and JSON-escaped, and its first half."""
    return list(password_forms(password).values())


def assert_no_secret(text: str, password: str = PASSWORD) -> None:
    for form in secret_forms(password):
        assert form not in text, f"the password shows in {text!r}"


@pytest.fixture(autouse=True)
def _no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
                 "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)


def pytest_report_header() -> str:
    return f"isms package under test: {Path(isms.__file__).parent}"
