<?php

declare(strict_types=1);

namespace Isms\Tests;

use Isms\Balance;
use Isms\Client;
use Isms\IsmsException;
use Isms\SendResult;
use Isms\Status;
use Isms\Tests\Support\IsmsTestCase;
use Isms\Tests\Support\Sandbox;
use Isms\VerifyResult;

/**
 * The shared conformance cases (tests/cases/*.json, format in its README),
 * one data-provider row per case, through the PHP surface: a refusal or a
 * failure is the exception of its status, a wrong or expired code is a
 * VerifyResult with verified === false, a success is the result object.
 */
final class ConformanceTest extends IsmsTestCase
{
    private const CASES = __DIR__ . '/../../../tests/cases/';

    /** The arguments of each call, in the order the PHP methods take them (snake case, as in the files). */
    private const SEND_ARGS = ['mobile', 'country_code', 'message', 'type', 'sender_id'];
    private const VERIFY_ARGS = ['mobile', 'country_code', 'code', 'sms_id', 'uuid', 'interval', 'sender_id'];

    /** @return iterable<string, array{array<string, mixed>, array<string, mixed>}> */
    public function sendInputs(): iterable
    {
        return self::rows('send_inputs.json');
    }

    /** @return iterable<string, array{array<string, mixed>, array<string, mixed>}> */
    public function verifyInputs(): iterable
    {
        return self::rows('verify_inputs.json');
    }

    /** @return iterable<string, array{array<string, mixed>, array<string, mixed>}> */
    public function settingCases(): iterable
    {
        return self::rows('settings.json');
    }

    /** @return iterable<string, array{array<string, mixed>, array<string, mixed>}> */
    public function replies(): iterable
    {
        return self::rows('replies.json');
    }

    /** @return iterable<string, array{array<string, mixed>, array<string, mixed>}> */
    public function faults(): iterable
    {
        return self::rows('faults.json');
    }

    /**
     * @dataProvider sendInputs
     * @param array<string, mixed> $case
     * @param array<string, mixed> $defaults
     */
    public function testSendInput(array $case, array $defaults): void
    {
        $this->checkInput('send', self::arguments($case, $defaults, self::SEND_ARGS), $case['expect']);
    }

    /**
     * @dataProvider verifyInputs
     * @param array<string, mixed> $case
     * @param array<string, mixed> $defaults
     */
    public function testVerifyInput(array $case, array $defaults): void
    {
        $this->checkInput('verify', self::arguments($case, $defaults, self::VERIFY_ARGS), $case['expect']);
    }

    /**
     * A setting is a constructor option: a refused one throws, naming it.
     *
     * @dataProvider settingCases
     * @param array<string, mixed> $case
     */
    public function testSetting(array $case): void
    {
        $options = match ($case['setting']) {
            'timeout_ms' => ['timeout' => $case['value'] / 1000],
            'endpoint', 'proxy' => [$case['setting'] => self::value($case['value'])],
        };
        $outcome = self::outcome(static fn (): Client => new Client(Sandbox::username(), Sandbox::password(), $options));
        self::checkOutcome($outcome, $case['expect']);
        if (isset($case['expect']['must_not_contain'])) {
            self::assertStringNotContainsString($case['expect']['must_not_contain'], $outcome['message']);
        }
    }

    /**
     * @dataProvider replies
     * @param array<string, mixed> $case
     * @param array<string, array<string, mixed>> $callArgs
     */
    public function testReply(array $case, array $callArgs): void
    {
        $body = $case['body'];
        foreach (self::passwordForms(Sandbox::password()) as $placeholder => $form) {
            // JSON-escaped, so that the gateway's message holds the form itself.
            $escaped = json_encode($form, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_THROW_ON_ERROR);
            $body = str_replace($placeholder, substr($escaped, 1, -1), $body);
        }
        $tag = Sandbox::tag('reply');
        $client = Sandbox::client($tag, 'body-' . bin2hex($body));
        $outcome = self::outcome(self::call($client, $case['call'], $callArgs));
        self::checkOutcome($outcome, $case['expect']);
        if (isset($case['expect']['result'])) {
            self::assertSame($case['expect']['result'], self::fields($outcome['result'], array_keys($case['expect']['result'])));
        }
        self::assertSame(1, Sandbox::requestCount($tag), 'one request');
    }

