"""The client: settings, the three calls, and closing."""

from __future__ import annotations

import ctypes
import datetime
import math
import threading
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from . import _lib, _log
from ._results import Balance, SendResult, VerifyResult
from ._status import ERRORS, InvalidArgumentError, IsmsError, MessageType, RateLimitedError, Status

_T = TypeVar("_T")

_INT32 = range(-(2**31), 2**31)
_UINT32 = range(0, 2**32)


def _text(name: str, value: object, *, optional: bool = False) -> bytes | None:
    """A str argument as UTF-8 bytes for C; None for an optional None.

    Raises TypeError for a value that is not a str, and InvalidArgumentError
    for one C cannot take as is (a NUL would cut it short; a lone surrogate
    has no UTF-8).
    """
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name} must be str, not {type(value).__name__}")
    if "\0" in value:
        raise InvalidArgumentError(f"{name}: contains a NUL character")
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidArgumentError(f"{name}: is not valid Unicode text (a lone surrogate)") from None


def _integer(name: str, value: object, allowed: range) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be int, not {type(value).__name__}")
    number = int(value)  # an IntEnum would make `in range` a linear scan
    if number not in allowed:
        raise InvalidArgumentError(f"{name}: {number} is out of range")
    return number


_TIMEOUT_MS_MAX = 2**32 - 1


def _timeout_ms(timeout: object) -> int:
    """Seconds as the library's whole milliseconds, the rule the PHP package
    follows too (cases: tests/cases/timeouts.json): rounded up, at least 1;
    0, negative, non-finite and over 2**32 - 1 ms are refused."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"timeout must be a number of seconds, not {type(timeout).__name__}")
    if not math.isfinite(timeout):
        raise InvalidArgumentError(f"timeout: {timeout} is not a finite number of seconds")
    if timeout <= 0:
        raise InvalidArgumentError(f"timeout: must be more than 0 seconds, got {timeout}")
    # Rounded up, once float noise is taken off (2.007 * 1000 is
    # 2006.9999999999998); a positive timeout never becomes 0.
    ms = max(1, math.ceil(round(timeout * 1000, 3)))
    if ms > _TIMEOUT_MS_MAX:
        raise InvalidArgumentError(f"timeout: {timeout} s is too long (at most {_TIMEOUT_MS_MAX / 1000} s)")
    return ms


def _str(raw: bytes | None) -> str | None:
    return None if raw is None else raw.decode("utf-8", "replace")


def _error(result: Any) -> IsmsError:
    """The exception for a failed C result (fields read before the free)."""
    try:
        status = Status(result.status)
    except ValueError:
        status = Status.ERR_INTERNAL
    message = _str(result.message) or f"the library gave status {result.status}"
    fields = {
        key: _str(getattr(result, key))
        for key in ("uuid", "sms_id", "mobile")
        if hasattr(result, key)
    }
    error = ERRORS[status](message, http_status=result.http_status, **fields)
    if isinstance(error, RateLimitedError):
        error.retry_after = float(getattr(result, "retry_after_s", 0))
    return error


_GUARD_LIMITS: dict[str, tuple[int, bool]] = {
    # key: (IsmsGuardLimit value, whether it is seconds)
    "code_attempts": (0, False),
    "code_lifetime": (1, True),
    "resend_cooldown": (2, True),
    "sends_per_window": (3, False),
    "send_window": (4, True),
    "failures_per_hour": (5, False),
}
"""The one table of ``guard_limits`` keys: the C limit each sets."""


def _limit_value(key: str, value: object, seconds: bool) -> int:
    """A limit as the library's uint32: seconds rounded up, counts integers."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"guard_limits[{key!r}] must be a number, not {type(value).__name__}")
    if not seconds and not isinstance(value, int):
        raise InvalidArgumentError(f"guard_limits: {key} is a count and must be an integer, got {value!r}")
    if not math.isfinite(value) or value < 0:
        raise InvalidArgumentError(f"guard_limits: {key} must be 0 or more, got {value!r}")
    number = math.ceil(value)
    if number > 2**32 - 1:
        raise InvalidArgumentError(f"guard_limits: {key} is too large ({value!r})")
    return number


def _countries(value: object) -> str:
    if isinstance(value, str):
        return value
    try:
        items = list(value)  # type: ignore[call-overload]
    except TypeError:
        raise TypeError(
            f"allowed_countries must be a str or an iterable of str, not {type(value).__name__}"
        ) from None
    for item in items:
        if not isinstance(item, str):
            raise TypeError(f"allowed_countries items must be str, not {type(item).__name__}")
        if "," in item or not item.strip():
            raise InvalidArgumentError(f"allowed_countries: {item!r} is not a calling code")
    return ",".join(items)


