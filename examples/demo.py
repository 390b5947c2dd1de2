"""The OTP login flow in Python: send a code, read the SMS (here: the
sandbox's outbox, as a person reads their phone), verify a wrong code, verify
the right one, check the balance.

Run it with `make demo`, which starts the local sandbox gateway and sets
ISMS_ENDPOINT, ISMS_CA_FILE, ISMS_USERNAME, ISMS_PASSWORD and ISMS_OUTBOX.
Without ISMS_ENDPOINT it would talk to the real gateway.
"""

import json
import os
import sys

import isms

MOBILE, COUNTRY = "012-345 6789", "60"


def read_code_from_phone(outbox: str) -> str:
    """The code in the last SMS of the outbox file (one JSON object per line)."""
    with open(outbox, encoding="utf-8") as f:
        return json.loads(f.read().splitlines()[-1])["code"]


def main() -> int:
    print(f"isms (Python) over libisms {isms.library_version()}")
    client = isms.Client(
        os.environ.get("ISMS_USERNAME", "demo"),
        os.environ.get("ISMS_PASSWORD", "demo-secret"),
        endpoint=os.environ.get("ISMS_ENDPOINT"),
        ca_file=os.environ.get("ISMS_CA_FILE"),
        timeout=10,
    )
    with client:
        # 1. Send. Keep uuid, sms_id (and code) on the server, never in the page.
        sent = client.send_otp(MOBILE, COUNTRY, "Your demo login code is %OTP%. It expires in 5 minutes.")
        print(f"1. sent an OTP to {sent.mobile} (sms_id {sent.sms_id}, uuid {sent.uuid})")

        # 2. The user reads the SMS on their phone.
        typed = read_code_from_phone(os.environ.get("ISMS_OUTBOX", "outbox.jsonl"))
        print(f"2. the phone shows the code {typed}")

        # 3. A wrong code is refused: verified is False, no exception.
        wrong = "111111" if typed == "000000" else "000000"
        check = client.verify_otp(MOBILE, COUNTRY, wrong, sent.sms_id, sent.uuid, interval=5)
        print(f"3. verify {wrong} -> verified={check.verified} {check.status.name} ({check.message})")
        if check.verified or check.status is not isms.Status.ERR_OTP_INCORRECT:
            return 1

        # 4. The right code is accepted.
        check = client.verify_otp(MOBILE, COUNTRY, typed, sent.sms_id, sent.uuid, interval=5)
        print(f"4. verify {typed} -> verified={check.verified}")
        if not check.verified:
            return 1

        # 5. What is left on the account.
        balance = client.balance()
        print(f"5. balance: {balance.balance:.1f} credits, expiring {balance.expiration} ({balance.expiration_date})")

    # 6. The guard: limits that make the login form safe by configuration.
    with isms.Client(
        os.environ.get("ISMS_USERNAME", "demo"),
        os.environ.get("ISMS_PASSWORD", "demo-secret"),
        endpoint=os.environ.get("ISMS_ENDPOINT"),
        ca_file=os.environ.get("ISMS_CA_FILE"),
        guard="memory:",
        guard_limits={"code_attempts": 3},
    ) as guarded:
        number = "012-345 6790"
        sent = guarded.send_otp(number, COUNTRY, "Your demo login code is %OTP%.")
        try:
            guarded.send_otp(number, COUNTRY, "Your demo login code is %OTP%.")
            print("6. guard: a quick resend was NOT refused")
            return 1
        except isms.RateLimitedError as e:
            print(f"6. guard: a resend at once is refused, nothing sent: retry in {e.retry_after:.0f} s")
        assert sent.code is not None
        wrong = "111111" if sent.code == "000000" else "000000"
        for _ in range(3):
            check = guarded.verify_otp(number, COUNTRY, wrong, sent.sms_id, sent.uuid)
            print(f"   guard: wrong code -> {check.status}, {check.attempts_left} attempts left")
        check = guarded.verify_otp(number, COUNTRY, sent.code, sent.sms_id, sent.uuid)
        print(f"   guard: now even the right code -> verified={check.verified} {check.status} (locked)")
        if check.verified or check.status is not isms.Status.ERR_TOO_MANY_ATTEMPTS:
            return 1
    print("demo: the whole flow worked")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except isms.IsmsError as e:
        print(f"demo failed: {e.status.name}: {e}", file=sys.stderr)
        sys.exit(1)
