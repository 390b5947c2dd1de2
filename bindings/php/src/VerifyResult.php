<?php

declare(strict_types=1);

namespace Isms;

/**
 * The answer about a code: verified, or wrong, or expired, or locked (the
 * guard's TooManyAttempts).
 *
 * Client::verifyOtp returns this only for those answers; every other
 * failure is thrown as an IsmsException. With the guard on ('guard'
 * option), attemptsLeft counts the wrong attempts the code has left.
 */
final readonly class VerifyResult
{
    /**
     * @param bool        $verified   true exactly when the gateway said "Verified"
     * @param Status      $status     Status::Ok, OtpIncorrect, OtpExpired or TooManyAttempts
     * @param string|null $message    null when verified, else the reason (the gateway's words inside)
     * @param int         $httpStatus the HTTP status of the reply (200)
     * @param string|null $uuid       as returned by the gateway
     * @param string|null $smsId      as returned by the gateway
     * @param string|null $mobile     as returned by the gateway, in its international format
     * @param int|null    $attemptsLeft with the guard on, wrong attempts the code has left (0 once locked,
     *                                  used or expired); null with the guard off
     * @param int         $retryAfter seconds until a refused call may pass; else 0
     */
    public function __construct(
        public bool $verified,
        public Status $status,
        public ?string $message,
        public int $httpStatus,
        public ?string $uuid,
        public ?string $smsId,
        public ?string $mobile,
        public ?int $attemptsLeft = null,
        public int $retryAfter = 0,
    ) {
    }
}
