<?php

declare(strict_types=1);

namespace Isms;

/**
 * The account's credit and its expiry date.
 */
final readonly class Balance
{
    /**
     * @param float       $balance       credits left
     * @param string      $balanceText   the balance as received, e.g. "81.0"
     * @param string|null $expiration    the expiry date as received, e.g. "29 Apr 2025"
     * @param string|null $expirationIso the expiry date as "2025-04-29", null when it could not be parsed
     * @param int         $httpStatus    the HTTP status of the reply (200)
     */
    public function __construct(
        public float $balance,
        public string $balanceText,
        public ?string $expiration,
        public ?string $expirationIso,
        public int $httpStatus,
    ) {
    }
}
