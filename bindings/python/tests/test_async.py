"""isms.AsyncClient against the sandbox: the event loop keeps running, calls
overlap, a cancelled send is never sent again, the exceptions are Client's,
and closing waits for calls in progress."""

from __future__ import annotations

import asyncio
import time
import traceback
from collections.abc import Awaitable
from typing import Any, TypeVar

import pytest
from conftest import PASSWORD, Sandbox, assert_no_secret

import isms

MOBILE = "012-345 6789"
SLOW = "slow-1500"  # the sandbox answers after 1.5 s
SLOW_SECONDS = 1.5

_T = TypeVar("_T")


def async_client(sandbox: Sandbox, tag: str, fault: str | None = None, **options: Any) -> isms.AsyncClient:
    """An AsyncClient with the settings of `sandbox.client`."""
    options.setdefault("ca_file", sandbox.ca_file)
    options.setdefault("proxy", "")
    options.setdefault("timeout", 10)
    password = options.pop("password", sandbox.password)
    return isms.AsyncClient(sandbox.username, password, endpoint=sandbox.endpoint(tag, fault), **options)


async def ticking(work: Awaitable[_T]) -> tuple[_T, int, float]:
    """Awaits `work` while a 0.05 s ticker runs: its result, the ticks, the seconds."""
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        for _ in range(10_000):
            if done.is_set():
                return
            await asyncio.sleep(0.05)
            ticks += 1

    task = asyncio.create_task(ticker())
    start = time.monotonic()
    try:
        result = await work
    finally:
        elapsed = time.monotonic() - start
        done.set()
        await task
    return result, ticks, elapsed


async def until_requested(sandbox: Sandbox, tag: str, count: int) -> None:
    """Waits (at most 5 s) until the sandbox has recorded `count` requests for `tag`."""
    for _ in range(250):
        if await asyncio.to_thread(sandbox.requests, tag) >= count:
            return
        await asyncio.sleep(0.02)
    pytest.fail(f"the sandbox did not see {count} request(s)")


def test_whole_flow(sandbox: Sandbox, tag: str) -> None:
    async def main() -> None:
        async with async_client(sandbox, tag) as client:
            before = await client.balance()
            sent = await client.send_otp(MOBILE, "60", "Your code is %OTP%", sender_id="MyApp")
            wrong = "000000" if sent.code != "000000" else "111111"
            check = await client.verify_otp(MOBILE, "60", wrong, sent.sms_id, sent.uuid, interval=5)
            assert check.verified is False and check.status is isms.Status.ERR_OTP_INCORRECT
            assert sent.code is not None
            check = await client.verify_otp(MOBILE, "60", sent.code, sent.sms_id, sent.uuid, interval=5)
            assert check.verified is True and check.status is isms.Status.OK
            assert (await client.balance()).balance < before.balance

    asyncio.run(main())
    [sms] = sandbox.outbox(tag)
    assert sms["sendid"] == "MyApp"
    assert sandbox.requests(tag) == 5


def test_the_event_loop_keeps_running_during_a_call(sandbox: Sandbox, tag: str) -> None:
    async def main() -> tuple[isms.Balance, int, float]:
        async with async_client(sandbox, tag, SLOW) as client:
            return await ticking(client.balance())

    balance, ticks, elapsed = asyncio.run(main())
    assert isinstance(balance, isms.Balance)
    assert elapsed >= SLOW_SECONDS - 0.1
    # 30 ticks if the loop is free the whole time; 0 or 1 if the call blocks it.
    assert ticks >= 15, f"{ticks} ticks in {elapsed:.2f} s"


def test_concurrent_calls_run_in_parallel(sandbox: Sandbox, tag: str) -> None:
    async def main() -> tuple[list[isms.Balance], float]:
        async with async_client(sandbox, tag, SLOW) as client:
            start = time.monotonic()
            results = await asyncio.gather(*(client.balance() for _ in range(4)))
            return list(results), time.monotonic() - start

    results, elapsed = asyncio.run(main())
    assert len(results) == 4 and all(isinstance(r, isms.Balance) for r in results)
    assert sandbox.requests(tag) == 4
    # One after the other would take 4 x 1.5 s.
    assert SLOW_SECONDS - 0.1 <= elapsed < 2 * SLOW_SECONDS, f"{elapsed:.2f} s"


def test_a_cancelled_send_returns_at_once_and_is_never_sent_twice(sandbox: Sandbox, tag: str) -> None:
    async def main() -> tuple[float, float]:
        client = async_client(sandbox, tag, SLOW)
        task = asyncio.create_task(client.send_otp(MOBILE, "60", "Your code is %OTP%"))
        await until_requested(sandbox, tag, 1)  # the request has left
        assert not task.done()
        start = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        cancelled_in = time.monotonic() - start
        await client.aclose()  # waits for the send still under way on its thread
        return cancelled_in, time.monotonic() - start

    cancelled_in, closed_in = asyncio.run(main())
    assert cancelled_in < 0.3, f"cancelling took {cancelled_in:.2f} s"
    assert closed_in > 0.5, "the send did not go on in the background"
    time.sleep(0.3)  # room for a second request, were one made
    assert len(sandbox.admin("requests", tag=tag)) == 1
    assert len(sandbox.outbox(tag)) == 1


