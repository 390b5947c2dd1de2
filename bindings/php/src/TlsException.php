<?php

declare(strict_types=1);

namespace Isms;

/**
 * Status::Tls: the TLS handshake or certificate verification failed (never retried, never bypassed).
 */
final class TlsException extends IsmsException
{
}
