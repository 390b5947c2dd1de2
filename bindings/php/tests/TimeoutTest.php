<?php

declare(strict_types=1);

namespace Isms\Tests;

use Isms\Status;
use Isms\TimeoutException;
use Isms\Tests\Support\IsmsTestCase;
use Isms\Tests\Support\Sandbox;

/**
 * The 'timeout' option is a whole-call deadline: a slow reply, or one
 * trickling in a byte at a time, ends in a TimeoutException well before
 * the sandbox's delay, and the request is not sent again.
 */
final class TimeoutTest extends IsmsTestCase
{
    private const TIMEOUT = 0.8;

    /** @return iterable<string, array{string, string, float}> [fault, call, seconds the fault takes] */
    public function slowFaults(): iterable
    {
        yield 'slow send' => ['slow-4000', 'send', 4.0];
        yield 'slow balance' => ['slow-4000', 'balance', 4.0];
        yield 'trickling verify' => ['trickle-25', 'verify', 7.0];
    }

    /** @dataProvider slowFaults */
    public function testTheTimeoutIsHonoured(string $fault, string $what, float $delay): void
    {
        $tag = Sandbox::tag('timeout');
        $client = Sandbox::client($tag, $fault, options: ['timeout' => self::TIMEOUT]);
        $call = match ($what) {
            'send' => static fn () => $client->sendOtp('0123456789', '60', 'Code %OTP%'),
            'verify' => static fn () => $client->verifyOtp('0123456789', '60', '123456', '1171081025', 'uuid-1', 5),
            'balance' => static fn () => $client->balance(),
        };
        $start = microtime(true);
        self::assertThrowsIsms(TimeoutException::class, Status::Timeout, 0, $call);
        $took = microtime(true) - $start;
        fwrite(STDERR, sprintf("\n[timeout] %s %s: TimeoutException after %.3f s (timeout %.1f s, fault %.1f s)", $fault, $what, $took, self::TIMEOUT, $delay));
        self::assertGreaterThanOrEqual(self::TIMEOUT - 0.05, $took, 'not before the deadline');
        self::assertLessThan(self::TIMEOUT + 1.2, $took, 'well before the fault ends');
        self::assertLessThan($delay, $took);
        self::assertSame(1, Sandbox::requestCount($tag), 'not sent again');
    }
}
