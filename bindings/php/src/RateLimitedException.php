<?php

declare(strict_types=1);

namespace Isms;

/**
 * Status::RateLimited: a guard limit refused the call; nothing was sent. getRetryAfter() says in how many seconds it may pass.
 */
final class RateLimitedException extends IsmsException
{
    /** Seconds until the call may pass (at least 1). */
    public function getRetryAfter(): int
    {
        return $this->retryAfter;
    }
}
