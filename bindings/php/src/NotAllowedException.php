<?php

declare(strict_types=1);

namespace Isms;

/**
 * Status::NotAllowed: the guard's policy refused it (a country not allowed, or a verify for another number or sms_id than the code was sent with); nothing was sent.
 */
final class NotAllowedException extends IsmsException
{}
