"""The asyncio client: a ``Client`` whose calls run on worker threads.

Each C call blocks its thread until the gateway answers (ctypes releases the
GIL meanwhile), so the calls run on a thread pool of the client's own and the
event loop only awaits them. Everything else, from argument checks to the
status-to-exception table and closing, is ``Client``'s.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
from collections.abc import Callable, Iterable
from typing import TypeVar

from ._client import Client
from ._results import Balance, SendResult, VerifyResult
from ._status import MessageType

_T = TypeVar("_T")

# Threads are started only when no idle one is free, so this is a ceiling for
# calls that run at the same time on one client, not a cost; calls beyond it
# wait for a free thread (without blocking the event loop).
_MAX_PARALLEL_CALLS = 32


class AsyncClient:
    """A client of the iSMS 2FA gateway for asyncio.

    ``AsyncClient(username, password, *, endpoint=None, timeout=None,
    ca_file=None, proxy=None)`` takes the same arguments as ``Client``; its
    calls are coroutines and raise the same exceptions.

    A call never blocks the event loop, and concurrent calls run in parallel.
    Cancelling a call returns at once; the request already under way finishes
    in the background and is never repeated (a send may have left: a second
    one would be a second SMS). ``aclose()`` (or leaving an ``async with``
    block) waits for calls in progress, cancelled ones included, then frees
    the client. The password goes to the library and is not kept here.
    """

    def __init__(
        self,
        username: str,
        password: str,
        *,
        endpoint: str | None = None,
        timeout: float | None = None,
        ca_file: str | None = None,
        proxy: str | None = None,
        guard: str | None = None,
        guard_limits: dict[str, float] | None = None,
        allowed_countries: str | Iterable[str] | None = None,
    ) -> None:
        # Creating a client does no network I/O: it runs here, at once.
        try:
            self._client = Client(
                username,
                password,
                endpoint=endpoint,
                timeout=timeout,
                ca_file=ca_file,
                proxy=proxy,
                guard=guard,
                guard_limits=guard_limits,
                allowed_countries=allowed_countries,
            )
        finally:
            # A traceback keeps this frame; without the password in it.
            del password
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=_MAX_PARALLEL_CALLS, thread_name_prefix="isms-async"
        )

    # ---- the three calls -------------------------------------------------

    async def _run(self, call: Callable[[], _T]) -> _T:
        """Runs one ``Client`` call on a worker thread and awaits it.

        No retry and no re-submission here: when the awaiting task is
        cancelled, a call not yet started never starts, and one under way
        finishes on its thread with its result dropped.
        """
        if self._client.closed:
            # A closed Client refuses before any I/O: the same exception, raised here.
            return call()
        loop = asyncio.get_running_loop()
        try:
            future = loop.run_in_executor(self._executor, call)
        except RuntimeError:
            # The pool was shut down by an aclose() that finished meanwhile.
            if not self._client.closed:
                raise
            return call()
        return await future

    async def send_otp(
        self,
        mobile: str,
        country_code: str,
        message: str,
        *,
        type: MessageType | int = MessageType.AUTO,
        sender_id: str | None = None,
    ) -> SendResult:
        """``Client.send_otp``, awaited. A cancelled send is never sent again."""
        return await self._run(
            functools.partial(
                self._client.send_otp, mobile, country_code, message, type=type, sender_id=sender_id
            )
        )

    async def verify_otp(
        self,
        mobile: str,
        country_code: str,
        code: str,
        sms_id: str,
        uuid: str,
        *,
        interval: int | None = None,
        sender_id: str | None = None,
    ) -> VerifyResult:
        """``Client.verify_otp``, awaited: a wrong or expired code gives ``verified=False``."""
        return await self._run(
            functools.partial(
                self._client.verify_otp,
                mobile,
                country_code,
                code,
                sms_id,
                uuid,
                interval=interval,
                sender_id=sender_id,
            )
        )

    async def balance(self) -> Balance:
        """``Client.balance``, awaited."""
        return await self._run(self._client.balance)

    # ---- lifetime --------------------------------------------------------

    async def aclose(self) -> None:
        """Frees the client once the calls in progress (cancelled ones too)
        have returned; the event loop keeps running meanwhile. Later calls
        raise as calls after ``Client.close()`` do. Idempotent."""
        loop = asyncio.get_running_loop()
        try:
            # On the client's own pool: behind the calls submitted before it.
            closing = loop.run_in_executor(self._executor, self._client.close)
        except RuntimeError:
            # The pool is shut down: an earlier aclose() finished, and no call
            # can be in progress.
            return
        await closing
        self._executor.shutdown(wait=False)

    @property
    def closed(self) -> bool:
        return self._client.closed

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        client = getattr(self, "_client", None)  # None while __init__ has not made it
        return f"<isms.AsyncClient over {client!r}>"

    def __getstate__(self) -> None:
        raise TypeError("isms.AsyncClient cannot be pickled or copied")

    def __copy__(self) -> None:
        raise TypeError("isms.AsyncClient cannot be copied")

    def __deepcopy__(self, memo: object) -> None:
        raise TypeError("isms.AsyncClient cannot be copied")
