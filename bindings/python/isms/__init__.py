"""SMS one-time passwords (2FA) through the iSMS gateway, over libisms.

    import isms

    with isms.Client("api-user", "api-password") as client:
        sent = client.send_otp("012-345 6789", "60", "Your login code is %OTP%")
        # keep sent.uuid, sent.sms_id (and sent.code) on the server; later:
        check = client.verify_otp("012-345 6789", "60", typed_code,
                                  sent.sms_id, sent.uuid, interval=5)
        if check.verified:
            ...

Every check and decision is made by the library (libisms); this package maps
its results to Python values and its statuses to exceptions.
"""

from __future__ import annotations

from ._async import AsyncClient
from ._client import Client
from ._lib import LibraryNotFoundError
from ._results import Balance, SendResult, VerifyResult
from ._status import (
    AuthenticationError,
    BadResponseError,
    ConnectError,
    GuardStoreError,
    HttpStatusError,
    InsufficientCreditError,
    InternalError,
    InvalidArgumentError,
    IsmsError,
    MessageType,
    NotAllowedError,
    OtpExpiredError,
    OtpIncorrectError,
    RateLimitedError,
    RejectedError,
    Status,
    TimeoutError,
    TlsError,
    TooManyAttemptsError,
)

__version__ = "1.1.0"

__all__ = [
    "AsyncClient",
    "AuthenticationError",
    "Balance",
    "BadResponseError",
    "Client",
    "ConnectError",
    "GuardStoreError",
    "HttpStatusError",
    "InsufficientCreditError",
    "InternalError",
    "InvalidArgumentError",
    "IsmsError",
    "LibraryNotFoundError",
    "MessageType",
    "NotAllowedError",
    "OtpExpiredError",
    "OtpIncorrectError",
    "RateLimitedError",
    "RejectedError",
    "SendResult",
    "Status",
    "TimeoutError",
    "TlsError",
    "TooManyAttemptsError",
    "VerifyResult",
    "library_version",
]


def library_version() -> str:
    """The version of the loaded libisms (loads it if needed)."""
    from . import _lib

    return (_lib.lib().isms_version() or b"").decode("ascii", "replace")