_ANSWERS = frozenset({Status.OK, Status.ERR_OTP_INCORRECT, Status.ERR_OTP_EXPIRED, Status.ERR_TOO_MANY_ATTEMPTS})
"""What ``verify_otp`` returns rather than raises: the gateway's (or the
guard's) answer about the code itself."""


class Client:
    """A client of the iSMS 2FA gateway.

    ``Client(username, password, *, endpoint=None, timeout=None, ca_file=None,
    proxy=None)``: ``timeout`` in seconds (default 30) is the whole-call
    deadline; ``ca_file`` adds trust anchors (PEM); ``proxy`` is an
    ``http://`` or ``socks5://`` URL, ``""`` for a direct connection, None to
    follow the environment (HTTPS_PROXY, ALL_PROXY, NO_PROXY) as curl does.

    The guard: ``guard`` is a store URL (``"memory:"``, ``"sqlite:PATH"``,
    ``"redis://..."``), None for off; ``guard_limits`` a dict with keys
    ``code_attempts``, ``code_lifetime``, ``resend_cooldown``,
    ``sends_per_window``, ``send_window``, ``failures_per_hour`` (seconds
    rounded up; counts are integers; 0 turns a limit off);
    ``allowed_countries`` calling codes (an iterable, or one comma-separated
    string) that sends may go to.

    The password goes to the library and is not kept here. One client may be
    used from many threads; ``close()`` (or leaving a ``with`` block) waits
    for calls in progress, then frees it.
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
        # Calls take the plain lock (a C-level lock: the hot path); close()
        # waits on the condition built over it.
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._busy = 0
        self._handle: int | None = None
        self._username = username
        self._endpoint = endpoint
        # Nothing below may raise while the password is still a local of this
        # frame: a traceback keeps the frame, and error reporters that capture
        # locals would show it.
        # Only the refusal's class and text are kept: the exception object
        # itself would keep the frame that held the password.
        refusal: tuple[type[Exception], str] | None = None
        try:
            user = _text("username", username)
            secret = _text("password", password)
        except (TypeError, InvalidArgumentError) as e:
            refusal, user, secret = (type(e), str(e)), None, None
        del password
        handle = None
        if refusal is None:
            _log.sync_level()
            buffer = ctypes.create_string_buffer(secret or b"")
            del secret
            try:
                handle = _lib.lib().isms_client_new(user, buffer)
            finally:  # also when the library cannot be loaded
                ctypes.memset(buffer, 0, len(buffer))
                del buffer
        if refusal is not None:
            raise refusal[0](refusal[1])
        if not handle:
            raise InvalidArgumentError(self._last_error("username and password"))
        self._handle = handle
        try:
            if endpoint is not None:
                self._set("endpoint", _lib.lib().isms_client_set_endpoint, endpoint)
            if timeout is not None:
                self._set_status("timeout", _lib.lib().isms_client_set_timeout_ms(handle, _timeout_ms(timeout)))
            if ca_file is not None:
                self._set("ca_file", _lib.lib().isms_client_set_ca_file, str(ca_file))
            if proxy is not None:
                self._set("proxy", _lib.lib().isms_client_set_proxy, proxy)
            if guard_limits is not None:
                if not isinstance(guard_limits, dict):
                    raise TypeError(f"guard_limits must be a dict, not {type(guard_limits).__name__}")
                for key, value in guard_limits.items():
                    if key not in _GUARD_LIMITS:
                        raise InvalidArgumentError(
                            f"guard_limits: unknown key {key!r} (known: {', '.join(_GUARD_LIMITS)})"
                        )
                    limit, seconds = _GUARD_LIMITS[key]
                    number = _limit_value(key, value, seconds)
                    self._set_status("guard_limits", _lib.lib().isms_client_set_guard_limit(handle, limit, number))
            if guard is not None:
                self._set("guard", _lib.lib().isms_client_set_guard, guard)
            if allowed_countries is not None:
                self._set(
                    "allowed_countries",
                    _lib.lib().isms_client_set_allowed_countries,
                    _countries(allowed_countries),
                )
        except BaseException:
            self.close()
            raise

    # ---- settings (constructor only) ------------------------------------

    @staticmethod
    def _last_error(what: str) -> str:
        raw = _lib.lib().isms_last_error_message()
        return _str(raw) or f"{what}: refused"

    def _set(self, name: str, setter: Callable[[int, bytes | None], int], value: str) -> None:
        self._set_status(name, setter(self._handle, _text(name, value)))  # type: ignore[arg-type]

    def _set_status(self, name: str, status: int) -> None:
        if status != Status.OK:
            raise InvalidArgumentError(self._last_error(name))

    # ---- lifetime --------------------------------------------------------

    def close(self) -> None:
        """Frees the client, after any calls in progress on other threads
        have returned. Later calls raise InvalidArgumentError. Idempotent."""
        cond = getattr(self, "_cond", None)
        if cond is None:
            return
        with cond:
            handle, self._handle = self._handle, None
            while self._busy:
                cond.wait()
        if handle:
            _lib.lib().isms_client_free(handle)

    @property
    def closed(self) -> bool:
        return self._handle is None

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: the library may be gone
            pass

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        endpoint = self._endpoint or "default endpoint"
        return f"<isms.Client username={self._username!r} {endpoint} {state}>"

    def __getstate__(self) -> None:
        raise TypeError("isms.Client cannot be pickled or copied")

    def __copy__(self) -> None:
        raise TypeError("isms.Client cannot be copied")

    def __deepcopy__(self, memo: object) -> None:
        raise TypeError("isms.Client cannot be copied")

    # ---- the three calls ---------------------------------------------------

    def _call(
        self,
        make: Callable[[int], Any],
        free: Callable[[Any], None],
        read: Callable[[Any], _T],
    ) -> _T:
        """Runs one C call with the client held open, reads the result, frees it once."""
        with self._lock:
            handle = self._handle
            if handle is None:
                raise InvalidArgumentError("client: the client is closed")
            self._busy += 1
        try:
            result = make(handle)
        finally:
            with self._lock:
                self._busy -= 1
                if not self._busy and self._handle is None:
                    self._cond.notify_all()  # close() is waiting
        try:
            return read(result.contents)
        finally:
            free(result)

    def send_otp(
        self,
        mobile: str,
        country_code: str,
        message: str,
        *,
        type: MessageType | int = MessageType.AUTO,
        sender_id: str | None = None,
    ) -> SendResult:
        """Asks the gateway to text a new code; ``message`` must contain ``%OTP%``.

        Raises an IsmsError subclass on any failure. A send that failed after
        the request may have reached the gateway is never repeated.
        """
        args = [_text("mobile", mobile), _text("country_code", country_code), _text("message", message)]
        kind = _integer("type", type, _INT32)
        sender = _text("sender_id", sender_id, optional=True)
        lib = _lib.lib()

        def read(r: _lib.SendResult) -> SendResult:
            if r.status != Status.OK:
                raise _error(r)
            return SendResult(
                uuid=_str(r.uuid) or "",
                sms_id=_str(r.sms_id) or "",
                mobile=_str(r.mobile),
                code=_str(r.code),
                http_status=r.http_status,
            )

        return self._call(
            lambda h: lib.isms_send_otp(h, *args, kind, sender),
            lib.isms_send_result_free,
            read,
        )

    def verify_otp(
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
        """Checks the code the user typed against the send with ``sms_id`` and ``uuid``.

        ``interval`` (minutes, 1 to 1440) makes an older code expire. A wrong,
        expired or locked code returns ``verified=False``; anything else that
        fails raises.
        """
        args = [
            _text("mobile", mobile), _text("country_code", country_code), _text("code", code),
            _text("sms_id", sms_id), _text("uuid", uuid),
        ]
        minutes = 0 if interval is None else _integer("interval", interval, _UINT32)
        sender = _text("sender_id", sender_id, optional=True)
        lib = _lib.lib()

        def read(r: _lib.VerifyResult) -> VerifyResult:
            if r.status not in _ANSWERS:
                raise _error(r)
            return VerifyResult(
                verified=r.status == Status.OK,
                status=Status(r.status),
                message=_str(r.message),
                uuid=_str(r.uuid),
                sms_id=_str(r.sms_id),
                mobile=_str(r.mobile),
                http_status=r.http_status,
                attempts_left=None if r.attempts_left < 0 else r.attempts_left,
                retry_after=float(r.retry_after_s),
            )

        return self._call(
            lambda h: lib.isms_verify_otp(h, *args, minutes, sender),
            lib.isms_verify_result_free,
            read,
        )

    def balance(self) -> Balance:
        """The account's credit and its expiry date."""
        lib = _lib.lib()

        def read(r: _lib.BalanceResult) -> Balance:
            if r.status != Status.OK:
                raise _error(r)
            iso = _str(r.expiration_iso)
            return Balance(
                balance=r.balance,
                balance_text=_str(r.balance_text) or "",
                expiration=_str(r.expiration),
                expiration_date=datetime.date.fromisoformat(iso) if iso else None,
                http_status=r.http_status,
            )

        return self._call(lib.isms_balance, lib.isms_balance_result_free, read)

