<?php

declare(strict_types=1);

namespace Isms;

/**
 * Status::OtpExpired: the code is past its interval. Client::verifyOtp returns it as a VerifyResult instead of throwing.
 */
final class OtpExpiredException extends IsmsException
{
}
