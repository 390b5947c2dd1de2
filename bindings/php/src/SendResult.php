<?php

declare(strict_types=1);

namespace Isms;

/**
 * A sent OTP: what Client::verifyOtp needs later.
 *
 * Keep uuid, smsId and code on the server (in the session), never in a page
 * or a reply to the browser: `code` is the OTP itself, and anyone who sees
 * it can log in. var_dump() and print_r() show it masked; var_export() and
 * serialize() do not (store the object server-side only).
 */
final readonly class SendResult
{
    /**
     * @param string      $uuid       the gateway's id of this OTP
     * @param string      $smsId      the gateway's SMS id (digits)
     * @param string|null $mobile     the destination in the gateway's international format, e.g. "+6012-3456789"
     * @param string|null $code       the OTP the gateway generated and sent: a secret
     * @param int         $httpStatus the HTTP status of the reply (200)
     */
    public function __construct(
        public string $uuid,
        public string $smsId,
        public ?string $mobile,
        #[\SensitiveParameter] public ?string $code,
        public int $httpStatus,
    ) {
    }

    /** @return array<string, mixed> the fields, with the code masked */
    public function __debugInfo(): array
    {
        return [
            'uuid' => $this->uuid,
            'smsId' => $this->smsId,
            'mobile' => $this->mobile,
            'code' => $this->code === null ? null : '(hidden)',
            'httpStatus' => $this->httpStatus,
        ];
    }
}
