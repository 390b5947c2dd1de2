<?php

declare(strict_types=1);

namespace Isms;

/**
 * Status::InsufficientCredit: the account is out of credit (classic -1004 or a JSON message about credit).
 */
final class InsufficientCreditException extends IsmsException
{
}
