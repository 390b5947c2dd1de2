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
    /** The package's folder, bindings/php. */
    protected const PACKAGE = __DIR__ . '/../..';

    /** @var list<string> temporary trees to remove */
    private array $trash = [];

    protected function tearDown(): void
    {
        foreach ($this->trash as $dir) {
            exec('rm -rf ' . escapeshellarg($dir));
        }
    }

    /**
     * Runs a command with a clean environment plus $env.
     *
     * @param list<string>          $command
     * @param array<string, string> $env
     * @return string stdout and stderr, trimmed
     */
    protected static function command(array $command, array $env): string
    {
        $base = ['PATH' => (string) getenv('PATH'), 'HOME' => sys_get_temp_dir()];
        $proc = proc_open($command, [1 => ['pipe', 'w'], 2 => ['redirect', 1]], $pipes, sys_get_temp_dir(), $env + $base);
        self::assertIsResource($proc);
        $out = (string) stream_get_contents($pipes[1]);
        fclose($pipes[1]);
        proc_close($proc);
        return trim($out);
    }

    /** A copy of the package (sources and headers) in a fresh directory outside the repository. */
    protected function packageCopy(): string
    {
        $package = $this->tempDir() . '/vendor/isms';
        mkdir($package, 0755, true);
        foreach (['autoload.php', 'preload.php', 'src', 'include'] as $item) {
            exec('cp -R ' . escapeshellarg(self::PACKAGE . "/$item") . ' ' . escapeshellarg("$package/$item"), $_, $rc);
            self::assertSame(0, $rc);
        }
        return $package;
    }

    /** A copy of the package that any user can read (the preload user is not root). */
    protected function readableCopy(): string
    {
        $package = $this->packageCopy();
        chmod(dirname($package, 2), 0755);
        return $package;
    }

    /** A fresh directory, removed after the test. */
    protected function tempDir(): string
    {
        $dir = sys_get_temp_dir() . '/isms-php-' . bin2hex(random_bytes(6));
        mkdir($dir, 0700);
        $this->trash[] = $dir;
        return $dir;
    }

    /**
     * Neither the sandbox's password nor the marker password appears in
     * $text, in any form: plain, percent-encoded (upper or lower hex, space
     * as %20 or +), HTML-escaped, JSON-escaped as \u00XX, or its first half.
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

    /**
     * The forms of a password a reply body may carry, by placeholder
     * (tests/cases/README.md), and that must never leak.
     *
     * @return array<string, string>
     */
    public static function passwordForms(string $secret): array
    {
        $pct = rawurlencode($secret);
        $lower = preg_replace_callback('/%[0-9A-F]{2}/', static fn (array $m): string => strtolower($m[0]), $pct);
        $jsonHex = preg_replace_callback(
            '/[^A-Za-z0-9]/',
            static fn (array $m): string => sprintf('\\u%04X', ord($m[0])),
            $secret,
        );
        return [
            '%PASSWORD%' => $secret,
            '%PASSWORD_PCT%' => $pct,
            '%PASSWORD_PCT_LOWER%' => $lower,
            '%PASSWORD_FORM%' => str_replace('%20', '+', $pct),
            '%PASSWORD_HTML%' => strtr($secret, ['&' => '&amp;', '<' => '&lt;', '>' => '&gt;', '"' => '&quot;', "'" => '&#39;']),
            '%PASSWORD_JSON_HEX%' => $jsonHex,
            '%PASSWORD_HEAD%' => mb_substr($secret, 0, intdiv(mb_strlen($secret) + 1, 2)),
        ];
    }

    /** @return list<string> */
    private static function forms(string $secret): array
    {
        $forms = self::passwordForms($secret);
        return array_values(array_unique([
            ...array_values($forms),
            urlencode($secret),
            str_replace('%20', '+', $forms['%PASSWORD_PCT_LOWER%']),
        ]));
    }
}
