<?php

declare(strict_types=1);

namespace Isms;

use FFI\CData;

/**
 * A client for one iSMS account: send an OTP, verify it, read the balance.
 *
 *     $client = new Isms\Client($username, $password, ['timeout' => 5.0]);
 *     $sent = $client->sendOtp('012-345 6789', '60', 'Your code is %OTP%');
 *     // keep $sent->uuid and $sent->smsId in the session, server-side
 *     $check = $client->verifyOtp('012-345 6789', '60', $typed, $sent->smsId, $sent->uuid, 5);
 *     if ($check->verified) { ... }
 *
 * The password goes to the library and is dropped: no property holds it,
 * and it is a #[\SensitiveParameter], so no dump, trace or exception shows
 * it. Every argument is checked by the library before any byte goes to the
 * network; a refused one throws InvalidArgumentException naming it.
 *
 * Connections are kept alive and shared process-wide by the library, so a
 * client per request (PHP-FPM) costs about what one shared client costs.
 * The client is freed when the object is destroyed; it cannot be cloned or
 * serialized.
 */
final class Client
{
    /** The option keys the constructor knows, in the order they are applied. */
    private const OPTIONS = ['endpoint', 'timeout', 'ca_file', 'proxy', 'guard_limits', 'guard', 'allowed_countries', 'logger'];

    /**
     * The one table of 'guard_limits' keys: [IsmsGuardLimit value, whether it is seconds].
     */
    private const GUARD_LIMITS = [
        'code_attempts' => [0, false],
        'code_lifetime' => [1, true],
        'resend_cooldown' => [2, true],
        'sends_per_window' => [3, false],
        'send_window' => [4, true],
        'failures_per_hour' => [5, false],
    ];

    /** The largest uint32_t, the C type of the timeout (ms) and the interval. */
    private const UINT32_MAX = 0xFFFFFFFF;

    /** The 'logger' option: any object with a PSR-3 log($level, $message, array $context) method. */
    private ?object $logger = null;

    /** The library's IsmsClient; null only if the constructor never ran. */
    private ?CData $handle = null;

    /**
     * @param string $username the iSMS API username (the sub-account, not the portal e-mail)
     * @param string $password the API password: passed to the library, never kept here
     * @param array{endpoint?: ?string, timeout?: int|float, ca_file?: ?string, proxy?: ?string, guard?: ?string, guard_limits?: array<string, int|float>, allowed_countries?: string|list<string>|null} $options
     *        'endpoint': full URL of the gateway (default https://www.isms.com.my/2FA/request.php);
     *        'timeout': whole-call deadline in seconds (default 30);
     *        'ca_file': a PEM bundle of extra trust anchors (e.g. a private CA);
     *        'proxy': http:// or socks5:// proxy URL, '' for a direct connection
     *        (default: HTTPS_PROXY, ALL_PROXY and NO_PROXY, as curl reads them);
     *        'guard': the guard's store ('memory:', 'sqlite:PATH', 'redis://...'), null for off;
     *        'guard_limits': code_attempts, code_lifetime, resend_cooldown, sends_per_window,
     *        send_window, failures_per_hour (seconds rounded up; counts are integers; 0 = off);
     *        'allowed_countries': calling codes sends may go to (an array, or one comma-separated string);
     *        'logger': any PSR-3 style object (log($level, $message, array $context)): one line per
     *        call, written from PHP (operation, masked number, status, HTTP status, ms), never a secret.
     *        Sensitive: a proxy URL may carry credentials.
     *
     * @throws InvalidArgumentException naming the argument or setting that was refused, and why
     * @throws LibraryException when libisms cannot be loaded
     */
    public function __construct(
        private readonly string $username,
        #[\SensitiveParameter] string $password,
        #[\SensitiveParameter] array $options = [],
    ) {
        $unknown = array_diff(array_map('strval', array_keys($options)), self::OPTIONS);
        if ($unknown !== []) {
            throw new InvalidArgumentException(sprintf(
                'options: unknown key%s "%s" (known: %s)',
                count($unknown) > 1 ? 's' : '',
                implode('", "', $unknown),
                implode(', ', self::OPTIONS),
            ));
        }
        $ffi = Library::ffi();
        $handle = $ffi->isms_client_new(self::text('username', $username), self::text('password', $password));
        if ($handle === null) {
            throw new InvalidArgumentException(self::lastError('username or password refused'));
        }
        $this->handle = $handle;
        try {
            $this->configure($options);
        } catch (\Throwable $e) {
            // A constructor that throws gets no __destruct: free the client here.
            $this->free();
            throw $e;
        }
    }