    /**
     * @dataProvider faults
     * @param array<string, mixed> $case
     * @param array<string, array<string, mixed>> $callArgs the call arguments of replies.json
     */
    public function testFault(array $case, array $callArgs): void
    {
        $timeout = ($case['timeout_ms'] ?? 10_000) / 1000;
        $tag = Sandbox::tag('fault-case');
        $client = Sandbox::client($tag, $case['fault'], options: ['timeout' => $timeout]);
        $start = microtime(true);
        $outcome = self::outcome(self::call($client, $case['call'], $callArgs));
        $took = microtime(true) - $start;
        self::checkOutcome($outcome, $case['expect']);
        self::assertSame($case['expect']['requests'], Sandbox::requestCount($tag), 'requests');
        if ($outcome['status'] === Status::Timeout) {
            $delay = preg_match('/^slow-(\d+)$/', $case['fault'], $m) ? (int) $m[1] / 1000 : INF;
            self::assertLessThan(min($delay, $timeout * 4), $took, 'returned before the fault ended');
        }
    }

    /**
     * An input case: refused before any request, or sent exactly once with
     * the listed parameters on the wire.
     *
     * @param array<string, mixed> $args   the call's arguments, by name
     * @param array<string, mixed> $expect
     */
    private function checkInput(string $call, array $args, array $expect): void
    {
        $tag = Sandbox::tag("$call-input");
        $client = Sandbox::client($tag);
        $outcome = self::outcome(static fn (): object => $call === 'send'
            ? $client->sendOtp(...array_values($args))
            : $client->verifyOtp(...array_values($args)));
        self::checkOutcome($outcome, $expect);
        if ($outcome['status'] === Status::InvalidArgument) {
            self::assertSame(0, Sandbox::requestCount($tag), 'refused, yet sent');
            return;
        }
        self::assertSame(1, Sandbox::requestCount($tag));
        $wire = Sandbox::wire($tag, 0);
        foreach ($wire as $name => $values) {
            self::assertCount(1, $values, "$name repeated on the wire");
        }
        foreach ($expect['wire'] as $name => $value) {
            self::assertSame($value, $wire[$name][0] ?? null, "$name on the wire");
        }
        if ($call === 'send') {
            self::assertSame([$args['message']], $wire['message'], 'the message travels unchanged');
        }
    }

    /**
     * What a call gave: its status, HTTP status, message, and the result
     * object (null when it threw).
     *
     * @param \Closure(): object $call
     * @return array{status: Status, http: int, message: string, result: ?object}
     */
    private static function outcome(\Closure $call): array
    {
        try {
            $result = $call();
        } catch (IsmsException $e) {
            return ['status' => $e->getStatus(), 'http' => $e->getHttpStatus(), 'message' => $e->getMessage(), 'result' => null];
        }
        if ($result instanceof VerifyResult) {
            return ['status' => $result->status, 'http' => $result->httpStatus, 'message' => (string) $result->message, 'result' => $result];
        }
        $http = $result instanceof SendResult || $result instanceof Balance ? $result->httpStatus : 0;
        return ['status' => Status::Ok, 'http' => $http, 'message' => '', 'result' => $result];
    }

