<?php

declare(strict_types=1);

namespace Isms;

/**
 * Status::Internal: a bug in the library (a panic caught at its C boundary).
 */
final class InternalException extends IsmsException
{
}