    /** Frees the library's client and zeroes its copies of the credentials. */
    public function __destruct()
    {
        $this->free();
    }

    /**
     * Asks the gateway to generate a 6-digit code, put it in place of %OTP%
     * in $message and text it to the phone.
     *
     * A send is never repeated by the library once it may have reached the
     * gateway: calling this again sends (and bills) a second SMS.
     *
     * @param string             $mobile      the phone number; spaces, - . ( ) and a trunk 0 are ignored
     * @param string             $countryCode e.g. "60" (a leading + or 00 is allowed)
     * @param string             $message     the text, with %OTP% where the code goes (at most 700 characters)
     * @param MessageType|int    $type        Auto picks Ascii or Unicode; an int is passed as is and checked by the library
     * @param string|null        $senderId    1 to 11 letters and digits; null or '' for none
     *
     * @throws IsmsException on any failure (InvalidArgumentException names the argument)
     */
    public function sendOtp(
        string $mobile,
        string $countryCode,
        string $message,
        MessageType|int $type = MessageType::Auto,
        ?string $senderId = null,
    ): SendResult {
        $started = hrtime(true);
        $result = self::copy(
            Library::ffi()->isms_send_otp(
                $this->handle,
                self::text('mobile', $mobile),
                self::text('country_code', $countryCode),
                self::text('message', $message),
                self::int32('type', $type instanceof MessageType ? $type->value : $type),
                self::text('sender_id', $senderId),
            ),
            'isms_send_result_free',
            'uuid',
            'sms_id',
            'mobile',
            'code',
            'retry_after_s',
        );
        $this->log('send', $countryCode, $mobile, $result, $started);
        self::status($result);
        return new SendResult($result['uuid'], $result['sms_id'], $result['mobile'], $result['code'], $result['http_status']);
    }

    /**
     * Checks the code the user typed against the one sent for $smsId and
     * $uuid (both from the SendResult) to the same $mobile / $countryCode.
     *
     * A wrong, expired or locked code is an answer, not a failure: it gives
     * `verified === false` with `status` Status::OtpIncorrect,
     * Status::OtpExpired or Status::TooManyAttempts. The gateway documents
     * no attempt limit: turn the guard on ('guard' option) or limit tries in
     * the application.
     *
     * @param string      $code     the code the user typed (4 to 8 digits, spaces ignored)
     * @param int|null    $interval minutes the code stays valid (1 to 1440); null or 0: not sent, no expiry
     * @param string|null $senderId null or '' for none
     *
     * @throws IsmsException on any other failure (InvalidArgumentException names the argument)
     */
    public function verifyOtp(
        string $mobile,
        string $countryCode,
        #[\SensitiveParameter] string $code,
        string $smsId,
        string $uuid,
        ?int $interval = null,
        ?string $senderId = null,
    ): VerifyResult {
        $started = hrtime(true);
        $result = self::copy(
            Library::ffi()->isms_verify_otp(
                $this->handle,
                self::text('mobile', $mobile),
                self::text('country_code', $countryCode),
                self::text('code', $code),
                self::text('sms_id', $smsId),
                self::text('uuid', $uuid),
                self::uint32('interval', $interval ?? 0),
                self::text('sender_id', $senderId),
            ),
            'isms_verify_result_free',
            'uuid',
            'sms_id',
            'mobile',
            'retry_after_s',
            'attempts_left',
        );
        $this->log('verify', $countryCode, $mobile, $result, $started);
        $status = self::status($result, Status::OtpIncorrect, Status::OtpExpired, Status::TooManyAttempts);
        return new VerifyResult(
            $status === Status::Ok,
            $status,
            $result['message'],
            $result['http_status'],
            $result['uuid'],
            $result['sms_id'],
            $result['mobile'],
            $result['attempts_left'] < 0 ? null : $result['attempts_left'],
            $result['retry_after_s'],
        );
    }

