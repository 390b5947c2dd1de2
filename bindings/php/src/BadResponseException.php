<?php

declare(strict_types=1);

namespace Isms;

/**
 * Status::BadResponse: a reply that is not the documented JSON, over 1 MiB, or missing fields.
 */
final class BadResponseException extends IsmsException
{
}
