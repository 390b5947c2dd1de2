<?php

declare(strict_types=1);

namespace Isms;

/**
 * The gateway's answer to a code: verified, or wrong, or expired.
 *
 * Client::verifyOtp returns this only for those three answers; every other
 * failure is thrown as an IsmsException. The gateway documents no limit on
 * attempts: limit tries per code (and per phone) in the application.
 */
final readonly class VerifyResult
{
    /**
     * @param bool        $verified   true exactly when the gateway said "Verified"
     * @param Status      $status     Status::Ok, Status::OtpIncorrect or Status::OtpExpired
     * @param string|null $message    null when verified, else the reason (the gateway's words inside)
     * @param int         $httpStatus the HTTP status of the reply (200)
     * @param string|null $uuid       as returned by the gateway
     * @param string|null $smsId      as returned by the gateway
     * @param string|null $mobile     as returned by the gateway, in its international format
     */
    public function __construct(
        public bool $verified,
        public Status $status,
        public ?string $message,
        public int $httpStatus,
        public ?string $uuid,
        public ?string $smsId,
        public ?string $mobile,
    ) {
    }
}
