<?php

declare(strict_types=1);

namespace Isms\Tests;

use Isms\Client;
use Isms\Tests\Support\IsmsTestCase;
use Isms\Tests\Support\Sandbox;

/**
 * 10,000 calls over HTTPS leak nothing: every result and client is freed.
 * After a warm-up (connections, TLS sessions, allocator pools), PHP's own
 * memory (memory_get_usage) and the process's resident size (VmRSS, which
 * includes the library's Rust heap) stay within a small fixed slack.
 */
final class MemoryTest extends IsmsTestCase
{
    private const CALLS = 10_000;
    private const NEW_CLIENT_EVERY = 4;      // 2,500 of the calls on a client of their own
    private const WARM_UP = 500;
    private const PHP_SLACK = 4 * 1024;        // bytes
    private const RSS_SLACK = 1024 * 1024;     // bytes

    public function testTenThousandCallsKeepMemoryFlat(): void
    {
        $tag = Sandbox::tag('memory');
        $shared = Sandbox::client($tag);
        $call = static function (int $i) use ($shared, $tag): void {
            $client = $i % self::NEW_CLIENT_EVERY === 0 ? Sandbox::client($tag) : $shared;
            if ($client->balance()->balance <= 0.0) {
                throw new \RuntimeException("call $i: no balance");
            }
        };

        for ($i = 0; $i < self::WARM_UP; $i++) {
            $call($i);
        }
        // rss() first: its regex enters PCRE's cache, which memory_get_usage() counts.
        $rss0 = self::rss();
        gc_collect_cycles();
        $php0 = memory_get_usage();
        $start = microtime(true);
        for ($i = 0; $i < self::CALLS; $i++) {
            $call($i);
        }
        $seconds = microtime(true) - $start;
        gc_collect_cycles();
        $php1 = memory_get_usage();
        $rss1 = self::rss();

        fwrite(STDERR, sprintf(
            "\n[memory] %d balance calls over HTTPS (%d on a new Client each) in %.2f s (%.0f calls/s): "
            . "memory_get_usage %d -> %d (%+d bytes), VmRSS %d -> %d KiB (%+d KiB); loader %s\n",
            self::CALLS,
            intdiv(self::CALLS, self::NEW_CLIENT_EVERY),
            $seconds,
            self::CALLS / $seconds,
            $php0,
            $php1,
            $php1 - $php0,
            intdiv($rss0, 1024),
            intdiv($rss1, 1024),
            intdiv($rss1 - $rss0, 1024),
            \Isms\Library::loader(),
        ));
        self::assertSame(self::WARM_UP + self::CALLS, Sandbox::requestCount($tag));
        self::assertLessThanOrEqual(self::PHP_SLACK, $php1 - $php0, 'memory_get_usage grew');
        self::assertLessThanOrEqual(self::RSS_SLACK, $rss1 - $rss0, 'VmRSS grew');
    }

    /** The process's resident set size in bytes, from /proc/self/status. */
    private static function rss(): int
    {
        $status = (string) file_get_contents('/proc/self/status');
        self::assertSame(1, preg_match('/^VmRSS:\s+(\d+) kB$/m', $status, $m));
        return (int) $m[1] * 1024;
    }
}
