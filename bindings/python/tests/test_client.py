"""The Python surface against the sandbox: the flow, exceptions, secrets,
threads, closing, and argument handling that belongs to the binding."""

from __future__ import annotations

import copy
import os
import pickle
import threading
import time
import traceback
from typing import Any

import pytest
from conftest import PASSWORD, Sandbox, assert_no_secret

import isms
from isms import _lib

MOBILE = "012-345 6789"


def send(client: isms.Client, message: str = "Your code is %OTP%") -> isms.SendResult:
    return client.send_otp(MOBILE, "60", message)


def test_whole_flow(sandbox: Sandbox, tag: str) -> None:
    with sandbox.client(tag) as client:
        before = client.balance()
        sent = send(client)
        [sms] = sandbox.outbox(tag)
        assert sent.code == sms["code"] and len(sent.code) == 6
        assert sent.mobile == "+6012-3456789"
        assert sms["message"] == f"Your code is {sent.code}"

        wrong = "000000" if sent.code != "000000" else "111111"
        check = client.verify_otp(MOBILE, "+60", wrong, sent.sms_id, sent.uuid, interval=5)
        assert check.verified is False
        assert check.status is isms.Status.ERR_OTP_INCORRECT
        assert check.message and check.http_status == 200

        check = client.verify_otp(MOBILE, "+60", sent.code, sent.sms_id, sent.uuid, interval=5)
        assert check.verified is True and check.status is isms.Status.OK
        assert check.message is None
        assert check.sms_id == sent.sms_id

        after = client.balance()
        assert after.balance < before.balance
        assert after.expiration_date is not None
        assert after.expiration_date.isoformat() and after.balance_text
    assert sandbox.requests(tag) == 5


def test_expired_code_is_not_verified(sandbox: Sandbox, tag: str) -> None:
    with sandbox.client(tag) as client:
        sent = send(client)
        sandbox.admin("advance", seconds=121)
        check = client.verify_otp(MOBILE, "60", sent.code, sent.sms_id, sent.uuid, interval=2)
        assert check.verified is False
        assert check.status is isms.Status.ERR_OTP_EXPIRED


def test_unicode_message_and_sender(sandbox: Sandbox, tag: str) -> None:
    with sandbox.client(tag) as client:
        client.send_otp(MOBILE, "60", "验证码 %OTP%", sender_id="MyApp")
        client.send_otp(MOBILE, "60", "Code %OTP%", type=isms.MessageType.UNICODE)
    first, second = sandbox.outbox(tag)
    assert first["type"] == 2 and first["sendid"] == "MyApp"
    assert second["type"] == 2


def test_repr_hides_the_code_and_the_password(sandbox: Sandbox, tag: str) -> None:
    with sandbox.client(tag) as client:
        sent = send(client)
        for shown in (repr(sent), str(sent), repr(client), str(vars(client)) if hasattr(client, "__dict__") else ""):
            assert sent.code not in shown
            assert_no_secret(shown)
        assert "code" not in repr(sent)
    with pytest.raises(AttributeError):
        sent.code = "1"  # type: ignore[misc]


def test_wrong_password_raises_authentication_error(sandbox: Sandbox, tag: str) -> None:
    secret = "Wr0ng&pw=%41 +z"
    with sandbox.client(tag, password=secret) as client:
        calls = [
            lambda: send(client),
            lambda: client.verify_otp(MOBILE, "60", "123456", "1171081025", "bd9a1ff0", interval=5),
            client.balance,
        ]
        for call in calls:
            with pytest.raises(isms.AuthenticationError) as caught:
                call()
            error = caught.value
            assert error.status is isms.Status.ERR_AUTH and error.http_status == 200
            formatted = "".join(traceback.format_exception(type(error), error, error.__traceback__))
            for text in (str(error), repr(error), formatted, repr(error.args)):
                assert_no_secret(text, secret)
                assert_no_secret(text)


def test_exception_classes() -> None:
    assert issubclass(isms.TimeoutError, TimeoutError)
    assert issubclass(isms.ConnectError, ConnectionError)
    classes = {cls for cls in vars(isms).values() if isinstance(cls, type) and issubclass(cls, isms.IsmsError)}
    by_status = {cls.status: cls for cls in classes if cls is not isms.IsmsError}
    assert set(by_status) == set(isms.Status) - {isms.Status.OK}
    for cls in by_status.values():
        error = cls("why", http_status=503)
        assert isinstance(error, isms.IsmsError)
        again = pickle.loads(pickle.dumps(error))
        assert type(again) is cls and again.message == "why" and again.http_status == 503


