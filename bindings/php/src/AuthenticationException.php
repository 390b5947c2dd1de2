<?php

declare(strict_types=1);

namespace Isms;

/**
 * Status::Auth: the gateway refused the username or password (JSON reply or classic -1001).
 */
final class AuthenticationException extends IsmsException
{
}
