<?php

declare(strict_types=1);

namespace Isms\Tests;

use Isms\Client;
use Isms\InvalidArgumentException;
use Isms\Tests\Support\Header;
use Isms\Tests\Support\IsmsTestCase;
use Isms\Tests\Support\Sandbox;

/**
 * Seconds to milliseconds: the shared cases of tests/cases/timeouts.json,
 * the rule the Python package follows too.
 */
final class TimeoutCasesTest extends IsmsTestCase
{
    /** @return iterable<string, array{int|float, ?int}> */
    public static function cases(): iterable
    {
        foreach (Header::cases('timeouts.json') as $case) {
            $seconds = match ($case['seconds']) {
                'nan' => NAN,
                'inf' => INF,
                '-inf' => -INF,
                default => $case['seconds'],
            };
            yield $case['name'] => [$seconds, $case['ms']];
        }
    }

    /** @dataProvider cases */
    public function testTimeoutSecondsToMilliseconds(int|float $seconds, ?int $ms): void
    {
        if ($ms === null) {
            foreach ([
                static fn () => Client::milliseconds($seconds),
                static fn () => new Client('demo', 'pw', ['timeout' => $seconds]),
            ] as $call) {
                try {
                    $call();
                    self::fail("$seconds s was accepted");
                } catch (InvalidArgumentException $e) {
                    self::assertStringStartsWith('timeout: ', $e->getMessage());
                }
            }
            return;
        }
        self::assertSame($ms, Client::milliseconds($seconds));
        $client = new Client('demo', 'pw', ['timeout' => $seconds, 'endpoint' => Sandbox::endpoint('unused')]);
        self::assertTrue(((array) $client->__debugInfo())['open']);
    }
}