    /**
     * The checks every case shares (the README's rules, as the Rust runner
     * makes them): the status, the names in the message, the HTTP status,
     * a part of the message, and never the password.
     *
     * @param array{status: Status, http: int, message: string, result: ?object} $outcome
     * @param array<string, mixed> $expect
     */
    private static function checkOutcome(array $outcome, array $expect): void
    {
        $want = self::status($expect['status']);
        self::assertSame($want, $outcome['status'], $outcome['message']);
        self::assertNoSecret($outcome['message'], 'the message');
        if (isset($expect['names'])) {
            $named = array_filter($expect['names'], static fn (string $n): bool => str_contains($outcome['message'], $n));
            self::assertNotEmpty($named, 'the message names none of ' . implode(', ', $expect['names']) . ": {$outcome['message']}");
        }
        if ($want === Status::InvalidArgument || isset($expect['http_status'])) {
            self::assertSame($expect['http_status'] ?? 0, $outcome['http']);
        }
        if (isset($expect['message_contains'])) {
            self::assertStringContainsString($expect['message_contains'], $outcome['message']);
        }
        if ($want === Status::OtpIncorrect || $want === Status::OtpExpired) {
            self::assertInstanceOf(VerifyResult::class, $outcome['result'], 'a wrong or expired code is an answer');
            self::assertFalse($outcome['result']->verified);
        }
        if ($want === Status::Ok) {
            self::assertSame('', $outcome['message']);
            if ($outcome['result'] instanceof VerifyResult) {
                self::assertTrue($outcome['result']->verified);
            }
        }
    }

    /**
     * The call a reply or fault case makes, with the file's fixed arguments.
     *
     * @param array<string, array<string, mixed>> $callArgs
     * @return \Closure(): object
     */
    private static function call(Client $client, string $call, array $callArgs): \Closure
    {
        return match ($call) {
            'send' => static fn (): SendResult => $client->sendOtp(...array_values(self::arguments([], $callArgs['send'], self::SEND_ARGS))),
            'verify' => static fn (): VerifyResult => $client->verifyOtp(...array_values(self::arguments([], $callArgs['verify'], self::VERIFY_ARGS))),
            'balance' => static fn (): Balance => $client->balance(),
        };
    }

    /**
     * A case's arguments: its own value, else the default; {"hex": ...}
     * values become the raw bytes.
     *
     * @param array<string, mixed> $case
     * @param array<string, mixed> $defaults
     * @param list<string>         $names
     * @return array<string, mixed>
     */
    private static function arguments(array $case, array $defaults, array $names): array
    {
        $args = [];
        foreach ($names as $name) {
            $args[$name] = self::value(array_key_exists($name, $case) ? $case[$name] : $defaults[$name]);
        }
        return $args;
    }

    private static function value(mixed $value): mixed
    {
        return is_array($value) ? (string) hex2bin($value['hex']) : $value;
    }

    /**
     * The result's properties for the case's field names (sms_id -> smsId).
     *
     * @param list<string> $names
     * @return array<string, mixed>
     */
    private static function fields(?object $result, array $names): array
    {
        self::assertNotNull($result);
        $fields = [];
        foreach ($names as $name) {
            $fields[$name] = $result->{lcfirst(str_replace('_', '', ucwords($name, '_')))};
        }
        return $fields;
    }

    /** A case's status name ("ERR_AUTH") as the Status whose C name it is. */
    private static function status(string $name): Status
    {
        foreach (Status::cases() as $status) {
            if ($status->cName() === "ISMS_$name") {
                return $status;
            }
        }
        self::fail("unknown status $name");
    }

    /**
     * One row per case, named after it: the case, and the file's
     * "defaults" or "call_args" (or those of replies.json, for faults.json).
     *
     * @return iterable<string, array{array<string, mixed>, array<string, mixed>}>
     */
    private static function rows(string $file): iterable
    {
        $data = self::load($file);
        $shared = $data['defaults'] ?? $data['call_args'] ?? ($file === 'faults.json' ? self::load('replies.json')['call_args'] : []);
        foreach ($data['cases'] as $case) {
            yield $case['name'] => [$case, $shared];
        }
    }

    /** @return array<string, mixed> */
    private static function load(string $file): array
    {
        return json_decode((string) file_get_contents(self::CASES . $file), true, 512, JSON_THROW_ON_ERROR);
    }
}
