<?php

declare(strict_types=1);

namespace Isms;

/**
 * Status::OtpIncorrect: the code does not match. Client::verifyOtp returns it as a VerifyResult instead of throwing.
 */
final class OtpIncorrectException extends IsmsException
{
}
