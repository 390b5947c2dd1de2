<?php

declare(strict_types=1);

namespace Isms;

/**
 * Status::HttpStatus: a non-2xx reply (redirects are never followed); getHttpStatus() says which.
 */
final class HttpStatusException extends IsmsException
{
}
