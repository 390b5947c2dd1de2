<?php

declare(strict_types=1);

namespace Isms\Tests;

use Isms\GuardStoreException;
use Isms\InvalidArgumentException;
use Isms\NotAllowedException;
use Isms\RateLimitedException;
use Isms\SendResult;
use Isms\Status;
use Isms\Tests\Support\IsmsTestCase;
use Isms\Tests\Support\Sandbox;

/**
 * The guard from PHP: options, results and exceptions as the contract says,
 * against the sandbox (the rules are the library's, checked by every suite).
 */
final class GuardTest extends IsmsTestCase
{
    private static int $next = 0;

    private static function mobile(): string
    {
        return sprintf('0188%06d', getmypid() % 1000 * 1000 + ++self::$next);
    }

    private static function wrong(?string $code): string
    {
        self::assertNotNull($code);
        return substr($code, 0, 5) . ($code[5] === '9' ? '0' : (string) ((int) $code[5] + 1));
    }

    private static function send(\Isms\Client $client, string $mobile): SendResult
    {
        return $client->sendOtp($mobile, '60', 'Your code is %OTP%');
    }

    public function testOffByDefault(): void
    {
        $client = Sandbox::client(Sandbox::tag('guard-off'));
        $mobile = self::mobile();
        $sent = self::send($client, $mobile);
        $check = $client->verifyOtp($mobile, '60', self::wrong($sent->code), $sent->smsId, $sent->uuid);
        self::assertFalse($check->verified);
        self::assertNull($check->attemptsLeft);
        self::assertSame(0, $check->retryAfter);
        self::send($client, $mobile);
    }

    public function testAQuickResendIsRefusedWithItsWait(): void
    {
        $tag = Sandbox::tag('guard-cooldown');
        $client = Sandbox::client($tag, null, null, ['guard' => 'memory:']);
        $mobile = self::mobile();
        self::send($client, $mobile);
        $e = self::assertThrowsIsms(RateLimitedException::class, Status::RateLimited, 0, static fn () => self::send($client, $mobile));
        self::assertInstanceOf(RateLimitedException::class, $e);
        self::assertGreaterThanOrEqual(29, $e->getRetryAfter());
        self::assertLessThanOrEqual(30, $e->getRetryAfter());
        self::assertSame(1, Sandbox::requestCount($tag));
    }

    public function testALockedCodeIsAnAnswer(): void
    {
        $client = Sandbox::client(Sandbox::tag('guard-lock'), null, null, ['guard' => 'memory:', 'guard_limits' => ['code_attempts' => 2]]);
        $mobile = self::mobile();
        $sent = self::send($client, $mobile);
        $first = $client->verifyOtp($mobile, '60', self::wrong($sent->code), $sent->smsId, $sent->uuid);
        self::assertSame([false, Status::OtpIncorrect, 1], [$first->verified, $first->status, $first->attemptsLeft]);
        $client->verifyOtp($mobile, '60', self::wrong($sent->code), $sent->smsId, $sent->uuid);
        $locked = $client->verifyOtp($mobile, '60', (string) $sent->code, $sent->smsId, $sent->uuid);
        self::assertSame([false, Status::TooManyAttempts, 0], [$locked->verified, $locked->status, $locked->attemptsLeft]);
    }

    public function testSingleUseAndBinding(): void
    {
        $client = Sandbox::client(Sandbox::tag('guard-use'), null, null, ['guard' => 'memory:']);
        $mobile = self::mobile();
        $sent = self::send($client, $mobile);
        self::assertThrowsIsms(NotAllowedException::class, Status::NotAllowed, 0, static fn () => $client->verifyOtp(self::mobile(), '60', (string) $sent->code, $sent->smsId, $sent->uuid));
        $ok = $client->verifyOtp($mobile, '60', (string) $sent->code, $sent->smsId, $sent->uuid);
        self::assertTrue($ok->verified);
        self::assertSame(0, $ok->attemptsLeft);
        $again = $client->verifyOtp($mobile, '60', (string) $sent->code, $sent->smsId, $sent->uuid);
        self::assertSame([false, Status::OtpExpired], [$again->verified, $again->status]);
    }

    public function testAllowedCountries(): void
    {
        $tag = Sandbox::tag('guard-countries');
        foreach (['65, +44', ['65', '44']] as $allowed) {
            $client = Sandbox::client($tag, null, null, ['allowed_countries' => $allowed]);
            self::assertThrowsIsms(NotAllowedException::class, Status::NotAllowed, 0, static fn () => self::send($client, self::mobile()));
        }
        self::assertSame(0, Sandbox::requestCount($tag));
        self::send(Sandbox::client($tag, null, null, ['allowed_countries' => ['60']]), self::mobile());
    }

    public function testAStoreThatFailsSendsNothing(): void
    {
        $tag = Sandbox::tag('guard-store');
        $client = Sandbox::client($tag, null, null, ['guard' => 'sqlite:/nonexistent-dir/otp.db']);
        self::assertThrowsIsms(GuardStoreException::class, Status::GuardStore, 0, static fn () => self::send($client, self::mobile()));
        self::assertSame(0, Sandbox::requestCount($tag));
        $client->balance();
    }

    /** @return iterable<string, array{array<string, mixed>, string}> */
    public function refusedGuardOptions(): iterable
    {
        yield 'store scheme' => [['guard' => 'mysql://x'], 'guard:'];
        yield 'empty sqlite path' => [['guard' => 'sqlite:'], 'guard:'];
        yield 'unknown limit' => [['guard_limits' => ['attempts' => 3]], 'guard_limits: unknown key "attempts"'];
        yield 'count not an integer' => [['guard_limits' => ['code_attempts' => 2.5]], 'guard_limits: code_attempts must be an integer count'];
        yield 'code attempts 0' => [['guard_limits' => ['code_attempts' => 0]], 'guard_limit: ISMS_LIMIT_CODE_ATTEMPTS cannot be 0'];
        yield 'negative seconds' => [['guard_limits' => ['send_window' => -1]], 'guard_limits: send_window must be 0 to'];
        yield 'empty country' => [['allowed_countries' => '60,,65'], 'allowed_countries:'];
        yield 'country not a string' => [['allowed_countries' => [60]], 'allowed_countries:'];
    }

    /**
     * @dataProvider refusedGuardOptions
     * @param array<string, mixed> $options
     */
    public function testRefusedGuardOptionsNameWhat(array $options, string $message): void
    {
        $e = self::assertThrowsIsms(
            InvalidArgumentException::class,
            Status::InvalidArgument,
            0,
            static fn () => Sandbox::client(Sandbox::tag('guard-refused'), null, null, $options),
        );
        self::assertStringStartsWith($message, $e->getMessage());
    }
}
