"""Statuses, message types and the exception for each non-OK status."""

from __future__ import annotations

import builtins
import enum


class Status(enum.IntEnum):
    """The outcome of a call: the C ``IsmsStatus`` values, names without ``ISMS_``."""

    OK = 0
    ERR_INVALID_ARGUMENT = 1
    ERR_AUTH = 2
    ERR_INSUFFICIENT_CREDIT = 3
    ERR_OTP_INCORRECT = 4
    ERR_OTP_EXPIRED = 5
    ERR_REJECTED = 6
    ERR_TIMEOUT = 7
    ERR_CONNECT = 8
    ERR_TLS = 9
    ERR_HTTP_STATUS = 10
    ERR_BAD_RESPONSE = 11
    ERR_INTERNAL = 12
    ERR_RATE_LIMITED = 13
    ERR_TOO_MANY_ATTEMPTS = 14
    ERR_NOT_ALLOWED = 15
    ERR_GUARD_STORE = 16

    def __str__(self) -> str:
        """The C name, as ``isms_status_name`` gives it: ``ISMS_ERR_AUTH``."""
        return "ISMS_" + self.name

    def __format__(self, spec: str) -> str:
        """The C name, like ``str()``; a number format (``d``, ``x``...) gives the value."""
        if spec and spec[-1] in _NUMBER_FORMATS:
            return format(int(self), spec)
        return format(str(self), spec)


_NUMBER_FORMATS = frozenset("bcdoxXneEfFgG%")


class MessageType(enum.IntEnum):
    """How the gateway sends the text: ``AUTO`` picks ASCII when it can."""

    AUTO = 0
    ASCII = 1
    UNICODE = 2


class IsmsError(Exception):
    """A call failed. ``status`` says why; ``message`` says it in plain words.

    ``http_status`` is 0 when no HTTP reply was received. A send or verify
    the gateway answered ``Failed`` may carry its ``uuid``, ``sms_id`` and
    ``mobile``. The text never contains the password.
    """

    status: Status = Status.ERR_INTERNAL

    def __init__(
        self,
        message: str,
        *,
        http_status: int = 0,
        uuid: str | None = None,
        sms_id: str | None = None,
        mobile: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.http_status = http_status
        self.uuid = uuid
        self.sms_id = sms_id
        self.mobile = mobile

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status={self.status.name}, http_status={self.http_status})"

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (
            _rebuild,
            (type(self), self.message, self.http_status, self.uuid, self.sms_id, self.mobile),
        )


def _rebuild(cls, message, http_status, uuid, sms_id, mobile):  # type: ignore[no-untyped-def]
    return cls(message, http_status=http_status, uuid=uuid, sms_id=sms_id, mobile=mobile)


class InvalidArgumentError(IsmsError):
    """Refused before any byte went to the network; the message names the argument."""


class AuthenticationError(IsmsError):
    """The gateway refused the username or password."""


class InsufficientCreditError(IsmsError):
    """The account is out of credit."""


class OtpIncorrectError(IsmsError):
    """The code does not match (``verify_otp`` returns this as ``verified=False``)."""


class OtpExpiredError(IsmsError):
    """The code is past its interval (``verify_otp`` returns this as ``verified=False``)."""


class RejectedError(IsmsError):
    """The gateway said Failed for another reason; the message says which."""


class TimeoutError(IsmsError, builtins.TimeoutError):
    """No complete reply within the client's timeout."""


class ConnectError(IsmsError, builtins.ConnectionError):
    """DNS failure, connection refused or reset, or a proxy failure."""


class TlsError(IsmsError):
    """The TLS handshake or the certificate check failed."""


class HttpStatusError(IsmsError):
    """A reply that is not 2xx (redirects are never followed); see ``http_status``."""


class BadResponseError(IsmsError):
    """A reply that is not the documented JSON, too large, or missing fields."""


class InternalError(IsmsError):
    """A bug in the library (a panic caught at its boundary)."""


class RateLimitedError(IsmsError):
    """A guard limit refused the call; nothing was sent. ``retry_after`` says
    in how many seconds (a float) it may pass."""

    retry_after: float = 0.0


class TooManyAttemptsError(IsmsError):
    """The code took its allowed wrong attempts; send a new one
    (``verify_otp`` returns this as ``verified=False``)."""


class NotAllowedError(IsmsError):
    """The guard's policy refused it: a country not allowed, or a verify for
    another number (or sms_id) than the code was sent with; nothing was sent."""


class GuardStoreError(IsmsError):
    """The guard's store could not be read or written; nothing was sent."""


ERRORS: dict[Status, type[IsmsError]] = {
    Status.ERR_INVALID_ARGUMENT: InvalidArgumentError,
    Status.ERR_AUTH: AuthenticationError,
    Status.ERR_INSUFFICIENT_CREDIT: InsufficientCreditError,
    Status.ERR_OTP_INCORRECT: OtpIncorrectError,
    Status.ERR_OTP_EXPIRED: OtpExpiredError,
    Status.ERR_REJECTED: RejectedError,
    Status.ERR_TIMEOUT: TimeoutError,
    Status.ERR_CONNECT: ConnectError,
    Status.ERR_TLS: TlsError,
    Status.ERR_HTTP_STATUS: HttpStatusError,
    Status.ERR_BAD_RESPONSE: BadResponseError,
    Status.ERR_INTERNAL: InternalError,
    Status.ERR_RATE_LIMITED: RateLimitedError,
    Status.ERR_TOO_MANY_ATTEMPTS: TooManyAttemptsError,
    Status.ERR_NOT_ALLOWED: NotAllowedError,
    Status.ERR_GUARD_STORE: GuardStoreError,
}
"""The one status -> exception table: every non-OK status and its class.
Each class's ``status`` attribute is set from it."""

for _status, _error in ERRORS.items():
    _error.status = _status
del _status, _error
