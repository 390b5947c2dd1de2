<?php

declare(strict_types=1);

namespace Isms;

/**
 * The outcome of a call: the C library's IsmsStatus, value for value.
 *
 * Compare cases with `===` (or compare `->value`): `Status::Auth == 2` is
 * false, as it is for every backed enum.
 */
enum Status: int
{
    case Ok = 0;
    /** Refused before any byte went to the network. */
    case InvalidArgument = 1;
    /** Gateway: authentication failed (JSON or classic -1001). */
    case Auth = 2;
    /** Gateway: out of credit (classic -1004 or JSON message). */
    case InsufficientCredit = 3;
    /** Verify: the code does not match. */
    case OtpIncorrect = 4;
    /** Verify: the code is past its interval. */
    case OtpExpired = 5;
    /** The gateway said Failed for any other reason; the message says why. */
    case Rejected = 6;
    /** No complete reply within the client's timeout. */
    case Timeout = 7;
    /** DNS, refused, reset, proxy failure. */
    case Connect = 8;
    /** Handshake or certificate verification failed. */
    case Tls = 9;
    /** A non-2xx reply (redirects are never followed); the HTTP status says which. */
    case HttpStatus = 10;
    /** A reply that is not the documented JSON, too large, or missing fields. */
    case BadResponse = 11;
    /** A bug: a panic caught at the C boundary. */
    case Internal = 12;
    /** A guard limit refused the call; nothing was sent; the exception's getRetryAfter() says when. */
    case RateLimited = 13;
    /** Verify: this code took its allowed wrong attempts; send a new one. */
    case TooManyAttempts = 14;
    /** Policy refused it: a country not allowed, or a verify for another number (or sms_id); nothing was sent. */
    case NotAllowed = 15;
    /** The guard's store could not be read or written; nothing was sent. */
    case GuardStore = 16;

    /**
     * The C name of the status, e.g. "ISMS_ERR_AUTH" (from isms_status_name).
     */
    public function cName(): string
    {
        return Library::ffi()->isms_status_name($this->value);
    }
}
