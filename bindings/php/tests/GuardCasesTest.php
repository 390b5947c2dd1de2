<?php

declare(strict_types=1);

namespace Isms\Tests;

use Isms\InvalidArgumentException;
use Isms\IsmsException;
use Isms\RateLimitedException;
use Isms\SendResult;
use Isms\Status;
use Isms\Tests\Support\IsmsTestCase;
use Isms\Tests\Support\Sandbox;

/**
 * tests/cases/guard.json: the guard's rules as step sequences, run through
 * the PHP binding against the sandbox (format: the file's "about").
 */
final class GuardCasesTest extends IsmsTestCase
{
    private const FILE = __DIR__ . '/../../../tests/cases/guard.json';

    /** @return array<string, mixed> */
    private static function file(): array
    {
        return json_decode((string) file_get_contents(self::FILE), true, 512, JSON_THROW_ON_ERROR);
    }

    /**
     * @param array<string, mixed> $case
     * @return array<string, mixed>
     */
    private static function options(array $case): array
    {
        $options = [];
        if (($case['guard'] ?? null) !== null) {
            $options['guard'] = $case['guard'];
        }
        if (isset($case['limits'])) {
            $options['guard_limits'] = $case['limits'];
        }
        if (isset($case['allowed_countries'])) {
            $options['allowed_countries'] = $case['allowed_countries'];
        }
        return $options;
    }

    /** @return iterable<string, array{int}> */
    public function cases(): iterable
    {
        foreach (self::file()['cases'] as $index => $case) {
            yield $case['name'] => [$index];
        }
    }

    /** @dataProvider cases */
    public function testGuardCase(int $index): void
    {
        $case = self::file()['cases'][$index];
        $tag = Sandbox::tag("guard-case-$index");
        $guarded = Sandbox::client($tag, null, null, self::options($case));
        $plain = Sandbox::client($tag);
        $salt = getmypid() % 90 + 10;
        /** @var list<SendResult> $sent */
        $sent = [];
        foreach ($case['steps'] as $step) {
            if (isset($step['sleep_ms'])) {
                usleep($step['sleep_ms'] * 1000);
                continue;
            }
            $client = ($step['client'] ?? null) === 'plain' ? $plain : $guarded;
            $mobile = sprintf('01%d%02d%d000', $salt, $index, ord($step['number']) - ord('a'));
            $before = Sandbox::requestCount($tag);
            $attemptsLeft = 'unknown';
            $retryAfter = 0;
            try {
                if ($step['call'] === 'send') {
                    $sent[] = $client->sendOtp($mobile, '60', 'Your code is %OTP%');
                    $status = Status::Ok;
                } else {
                    $of = $sent[$step['of'] ?? 0];
                    $code = (string) $of->code;
                    if ($step['code'] !== 'right') {
                        $code = substr($code, 0, 5) . ($code[5] === '9' ? '0' : (string) ((int) $code[5] + 1));
                    }
                    $smsId = ($step['sms_id'] ?? 'same') === 'other' ? '1' : $of->smsId;
                    $check = $client->verifyOtp($mobile, '60', $code, $smsId, $of->uuid);
                    [$status, $attemptsLeft, $retryAfter] = [$check->status, $check->attemptsLeft, $check->retryAfter];
                }
            } catch (IsmsException $e) {
                $status = $e->getStatus();
                $retryAfter = $e instanceof RateLimitedException ? $e->getRetryAfter() : 0;
            }
            $expect = $step['expect'];
            $what = $case['name'] . ': ' . json_encode($step);
            self::assertSame(self::named($expect['status']), $status, $what);
            self::assertSame($expect['reached'], Sandbox::requestCount($tag) > $before, "$what: reached the gateway");
            if (array_key_exists('attempts_left', $expect) && $attemptsLeft !== 'unknown') {
                self::assertSame($expect['attempts_left'], $attemptsLeft, "$what: attempts_left");
            }
            if (isset($expect['retry_after'])) {
                self::assertGreaterThanOrEqual($expect['retry_after'][0], $retryAfter, "$what: retry_after");
                self::assertLessThanOrEqual($expect['retry_after'][1], $retryAfter, "$what: retry_after");
            }
        }
    }

    /** @return iterable<string, array{array<string, mixed>}> */
    public function refusals(): iterable
    {
        foreach (self::file()['refusals'] as $refusal) {
            yield $refusal['name'] => [$refusal];
        }
    }

    /**
     * @dataProvider refusals
     * @param array<string, mixed> $refusal
     */
    public function testGuardRefusal(array $refusal): void
    {
        try {
            Sandbox::client(Sandbox::tag('guard-refused'), null, null, self::options($refusal));
            self::fail('accepted: ' . $refusal['name']);
        } catch (InvalidArgumentException $e) {
            $named = array_filter($refusal['names'], static fn (string $n): bool => str_contains($e->getMessage(), $n));
            self::assertNotEmpty($named, $e->getMessage());
        }
    }

    /** The Status whose C name is ISMS_ . $name. */
    private static function named(string $name): Status
    {
        foreach (Status::cases() as $status) {
            if ($status->cName() === "ISMS_$name") {
                return $status;
            }
        }
        self::fail("unknown status $name");
    }
}
