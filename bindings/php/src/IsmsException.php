<?php

declare(strict_types=1);

namespace Isms;

/**
 * A failed call: the gateway, the network or the library said no.
 *
 * Every failure is thrown as one of the final subclasses, one per non-OK
 * Status; catch this class to handle them all. The message is the library's
 * plain-words reason (the gateway's own words kept verbatim inside it) and
 * never contains the password.
 */
abstract class IsmsException extends \RuntimeException
{
    /** The status each subclass stands for: the one status-to-class table. */
    private const CLASSES = [
        InvalidArgumentException::class => Status::InvalidArgument,
        AuthenticationException::class => Status::Auth,
        InsufficientCreditException::class => Status::InsufficientCredit,
        OtpIncorrectException::class => Status::OtpIncorrect,
        OtpExpiredException::class => Status::OtpExpired,
        RejectedException::class => Status::Rejected,
        TimeoutException::class => Status::Timeout,
        ConnectException::class => Status::Connect,
        TlsException::class => Status::Tls,
        HttpStatusException::class => Status::HttpStatus,
        BadResponseException::class => Status::BadResponse,
        InternalException::class => Status::Internal,
        RateLimitedException::class => Status::RateLimited,
        TooManyAttemptsException::class => Status::TooManyAttempts,
        NotAllowedException::class => Status::NotAllowed,
        GuardStoreException::class => Status::GuardStore,
    ];

    /**
     * @param string      $message    why, in plain words
     * @param int         $httpStatus the HTTP status of the reply, 0 when none was received
     * @param string|null $uuid       the failed send's or verify's uuid, when the gateway gave one
     * @param string|null $smsId      its sms_id, likewise
     * @param string|null $mobile     the destination in the gateway's format, likewise
     * @param int         $retryAfter RateLimited: seconds until the call may pass; else 0
     */
    final public function __construct(
        string $message,
        private readonly int $httpStatus = 0,
        ?\Throwable $previous = null,
        private readonly ?string $uuid = null,
        private readonly ?string $smsId = null,
        private readonly ?string $mobile = null,
        protected readonly int $retryAfter = 0,
    ) {
        parent::__construct($message, 0, $previous);
    }

    /**
     * The exception for a non-OK status, with what the failed result carried.
     *
     * @throws \LogicException for Status::Ok, which is not a failure
     */
    public static function fromStatus(
        Status $status,
        string $message,
        int $httpStatus = 0,
        ?string $uuid = null,
        ?string $smsId = null,
        ?string $mobile = null,
        int $retryAfter = 0,
    ): self {
        $class = array_search($status, self::CLASSES, true);
        if ($class === false) {
            throw new \LogicException('Status::Ok is not a failure');
        }
        return new $class($message, $httpStatus, null, $uuid, $smsId, $mobile, $retryAfter);
    }

    /** The status this exception stands for. */
    public function getStatus(): Status
    {
        return self::CLASSES[static::class];
    }

    /** The HTTP status of the gateway's reply, 0 when no HTTP reply was received. */
    public function getHttpStatus(): int
    {
        return $this->httpStatus;
    }

    /** The uuid of a failed send or verify, as the gateway gave it; null when absent. */
    public function getUuid(): ?string
    {
        return $this->uuid;
    }

    /** The sms_id of a failed send or verify, as the gateway gave it; null when absent. */
    public function getSmsId(): ?string
    {
        return $this->smsId;
    }

    /** The destination of a failed send or verify, in the gateway's format; null when absent. */
    public function getMobile(): ?string
    {
        return $this->mobile;
    }
}
