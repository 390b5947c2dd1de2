<?php

declare(strict_types=1);

namespace Isms;

/**
 * Status::Connect: DNS failure, connection refused or reset, or a proxy failure.
 */
final class ConnectException extends IsmsException
{
}
