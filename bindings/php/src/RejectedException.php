<?php

declare(strict_types=1);

namespace Isms;

/**
 * Status::Rejected: the gateway said Failed for another reason; the message carries its words.
 */
final class RejectedException extends IsmsException
{
}