def _failures() -> list[tuple[str, dict[str, Any], str, tuple[Any, ...]]]:
    """(fault, client options, method, arguments) for calls that raise."""
    send = (MOBILE, "60", "Your code is %OTP%")
    return [
        ("", {"password": "wrong-password"}, "balance", ()),
        ("http500", {}, "balance", ()),
        ("classic-1009", {}, "send_otp", send),
        ("failed-Insufficient-Credit", {}, "send_otp", send),
        ("failed-Invalid-Request", {}, "verify_otp", (MOBILE, "60", "123456", "1171081025", "no-such-uuid")),
        ("truncated", {}, "balance", ()),
        ("slow-1500", {"timeout": 0.3}, "balance", ()),
        ("", {}, "send_otp", ("12", "60", "Your code is %OTP%")),
        ("", {}, "send_otp", (MOBILE, "60", "no placeholder")),
        ("", {}, "send_otp", (MOBILE, 60, "Your code is %OTP%")),
    ]


def test_the_exceptions_are_clients(sandbox: Sandbox, tag: str) -> None:
    for index, (fault, options, method, args) in enumerate(_failures()):
        with pytest.raises(Exception) as sync_caught:
            with sandbox.client(f"{tag}-{index}", fault or None, **options) as client:
                getattr(client, method)(*args)

        async def main() -> None:
            async with async_client(sandbox, f"{tag}-{index}", fault or None, **options) as client:
                await getattr(client, method)(*args)

        with pytest.raises(Exception) as async_caught:
            asyncio.run(main())
        sync_error, async_error = sync_caught.value, async_caught.value
        assert type(async_error) is type(sync_error), (fault, method, sync_error, async_error)
        assert getattr(async_error, "status", None) == getattr(sync_error, "status", None)
        assert getattr(async_error, "http_status", None) == getattr(sync_error, "http_status", None)
        assert_no_secret(str(async_error))


def test_aclose_waits_for_a_call_in_progress(sandbox: Sandbox, tag: str) -> None:
    async def main() -> tuple[asyncio.Task[isms.Balance], bool, int, float]:
        client = async_client(sandbox, tag, SLOW)
        task = asyncio.create_task(client.balance())
        await until_requested(sandbox, tag, 1)
        _, ticks, elapsed = await ticking(client.aclose())
        return task, task.done(), ticks, elapsed

    task, done_when_closed, ticks, elapsed = asyncio.run(main())
    assert done_when_closed, "aclose() returned before the call in progress"
    assert isinstance(task.result(), isms.Balance)
    assert elapsed > 0.5
    assert ticks >= elapsed / 0.05 / 2, "aclose() blocked the event loop"


def test_a_call_after_aclose_raises_like_a_call_after_close(sandbox: Sandbox, tag: str) -> None:
    calls: list[tuple[str, tuple[Any, ...]]] = [
        ("balance", ()),
        ("send_otp", (MOBILE, "60", "Your code is %OTP%")),
        ("verify_otp", (MOBILE, "60", "123456", "1171081025", "some-uuid")),
    ]
    closed = sandbox.client(tag)
    closed.close()
    expected = []
    for method, args in calls:
        with pytest.raises(isms.IsmsError) as caught:
            getattr(closed, method)(*args)
        expected.append(caught.value)

    async def main() -> list[BaseException]:
        client = async_client(sandbox, tag)
        await client.aclose()
        await client.aclose()  # idempotent
        assert client.closed
        errors: list[BaseException] = []
        for method, args in calls:
            try:
                await getattr(client, method)(*args)
            except Exception as error:
                errors.append(error)
        return errors

    errors = asyncio.run(main())
    assert len(errors) == len(calls)
    for error, want in zip(errors, expected):
        assert type(error) is type(want) and str(error) == str(want)
    assert sandbox.requests(tag) == 0


def test_async_with_closes(sandbox: Sandbox, tag: str) -> None:
    async def main() -> tuple[isms.AsyncClient, isms.AsyncClient]:
        client = async_client(sandbox, tag)
        async with client as entered:
            assert entered is client and not client.closed
            await client.balance()
        other = async_client(sandbox, tag)
        with pytest.raises(ZeroDivisionError):
            async with other:
                1 / 0
        return client, other

    client, other = asyncio.run(main())
    assert client.closed and other.closed


def test_the_password_is_not_kept(sandbox: Sandbox, tag: str) -> None:
    async def main() -> str:
        async with async_client(sandbox, tag) as client:
            await client.balance()
            return repr(vars(client)) + repr(client)

    assert_no_secret(asyncio.run(main()))


def test_the_password_is_not_in_a_failed_constructors_traceback() -> None:
    attempts: list[dict[str, Any]] = [
        dict(username="demo", password=PASSWORD, ca_file="/nonexistent/ca.pem"),
        dict(username="demo", password=PASSWORD, timeout=-1),
        dict(username="", password=PASSWORD),
        dict(username=b"demo", password=PASSWORD),
    ]
    for kwargs in attempts:
        with pytest.raises((isms.IsmsError, TypeError)) as caught:
            isms.AsyncClient(**kwargs)
        # The package's own frames (the test's frame holds the password, of course).
        tb = caught.value.__traceback__
        assert tb is not None
        inner = caught.value.with_traceback(tb.tb_next)
        shown = "".join(traceback.TracebackException.from_exception(inner, capture_locals=True).format())
        assert_no_secret(shown)
        frame = tb.tb_next
        while frame is not None:
            for name, value in frame.tb_frame.f_locals.items():
                assert PASSWORD not in repr(value), (frame.tb_frame.f_code.co_name, name)
            frame = frame.tb_next


def test_the_calls_are_coroutines_with_clients_signatures() -> None:
    import inspect

    for name in ("send_otp", "verify_otp", "balance", "aclose", "__aenter__", "__aexit__"):
        assert inspect.iscoroutinefunction(getattr(isms.AsyncClient, name)), name
    for name in ("__init__", "send_otp", "verify_otp", "balance"):
        ours = inspect.signature(getattr(isms.AsyncClient, name))
        theirs = inspect.signature(getattr(isms.Client, name))
        assert list(ours.parameters.values()) == list(theirs.parameters.values()), name

