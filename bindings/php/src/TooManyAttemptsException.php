<?php

declare(strict_types=1);

namespace Isms;

/**
 * Status::TooManyAttempts: this code took its allowed wrong attempts; send a new one. Client::verifyOtp returns it as a VerifyResult instead of throwing.
 */
final class TooManyAttemptsException extends IsmsException
{}
