<?php

declare(strict_types=1);

namespace Isms\Tests\Support;

use Isms\IsmsException;
use Isms\Status;
use PHPUnit\Framework\TestCase;

/**
 * Assertions shared by the suites.
 */
abstract class IsmsTestCase extends TestCase
{
    /**
     * Neither the sandbox's password nor the marker password appears in
     * $text, in any form: plain, percent-encoded (upper or lower hex, space
     * as %20 or +).
     */
    public static function assertNoSecret(string $text, string $what = 'text'): void
    {
        foreach ([Sandbox::password(), Sandbox::MARKER] as $secret) {
            foreach (self::forms($secret) as $form) {
                self::assertStringNotContainsString($form, $text, "$what contains a password");
            }
        }
    }

    /**
     * Calls $call and returns the IsmsException it must throw, checking its
     * class, status and HTTP status on the way.
     *
     * @param class-string<IsmsException> $class
     */
    public static function assertThrowsIsms(string $class, Status $status, ?int $httpStatus, callable $call): IsmsException
    {
        try {
            $call();
        } catch (IsmsException $e) {
            self::assertInstanceOf($class, $e, 'got ' . get_class($e) . ': ' . $e->getMessage());
            self::assertSame($status, $e->getStatus());
            if ($httpStatus !== null) {
                self::assertSame($httpStatus, $e->getHttpStatus(), $e->getMessage());
            }
            self::assertNotSame('', $e->getMessage());
            self::assertNoSecret($e->getMessage(), 'the exception message');
            return $e;
        }
        self::fail("expected $class, nothing was thrown");
    }

    /** @return list<string> */
    private static function forms(string $secret): array
    {
        $lower = preg_replace_callback('/%[0-9A-F]{2}/', static fn (array $m): string => strtolower($m[0]), rawurlencode($secret));
        return array_values(array_unique([
            $secret,
            rawurlencode($secret),
            urlencode($secret),
            $lower,
            str_replace('%20', '+', $lower),
        ]));
    }
}