    /**
     * The account's credit and its expiry date.
     *
     * @throws IsmsException on any failure
     */
    public function balance(): Balance
    {
        $started = hrtime(true);
        $result = self::copy(
            Library::ffi()->isms_balance($this->handle),
            'isms_balance_result_free',
            'balance',
            'balance_text',
            'expiration',
            'expiration_iso',
        );
        $this->log('balance', null, null, $result, $started);
        self::status($result);
        return new Balance(
            $result['balance'],
            $result['balance_text'],
            $result['expiration'],
            $result['expiration_iso'],
            $result['http_status'],
        );
    }

    /** @return array<string, mixed> what var_dump() and print_r() show: no secret */
    public function __debugInfo(): array
    {
        return ['username' => $this->username, 'open' => $this->handle !== null];
    }

    /** Not serializable: the client lives in the library, not in PHP values. */
    public function __serialize(): array
    {
        throw new \LogicException(self::class . ' cannot be serialized');
    }

    /** @param array<mixed> $data */
    public function __unserialize(array $data): void
    {
        throw new \LogicException(self::class . ' cannot be unserialized');
    }

    /** Not clonable: two objects would free one library client twice. */
    private function __clone()
    {
    }

    /**
     * Applies the options, in the order of OPTIONS.
     *
     * @param array<string, mixed> $options
     * @throws InvalidArgumentException naming the setting and the reason
     */
    private function configure(#[\SensitiveParameter] array $options): void
    {
        $ffi = Library::ffi();
        foreach (self::OPTIONS as $name) {
            if (!array_key_exists($name, $options)) {
                continue;
            }
            $value = $options[$name];
            if ($name === 'logger') {
                if ($value !== null && (!is_object($value) || !method_exists($value, 'log'))) {
                    throw new InvalidArgumentException('logger: expected an object with a PSR-3 log($level, $message, array $context) method, got ' . get_debug_type($value));
                }
                $this->logger = $value;
                continue;
            }
            $status = match ($name) {
                'timeout' => $ffi->isms_client_set_timeout_ms($this->handle, self::milliseconds($value)),
                'endpoint' => $ffi->isms_client_set_endpoint($this->handle, self::option($name, $value)),
                'ca_file' => $ffi->isms_client_set_ca_file($this->handle, self::option($name, $value)),
                'proxy' => $ffi->isms_client_set_proxy($this->handle, self::option($name, $value)),
                'guard' => $ffi->isms_client_set_guard($this->handle, self::option($name, $value)),
                'allowed_countries' => $ffi->isms_client_set_allowed_countries($this->handle, self::countries($value)),
                'guard_limits' => $this->setGuardLimits($value),
            };
            if ($status !== Status::Ok->value) {
                throw new InvalidArgumentException(self::lastError("$name: refused"));
            }
        }
    }

    /** Applies 'guard_limits'; returns the first refusal's status, else Ok. */
    private function setGuardLimits(mixed $limits): int
    {
        if (!is_array($limits)) {
            throw new InvalidArgumentException('guard_limits: expected an array, got ' . get_debug_type($limits));
        }
        foreach ($limits as $key => $value) {
            if (!array_key_exists((string) $key, self::GUARD_LIMITS)) {
                throw new InvalidArgumentException(sprintf(
                    'guard_limits: unknown key "%s" (known: %s)',
                    $key,
                    implode(', ', array_keys(self::GUARD_LIMITS)),
                ));
            }
            [$limit, $seconds] = self::GUARD_LIMITS[$key];
            if (!is_int($value) && !($seconds && is_float($value))) {
                throw new InvalidArgumentException(sprintf(
                    'guard_limits: %s must be %s, got %s',
                    $key,
                    $seconds ? 'a number of seconds' : 'an integer count',
                    get_debug_type($value),
                ));
            }
            if ((is_float($value) && !is_finite($value)) || $value < 0 || ceil($value) > self::UINT32_MAX) {
                throw new InvalidArgumentException("guard_limits: $key must be 0 to " . self::UINT32_MAX . ", got $value");
            }
            $status = Library::ffi()->isms_client_set_guard_limit($this->handle, $limit, (int) ceil($value));
            if ($status !== Status::Ok->value) {
                return $status;
            }
        }
        return Status::Ok->value;
    }

    /** 'allowed_countries' as the library's comma-separated list. */
    private static function countries(mixed $value): ?string
    {
        if ($value === null || is_string($value)) {
            return self::text('allowed_countries', $value);
        }
        if (!is_array($value)) {
            throw new InvalidArgumentException('allowed_countries: expected a string or an array of strings, got ' . get_debug_type($value));
        }
        foreach ($value as $item) {
            if (!is_string($item) || str_contains($item, ',') || trim($item) === '') {
                throw new InvalidArgumentException('allowed_countries: ' . var_export($item, true) . ' is not a calling code');
            }
        }
        return self::text('allowed_countries', implode(',', $value));
    }

    /**
     * One line for the 'logger' option: operation, masked number, status
     * name, HTTP status, milliseconds; PSR-3 level error for Internal, else
     * info. Built from those values only, never from a message or a reply.
     *
     * @param array<string, mixed> $result from copy()
     */
    private function log(string $operation, ?string $countryCode, ?string $mobile, #[\SensitiveParameter] array $result, int $started): void
    {
        if ($this->logger === null) {
            return;
        }
        $ms = intdiv(hrtime(true) - $started, 1_000_000);
        $status = Status::tryFrom($result['status']) ?? Status::Internal;
        $name = $status->cName();
        $number = $countryCode === null || $mobile === null ? '-' : self::maskNumber($countryCode, $mobile);
        $this->logger->log(
            $status === Status::Internal ? 'error' : 'info',
            sprintf('%s %s %s http=%d ms=%d', $operation, $number, $name, $result['http_status'], $ms),
            ['operation' => $operation, 'status' => $name, 'http_status' => $result['http_status'], 'ms' => $ms],
        );
    }

    /**
     * A number as the library's log masks it: +CC, the first two and last
     * three digits of the mobile, a * for every other digit (+6012****789);
     * five digits or fewer keep only the last two. The mobile is read as the
     * input rule reads it (separators, a leading +CC or 00CC, one trunk 0).
     *
     * @internal public for the tests
     */
    public static function maskNumber(string $countryCode, #[\SensitiveParameter] string $mobile): string
    {
        $cc = preg_replace('/^(\+|00)/', '', $countryCode) ?? '';
        $digits = preg_replace('/[ \-.()]/', '', $mobile) ?? '';
        foreach (['+' . $cc, '00' . $cc] as $prefix) {
            if ($cc !== '' && str_starts_with($digits, $prefix)) {
                $digits = substr($digits, strlen($prefix));
                break;
            }
        }
        if (str_starts_with($digits, '0')) {
            $digits = substr($digits, 1);
        }
        $digits = preg_replace('/\D/', '', $digits) ?? '';
        $n = strlen($digits);
        [$head, $tail] = $n > 5 ? [2, 3] : [0, min(2, $n)];
        return '+' . $cc . substr($digits, 0, $head) . str_repeat('*', $n - $head - $tail) . ($tail > 0 ? substr($digits, -$tail) : '');
    }

    private function free(): void
    {
        if ($this->handle !== null) {
            Library::ffi()->isms_client_free($this->handle);
            $this->handle = null;
        }
    }

    /**
     * Copies a result struct's status, http_status, message and $fields into
     * PHP values, then frees it: exactly once, also if copying fails.
     *
     * The struct is a #[\SensitiveParameter] so that no stack trace keeps a
     * pointer to it: dumping one after the free would read freed memory.
     *
     * @param CData  $result a result pointer from isms_send_otp, isms_verify_otp or isms_balance
     * @param string $free   its _free function
     * @return array<string, mixed> field name => value (strings, ints, floats, nulls)
     */
    private static function copy(#[\SensitiveParameter] CData $result, string $free, string ...$fields): array
    {
        try {
            // Plain reads: `??` or isset() would fetch a char * as CData, not as a string.
            $copy = ['status' => $result->status, 'http_status' => $result->http_status, 'message' => $result->message];
            foreach ($fields as $field) {
                $copy[$field] = $result->{$field};
            }
            return $copy;
        } finally {
            Library::ffi()->{$free}($result);
        }
    }

    /**
     * The status of a copied result; throws for any status but Ok and
     * $answers. Called once the struct is freed, from frames that hold no C
     * data, so that the exception's trace holds none either.
     *
     * @param array<string, mixed> $result from copy(); sensitive: a send's holds the OTP code
     * @throws IsmsException for a failure
     */
    private static function status(#[\SensitiveParameter] array $result, Status ...$answers): Status
    {
        $status = Status::tryFrom($result['status']);
        if ($status === Status::Ok || in_array($status, $answers, true)) {
            return $status;
        }
        $message = $result['message'] ?? 'no reason given';
        if ($status === null) {
            [$status, $message] = [Status::Internal, "unknown status {$result['status']}: $message"];
        }
        throw IsmsException::fromStatus(
            $status,
            $message,
            $result['http_status'],
            $result['uuid'] ?? null,
            $result['sms_id'] ?? null,
            $result['mobile'] ?? null,
            $result['retry_after_s'] ?? 0,
        );
    }

    /**
     * A string argument as C will read it: refused when it holds a NUL byte,
     * which would silently cut it short.
     *
     * @template S of ?string
     * @param S $value
     * @return S
     */
    private static function text(string $name, #[\SensitiveParameter] ?string $value): ?string
    {
        if ($value !== null && str_contains($value, "\0")) {
            throw new InvalidArgumentException("$name: must not contain a NUL byte");
        }
        return $value;
    }

    /** A string-or-null option. */
    private static function option(string $name, #[\SensitiveParameter] mixed $value): ?string
    {
        if ($value !== null && !is_string($value)) {
            throw new InvalidArgumentException("$name: expected a string or null, got " . get_debug_type($value));
        }
        return self::text($name, $value);
    }

    /**
     * The 'timeout' option, seconds, as the library's whole milliseconds: the
     * rule the Python package follows too (cases: tests/cases/timeouts.json).
     * Rounded up, at least 1; 0, negative, non-finite and over UINT32_MAX ms
     * are refused.
     *
     * @internal public for the shared test cases only
     * @throws InvalidArgumentException naming the timeout
     */
    public static function milliseconds(mixed $seconds): int
    {
        if (!is_int($seconds) && !is_float($seconds)) {
            throw new InvalidArgumentException('timeout: expected seconds as an int or float, got ' . get_debug_type($seconds));
        }
        if (is_float($seconds) && !is_finite($seconds)) {
            throw new InvalidArgumentException("timeout: $seconds is not a finite number of seconds");
        }
        if ($seconds <= 0) {
            throw new InvalidArgumentException("timeout: must be more than 0 seconds, got $seconds");
        }
        // Rounded up, once float noise is taken off (2.007 * 1000 is
        // 2006.9999999999998); a positive timeout never becomes 0.
        $ms = max(1.0, ceil(round($seconds * 1000, 3)));
        if ($ms > self::UINT32_MAX) {
            throw new InvalidArgumentException(
                "timeout: $seconds s is too long (at most " . (self::UINT32_MAX / 1000) . ' s)',
            );
        }
        return (int) $ms;
    }

    /** An int for a uint32_t parameter, refused when it does not fit. */
    private static function uint32(string $name, int $value): int
    {
        if ($value < 0 || $value > self::UINT32_MAX) {
            throw new InvalidArgumentException("$name: $value is out of range");
        }
        return $value;
    }

    /** An int for an int32_t parameter, refused when it does not fit. */
    private static function int32(string $name, int $value): int
    {
        if ($value < -0x80000000 || $value > 0x7FFFFFFF) {
            throw new InvalidArgumentException("$name: $value is out of range");
        }
        return $value;
    }

    /** The library's reason for the last refused isms_client_new / isms_client_set_*. */
    private static function lastError(string $fallback): string
    {
        return Library::ffi()->isms_last_error_message() ?? $fallback;
    }
}
