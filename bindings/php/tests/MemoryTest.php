<?php

declare(strict_types=1);

namespace Isms\Tests;

use Isms\Tests\Support\IsmsTestCase;
use Isms\Tests\Support\Sandbox;

/**
 * 10,000 calls over HTTPS leak nothing, succeeding or failing: every
 * result and client is freed.
 *
 * After a warm-up (connections, TLS sessions, allocator pools), three
 * numbers must stay within a small fixed slack:
 * - memory_get_usage(): PHP's own heap (result objects, copied strings);
 * - the C heap in use (glibc mallinfo2: uordblks + hblkhd), where the
 *   library allocates its results and clients: a leaked result would add
 *   about 200 bytes a call, 2 MB in all;
 * - VmRSS from /proc/self/status, the whole process. It gets the widest
 *   slack: once in a while glibc keeps about 1 MiB of freed pages resident
 *   in one step (the heap in use stays flat meanwhile), which is the
 *   allocator's business, not a leak.
 */
final class MemoryTest extends IsmsTestCase
{
    private const CALLS = 10_000;
    private const NEW_CLIENT_EVERY = 4;       // 2,500 of the calls on a Client of their own
    private const WARM_UP = 1_000;
    private const PHP_SLACK = 4 * 1024;       // bytes
    // A result leaked per call would be 2 MB here, a 16-byte block per call
    // 160 KiB. glibc counts the free chunks it keeps in its per-thread cache
    // (tcache) as in use, which drifts up to about 100 KiB over 10,000 failed
    // calls; `make php-test` turns the cache off
    // (GLIBC_TUNABLES=glibc.malloc.tcache_count=0), and the count is exact.
    private const HEAP_SLACK = 64 * 1024;           // bytes, tcache off
    private const HEAP_SLACK_TCACHE = 256 * 1024;   // bytes, tcache on
    private const RSS_SLACK = 2 * 1024 * 1024; // bytes

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
        $this->assertFlat(sprintf('balance calls over HTTPS (%d on a new Client each)', intdiv(self::CALLS, self::NEW_CLIENT_EVERY)), $call);
        self::assertSame(self::WARM_UP + self::CALLS, Sandbox::requestCount($tag));
    }

    /**
     * The failure paths free their results too: a send the gateway refuses
     * (its reply carries uuid, sms_id, mobile and code), a wrong code (an
     * answer, not an exception), and an argument the library refuses.
     */
    public function testTenThousandFailuresKeepMemoryFlat(): void
    {
        $tag = Sandbox::tag('memory-failures');
        $reply = '{"status":"Failed","message":"Invalid Request","uuid":"u-1","sms_id":"1","code":"123456","mobile":"+6012"}';
        $rejecting = Sandbox::client($tag, 'body-' . bin2hex($reply));
        $wrong = Sandbox::client($tag, 'failed-Wrong-Code');
        $call = static function (int $i) use ($rejecting, $wrong): void {
            try {
                match ($i % 3) {
                    0 => $rejecting->sendOtp('0123456789', '60', 'Code %OTP%'),
                    1 => $wrong->verifyOtp('0123456789', '60', '123456', '1', 'u-1', 5)->verified
                        && throw new \RuntimeException("call $i: verified"),
                    2 => $rejecting->sendOtp('0123456789', '60', 'no placeholder'),
                };
            } catch (\Isms\RejectedException | \Isms\InvalidArgumentException) {
                return;
            }
            if ($i % 3 !== 1) {
                throw new \RuntimeException("call $i: no exception");
            }
        };
        $this->assertFlat('failed calls (rejected sends, wrong codes, refused arguments)', $call);
        self::assertSame(intdiv(2 * (self::WARM_UP + self::CALLS) + 2, 3), Sandbox::requestCount($tag));
    }

    /** Runs $call WARM_UP times, then CALLS times, and checks memory did not grow. */
    private function assertFlat(string $what, \Closure $call): void
    {
        for ($i = 0; $i < self::WARM_UP; $i++) {
            $call($i);
        }
        // Measuring allocates too (PCRE's cache, the FFI object): once before the baseline.
        self::rss();
        self::heap();
        [$rss0, $heap0] = [self::rss(), self::heap()];
        gc_collect_cycles();
        $php0 = memory_get_usage();
        $start = microtime(true);
        for ($i = 0; $i < self::CALLS; $i++) {
            $call($i);
        }
        $seconds = microtime(true) - $start;
        gc_collect_cycles();
        $php1 = memory_get_usage();
        [$rss1, $heap1] = [self::rss(), self::heap()];

        fwrite(STDERR, sprintf(
            "\n[memory] %d %s in %.2f s (%.0f calls/s), loader %s:"
            . "\n[memory]   memory_get_usage %d -> %d bytes (%+d), C heap in use %d -> %d KiB (%+d), VmRSS %d -> %d KiB (%+d)\n",
            self::CALLS,
            $what,
            $seconds,
            self::CALLS / $seconds,
            \Isms\Library::loader(),
            $php0,
            $php1,
            $php1 - $php0,
            intdiv($heap0, 1024),
            intdiv($heap1, 1024),
            intdiv($heap1 - $heap0, 1024),
            intdiv($rss0, 1024),
            intdiv($rss1, 1024),
            intdiv($rss1 - $rss0, 1024),
        ));
        self::assertLessThanOrEqual(self::PHP_SLACK, $php1 - $php0, 'memory_get_usage grew');
        $tcacheOff = str_contains((string) getenv('GLIBC_TUNABLES'), 'glibc.malloc.tcache_count=0');
        self::assertLessThanOrEqual($tcacheOff ? self::HEAP_SLACK : self::HEAP_SLACK_TCACHE, $heap1 - $heap0, 'the C heap in use grew');
        self::assertLessThanOrEqual(self::RSS_SLACK, $rss1 - $rss0, 'VmRSS grew');
    }

    /** The process's resident set size in bytes, from /proc/self/status. */
    private static function rss(): int
    {
        $status = (string) file_get_contents('/proc/self/status');
        self::assertSame(1, preg_match('/^VmRSS:\s+(\d+) kB$/m', $status, $m));
        return (int) $m[1] * 1024;
    }

    /** Bytes malloc has handed out and not had back, all arenas (glibc 2.33+). */
    private static function heap(): int
    {
        static $libc = null;
        $libc ??= \FFI::cdef(
            'struct mallinfo2 { size_t arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost; };'
            . ' struct mallinfo2 mallinfo2(void);',
            'libc.so.6',
        );
        $info = $libc->mallinfo2();
        return $info->uordblks + $info->hblkhd;
    }
}
