<?php

declare(strict_types=1);

namespace Isms\Tests;

use Isms\Client;
use Isms\MessageType;
use Isms\Tests\Support\IsmsTestCase;
use Isms\Tests\Support\Sandbox;

/**
 * The password (the sandbox's awkward "demo&secret=1 %+" and a wrong one
 * with & % = space +) appears in no var_dump, print_r, var_export,
 * exception message or stack trace, with arguments shown in traces
 * (zend.exception_ignore_args=0, set by phpunit.xml.dist); the OTP code in
 * no var_dump or print_r of a send result.
 */
final class SecretTest extends IsmsTestCase
{
    public function testArgumentsAreShownInTraces(): void
    {
        // Otherwise the trace checks below would prove nothing.
        self::assertSame('0', ini_get('zend.exception_ignore_args'));
        $trace = (new \Exception())->getTraceAsString();
        self::assertStringContainsString(__FUNCTION__, $trace);
        $e = (static fn (string $visible) => new \Exception())('visible-argument');
        self::assertStringContainsString("'visible-argument'", $e->getTraceAsString());
    }

    public function testDumpsOfClientsAndResultsShowNoSecret(): void
    {
        $tag = Sandbox::tag('dumps');
        $client = Sandbox::client($tag, options: ['timeout' => 10]);
        $sent = $client->sendOtp('0123456789', '60', 'Code %OTP%', MessageType::Auto);
        $code = (string) $sent->code;
        self::assertMatchesRegularExpression('/^\d{6}$/', $code);
        $wrong = $code === '000000' ? '111111' : '000000';
        $values = [
            'client' => $client,
            'send result' => $sent,
            'verify result' => $client->verifyOtp('0123456789', '60', $wrong, $sent->smsId, $sent->uuid, 5),
            'balance' => $client->balance(),
        ];
        foreach ($values as $what => $value) {
            foreach (self::dumps($value) as $how => $text) {
                self::assertNoSecret($text, "$how of the $what");
                if ($how !== 'var_export') {
                    self::assertStringNotContainsString($code, $text, "$how of the $what shows the OTP code");
                }
            }
        }
        self::assertStringContainsString('(hidden)', print_r($sent, true));
        self::assertStringContainsString($sent->uuid, print_r($sent, true));
    }

    /**
     * @return iterable<string, array{\Closure(): mixed}>
     */
    public function failures(): iterable
    {
        $options = static fn (string $tag, ?string $fault = null): array => [
            'endpoint' => Sandbox::endpoint($tag, $fault),
            'ca_file' => Sandbox::caFile(),
        ];
        yield 'wrong password, send' => [static fn () => (new Client(Sandbox::username(), Sandbox::MARKER, $options(Sandbox::tag('s-auth'))))
            ->sendOtp('0123456789', '60', 'Code %OTP%')];
        yield 'wrong password, balance' => [static fn () => (new Client(Sandbox::username(), Sandbox::MARKER, $options(Sandbox::tag('s-auth'))))
            ->balance()];
        yield 'refused ca_file' => [static fn () => new Client(Sandbox::username(), Sandbox::password(), ['ca_file' => '/nonexistent/ca.pem'])];
        yield 'refused endpoint' => [static fn () => new Client(Sandbox::username(), Sandbox::password(), ['endpoint' => 'https://u:' . rawurlencode(Sandbox::password()) . '@127.0.0.1/'])];
        yield 'unknown option' => [static fn () => new Client(Sandbox::username(), Sandbox::password(), ['passwd' => Sandbox::password()])];
        yield 'NUL byte in the password' => [static fn () => new Client(Sandbox::username(), Sandbox::password() . "\0")];
        yield 'password not UTF-8' => [static fn () => new Client(Sandbox::username(), Sandbox::MARKER . "\xff")];
        yield 'HTTP 500' => [static fn () => (new Client(Sandbox::username(), Sandbox::password(), $options(Sandbox::tag('s-500'), 'http500')))->balance()];
        yield 'connection reset' => [static fn () => (new Client(Sandbox::username(), Sandbox::MARKER, $options(Sandbox::tag('s-reset'), 'reset')))
            ->verifyOtp('0123456789', '60', '123456', '1171081025', 'uuid-1', 5)];
        yield 'timeout' => [static fn () => (new Client(Sandbox::username(), Sandbox::password(), ['timeout' => 0.3] + $options(Sandbox::tag('s-slow'), 'slow-2000')))
            ->balance()];
        yield 'TLS' => [static fn () => (new Client(Sandbox::username(), Sandbox::password(), ['endpoint' => Sandbox::endpoint(Sandbox::tag('s-tls'))]))
            ->balance()];
    }

    /**
     * @dataProvider failures
     * @param \Closure(): mixed $fail
     */
    public function testExceptionsShowNoPassword(\Closure $fail): void
    {
        try {
            $fail();
            self::fail('nothing was thrown');
        } catch (\Isms\IsmsException $e) {
            self::assertNoSecret($e->getMessage(), 'getMessage()');
            self::assertNoSecret($e->getTraceAsString(), 'getTraceAsString()');
            self::assertNoSecret((string) $e, '(string) $e');
            // Dumps of the exception, with its trace cut to the binding's own
            // frames: PHPUnit's frames carry the whole suite as arguments.
            $binding = array_values(array_filter(
                $e->getTrace(),
                static fn (array $frame): bool => str_starts_with($frame['class'] ?? '', 'Isms\\')
                    && !str_starts_with($frame['class'], 'Isms\\Tests\\'),
            ));
            self::assertNotSame([], $binding);
            self::assertNoCData($binding);
            (new \ReflectionProperty(\Exception::class, 'trace'))->setValue($e, $binding);
            foreach (self::dumps($e) as $how => $text) {
                self::assertNoSecret($text, "$how of the exception");
            }
        }
    }

    /** The code the user typed is sensitive too: not in the trace of a failed verify. */
    public function testTheTypedCodeIsNotInTraces(): void
    {
        $client = Sandbox::client(Sandbox::tag('s-code'), 'http503');
        try {
            $client->verifyOtp('0123456789', '60', '918273', '1171081025', 'uuid-1', 5);
            self::fail('nothing was thrown');
        } catch (\Isms\HttpStatusException $e) {
            self::assertStringNotContainsString('918273', $e->getTraceAsString());
            self::assertStringContainsString("'1171081025'", $e->getTraceAsString(), 'other arguments are shown');
        }
    }

    /**
     * No C pointer in the trace's arguments, not even behind a
     * SensitiveParameterValue: dumping it after the free would read freed memory.
     */
    private static function assertNoCData(mixed $value): void
    {
        if ($value instanceof \SensitiveParameterValue) {
            $value = $value->getValue();
        }
        self::assertNotInstanceOf(\FFI\CData::class, $value, 'a C pointer in a stack trace');
        if (is_array($value)) {
            array_map(self::assertNoCData(...), $value);
        }
    }

    /** @return array<string, string> */
    private static function dumps(mixed $value): array
    {
        ob_start();
        var_dump($value);
        $dump = (string) ob_get_clean();
        return [
            'var_dump' => $dump,
            'print_r' => print_r($value, true),
            'var_export' => var_export($value, true),
        ];
    }
}
