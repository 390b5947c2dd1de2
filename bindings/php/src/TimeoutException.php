<?php

declare(strict_types=1);

namespace Isms;

/**
 * Status::Timeout: no complete reply within the client's timeout (the whole call, retries included).
 */
final class TimeoutException extends IsmsException
{
}
