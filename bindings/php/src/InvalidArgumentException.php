<?php

declare(strict_types=1);

namespace Isms;

/**
 * Status::InvalidArgument: an argument or setting was refused before any byte went to the network; the message names it.
 */
final class InvalidArgumentException extends IsmsException
{
}
