<?php

declare(strict_types=1);

namespace Isms;

/**
 * libisms could not be loaded: the FFI extension is missing or restricted,
 * or no library was found in any of the places the message lists. A setup
 * problem, not a failed call, so it is not an IsmsException.
 */
final class LibraryException extends \RuntimeException
{
}