def test_tls_and_connect_errors(sandbox: Sandbox, tag: str) -> None:
    with sandbox.client(tag, ca_file=sandbox.other_ca_file) as client:
        with pytest.raises(isms.TlsError):
            client.balance()
    with isms.Client(sandbox.username, PASSWORD, endpoint=f"https://127.0.0.1:{sandbox.port('drop_port')}/2FA/request.php",
                     ca_file=sandbox.ca_file, proxy="", timeout=5) as client:
        with pytest.raises(isms.ConnectError) as caught:
            client.balance()
        assert isinstance(caught.value, ConnectionError)
        assert caught.value.http_status == 0


def test_plain_http_on_loopback_and_proxies(sandbox: Sandbox, tag: str) -> None:
    url = sandbox.endpoint(tag, scheme="http")
    with isms.Client(sandbox.username, PASSWORD, endpoint=url, proxy="") as client:
        assert client.balance().http_status == 200
    for proxy in (f"http://127.0.0.1:{sandbox.port('proxy_port')}", f"socks5://127.0.0.1:{sandbox.port('socks_port')}"):
        with sandbox.client(tag, proxy=proxy) as client:
            client.balance()
    assert sandbox.requests(tag) == 3


def test_timeout_is_honoured_and_calls_run_in_parallel(sandbox: Sandbox, tag: str) -> None:
    # Four calls, each stopped by a 1 s deadline on a 3 s reply. ctypes
    # releases the GIL, so together they take about 1 s, not 4.
    errors: list[BaseException] = []

    def call() -> None:
        with sandbox.client(tag, "slow-3000", timeout=1.0) as client:
            try:
                client.balance()
            except BaseException as e:  # noqa: BLE001 - collected for the assertion
                errors.append(e)

    started = time.monotonic()
    threads = [threading.Thread(target=call) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.monotonic() - started
    assert len(errors) == 4 and all(isinstance(e, isms.TimeoutError) for e in errors), errors
    assert all(isinstance(e, TimeoutError) for e in errors)
    assert took < 3.0, f"four 1 s timeouts took {took:.2f} s"


def test_threads_share_one_client(sandbox: Sandbox, tag: str) -> None:
    client = sandbox.client(tag)
    failures: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(20):
                client.balance()
        except BaseException as e:  # noqa: BLE001
            failures.append(e)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    client.close()
    assert failures == []
    assert sandbox.requests(tag) == 160
    # Connections are kept and reused: about one per thread, not one per call.
    assert sandbox.connections(tag) <= 16


def test_close_while_other_threads_are_calling(sandbox: Sandbox, tag: str) -> None:
    client = sandbox.client(tag, "slow-200")
    outcomes: list[Any] = []
    started = threading.Barrier(9)

    def work() -> None:
        started.wait()
        try:
            outcomes.append(client.balance())
        except isms.InvalidArgumentError as e:
            outcomes.append(e)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    started.wait()
    time.sleep(0.05)
    client.close()  # waits for the calls in flight, then frees
    for t in threads:
        t.join()
    assert client.closed
    assert len(outcomes) == 8
    for outcome in outcomes:
        assert isinstance(outcome, isms.Balance) or "closed" in str(outcome)
    with pytest.raises(isms.InvalidArgumentError, match="closed"):
        client.balance()
    client.close()  # idempotent


def test_context_manager_and_del(sandbox: Sandbox, tag: str) -> None:
    with sandbox.client(tag) as client:
        assert not client.closed
    assert client.closed
    assert "closed" in repr(client)
    lib = _lib.lib()
    freed: list[int] = []
    original = lib.isms_client_free
    lib.isms_client_free = lambda handle: (freed.append(handle), original(handle))
    try:
        client = sandbox.client(tag)
        handle = client._handle
        del client
        assert freed == [handle]
    finally:
        lib.isms_client_free = original


def test_client_cannot_be_copied_or_pickled(sandbox: Sandbox, tag: str) -> None:
    with sandbox.client(tag) as client:
        for attempt in (lambda: copy.copy(client), lambda: copy.deepcopy(client), lambda: pickle.dumps(client)):
            with pytest.raises(TypeError):
                attempt()


def test_the_password_is_not_kept(sandbox: Sandbox, tag: str) -> None:
    with sandbox.client(tag) as client:
        state = repr(vars(client)) + repr(client)
        assert_no_secret(state)


def test_the_password_is_not_in_a_failed_constructors_traceback(sandbox: Sandbox) -> None:
    attempts = [
        dict(username="demo", password=PASSWORD, ca_file="/nonexistent/ca.pem"),
        dict(username="demo", password=PASSWORD, endpoint="http://example.com/2FA"),
        dict(username="demo", password=PASSWORD, timeout=-1),
        dict(username="de\0mo", password=PASSWORD),
        dict(username="demo", password=PASSWORD + "\0"),
        dict(username="", password=PASSWORD),
        dict(username=b"demo", password=PASSWORD),
        dict(username="demo", password=PASSWORD + "\udcff"),
    ]
    for kwargs in attempts:
        with pytest.raises((isms.IsmsError, TypeError)) as caught:
            isms.Client(**kwargs)
        # The library's own frames (the test's frame holds the password, of course).
        tb = caught.value.__traceback__
        assert tb is not None
        inner = caught.value.with_traceback(tb.tb_next)
        shown = "".join(traceback.TracebackException.from_exception(inner, capture_locals=True).format())
        assert_no_secret(shown)
        tb = tb.tb_next
        while tb is not None:
            for name, value in tb.tb_frame.f_locals.items():
                assert PASSWORD not in repr(value), (tb.tb_frame.f_code.co_name, name)
            tb = tb.tb_next


def test_setting_errors_name_the_setting(sandbox: Sandbox, tmp_path: Any) -> None:
    not_pem = tmp_path / "not.pem"
    not_pem.write_text("hello\n")
    with pytest.raises(isms.InvalidArgumentError, match=r"^ca_file: .*not\.pem"):
        isms.Client("demo", PASSWORD, ca_file=not_pem)
    with pytest.raises(isms.InvalidArgumentError, match=r"^timeout"):
        isms.Client("demo", PASSWORD, timeout=float("nan"))
    with pytest.raises(isms.InvalidArgumentError, match=r"^timeout"):
        isms.Client("demo", PASSWORD, timeout=0)
    with pytest.raises(TypeError):
        isms.Client("demo", PASSWORD, timeout="5")  # type: ignore[arg-type]
    assert isms.Client("demo", PASSWORD, timeout=0.0001).closed is False


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.send_otp("0123\x00456789", "60", "Code %OTP%"),
        lambda c: c.send_otp("0123456789", "60", "Code %OTP%\x00&un=x"),
        lambda c: c.send_otp("0123456789", "60", "Code %OTP%", sender_id="A\x00"),
        lambda c: c.verify_otp("0123456789", "60", "123456\x00", "1", "u"),
        lambda c: c.verify_otp("0123456789", "60", "123456", "1", "u\ud800"),
        lambda c: c.send_otp("0123456789", "60", "Code %OTP%", type=2**31),
        lambda c: c.verify_otp("0123456789", "60", "123456", "1", "u", interval=-1),
        lambda c: c.verify_otp("0123456789", "60", "123456", "1", "u", interval=2**32),
    ],
    ids=["NUL in mobile", "NUL in message", "NUL in sender_id", "NUL in code",
         "lone surrogate", "type out of int32", "interval negative", "interval too large"],
)
def test_arguments_refused_by_the_binding(sandbox: Sandbox, tag: str, call: Any) -> None:
    with sandbox.client(tag) as client:
        with pytest.raises(isms.InvalidArgumentError) as caught:
            call(client)
        assert caught.value.http_status == 0
    assert sandbox.requests(tag) == 0


