"""The results of the three calls: frozen dataclasses, no C pointers."""

from __future__ import annotations

import dataclasses
import datetime

from ._status import Status


@dataclasses.dataclass(frozen=True)
class SendResult:
    """A sent OTP. Keep ``uuid``, ``sms_id`` and ``code`` on the server: the
    code is the OTP itself (``repr`` leaves it out), and verifying needs the ids."""

    uuid: str
    sms_id: str
    mobile: str | None
    """The destination in the gateway's international format, e.g. ``+6012-3456789``."""
    code: str | None = dataclasses.field(repr=False)
    """The OTP the gateway generated: a secret, never show it to the end user."""
    http_status: int = 200


@dataclasses.dataclass(frozen=True)
class VerifyResult:
    """``verified`` is True exactly when the gateway said Verified; a wrong,
    expired or locked code gives False with ``status`` ``ERR_OTP_INCORRECT``,
    ``ERR_OTP_EXPIRED`` or ``ERR_TOO_MANY_ATTEMPTS`` and the reason in
    ``message``."""

    verified: bool
    status: Status
    message: str | None
    uuid: str | None
    sms_id: str | None
    mobile: str | None
    http_status: int
    attempts_left: int | None = None
    """With the guard on, the wrong attempts this code has left (0 once it is
    locked, used or expired); None with the guard off."""
    retry_after: float = 0.0
    """Seconds until a refused call may pass (only with a rate limit)."""


@dataclasses.dataclass(frozen=True)
class Balance:
    """The account's credit, and when it expires."""

    balance: float
    balance_text: str
    """As received, e.g. ``"81.0"``."""
    expiration: str | None
    """As received, e.g. ``"29 Apr 2025"``."""
    expiration_date: datetime.date | None
    """The expiration as a date, or None when it could not be read."""
    http_status: int = 200