def test_wrong_types_are_type_errors(sandbox: Sandbox, tag: str) -> None:
    with sandbox.client(tag) as client:
        for call in (
            lambda: client.send_otp(60123456789, "60", "Code %OTP%"),  # type: ignore[arg-type]
            lambda: client.send_otp("0123456789", "60", b"Code %OTP%"),  # type: ignore[arg-type]
            lambda: client.send_otp("0123456789", "60", "Code %OTP%", type=True),
            lambda: client.verify_otp("0123456789", "60", "123456", "1", "u", interval=1.5),  # type: ignore[arg-type]
        ):
            with pytest.raises(TypeError):
                call()
    assert sandbox.requests(tag) == 0


def test_a_forked_child_uses_connections_of_its_own(sandbox: Sandbox, tag: str) -> None:
    # Pre-forking servers (gunicorn, uwsgi, multiprocessing) inherit clients.
    def ids(of: str) -> list[int]:
        return list(sandbox.admin("stats", tag=of)["conn_ids"])

    with sandbox.client(tag) as client:
        client.balance()
        before_fork = set(ids("*"))  # every connection that ever carried a request
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                client.balance()
                code = 0
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        child = ids(tag)[-1]
        assert child not in before_fork, "the child reused a connection of its parent"
        client.balance()
        assert ids(tag)[-1] in before_fork, "the parent's pooled connections were disturbed"
