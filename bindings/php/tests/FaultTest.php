<?php

declare(strict_types=1);

namespace Isms\Tests;

use Isms\AuthenticationException;
use Isms\BadResponseException;
use Isms\Client;
use Isms\ConnectException;
use Isms\HttpStatusException;
use Isms\InsufficientCreditException;
use Isms\IsmsException;
use Isms\RejectedException;
use Isms\Status;
use Isms\TlsException;
use Isms\Tests\Support\IsmsTestCase;
use Isms\Tests\Support\Sandbox;

/**
 * Every sandbox fault mode (slow and trickle: TimeoutTest), and TLS and
 * connection failures, mapped to its exception: class, getStatus(),
 * getHttpStatus(), a message, no password, and a request that was never
 * sent twice. The shared cases (ConformanceTest) cover the reply rules in
 * depth; this is the exception side, mode by mode.
 */
final class FaultTest extends IsmsTestCase
{
    /** @return \Closure(Client): mixed */
    private static function call(string $what): \Closure
    {
        return match ($what) {
            'send' => static fn (Client $c) => $c->sendOtp('0123456789', '60', 'Code %OTP%'),
            'verify' => static fn (Client $c) => $c->verifyOtp('0123456789', '60', '123456', '1171081025', 'bd9a1ff0-4f2c-11eb', 5),
            'balance' => static fn (Client $c) => $c->balance(),
        };
    }

    /**
     * [mode, call, the fault passes the request to the gateway first, class, status, http, in the message]
     *
     * @return iterable<string, array{string, string, bool, class-string<IsmsException>, Status, int, ?string}>
     */
    public function faults(): iterable
    {
        $rows = [
            ['http500', 'send', false, HttpStatusException::class, Status::HttpStatus, 500, '500'],
            ['http503', 'balance', false, HttpStatusException::class, Status::HttpStatus, 503, '503'],
            ['http404', 'verify', false, HttpStatusException::class, Status::HttpStatus, 404, '404'],
            ['redirect', 'send', true, HttpStatusException::class, Status::HttpStatus, 302, null],
            ['html', 'send', false, BadResponseException::class, Status::BadResponse, 200, null],
            ['html', 'balance', false, BadResponseException::class, Status::BadResponse, 200, null],
            ['truncated', 'send', false, BadResponseException::class, Status::BadResponse, 200, null],
            ['empty', 'verify', false, BadResponseException::class, Status::BadResponse, 200, null],
            ['oversize', 'send', false, BadResponseException::class, Status::BadResponse, 200, null],
            ['oversize-chunked', 'balance', false, BadResponseException::class, Status::BadResponse, 200, null],
            ['no-uuid', 'send', true, BadResponseException::class, Status::BadResponse, 200, null],
            ['classic-1001', 'send', false, AuthenticationException::class, Status::Auth, 200, null],
            ['classic-1001', 'balance', false, AuthenticationException::class, Status::Auth, 200, null],
            ['classic-1004', 'send', false, InsufficientCreditException::class, Status::InsufficientCredit, 200, null],
            ['classic-1004', 'verify', false, InsufficientCreditException::class, Status::InsufficientCredit, 200, null],
            ['classic-1003', 'send', false, RejectedException::class, Status::Rejected, 200, '-1003'],
            ['classic-1009', 'balance', false, RejectedException::class, Status::Rejected, 200, 'INVALID DESTINATION NUMBER'],
            ['failed-Invalid-Request', 'send', false, RejectedException::class, Status::Rejected, 200, 'Invalid Request'],
            ['failed-USER-AUTHENTICATION-ERROR', 'verify', false, AuthenticationException::class, Status::Auth, 200, null],
            ['failed-No-Credit-Left', 'balance', false, InsufficientCreditException::class, Status::InsufficientCredit, 200, null],
            ['failed-OTP-Code-Expired', 'send', false, RejectedException::class, Status::Rejected, 200, 'OTP Code Expired'],
            ['body-' . bin2hex('{"status":"Failed","message":"Insufficient Credit"}'), 'send', false, InsufficientCreditException::class, Status::InsufficientCredit, 200, 'Insufficient Credit'],
            ['reset', 'send', false, ConnectException::class, Status::Connect, 0, null],
            ['reset', 'verify', false, ConnectException::class, Status::Connect, 0, null],
            ['close', 'balance', false, ConnectException::class, Status::Connect, 0, null],
        ];
        foreach ($rows as $row) {
            yield substr($row[0], 0, 24) . " $row[1]" => $row;
        }
    }

    /**
     * @dataProvider faults
     * @param class-string<IsmsException> $class
     */
    public function testAFaultThrowsItsException(
        string $mode,
        string $what,
        bool $goodPassword,
        string $class,
        Status $status,
        int $http,
        ?string $inMessage,
    ): void {
        $tag = Sandbox::tag('fault');
        $client = Sandbox::client($tag, $mode, $goodPassword ? null : Sandbox::MARKER);
        $call = self::call($what);
        $e = self::assertThrowsIsms($class, $status, $http, static fn () => $call($client));
        if ($inMessage !== null) {
            self::assertStringContainsString($inMessage, $e->getMessage());
        }
        self::assertSame(1, Sandbox::requestCount($tag), 'exactly one request, never repeated');
    }

    public function testARedirectIsNotFollowed(): void
    {
        $tag = Sandbox::tag('redirect');
        $untagged = Sandbox::stats(null)['requests'];
        $client = Sandbox::client($tag, 'redirect');
        self::assertThrowsIsms(HttpStatusException::class, Status::HttpStatus, 302, static fn () => $client->balance());
        self::assertSame($untagged, Sandbox::stats(null)['requests'], 'the redirect target saw nothing');
    }

    public function testTlsFailuresAreFinal(): void
    {
        foreach (['no CA file' => null, 'a CA that signed nothing here' => Sandbox::otherCaFile()] as $label => $ca) {
            $tag = Sandbox::tag('tls');
            $client = new Client(Sandbox::username(), Sandbox::MARKER, ['endpoint' => Sandbox::endpoint($tag), 'ca_file' => $ca]);
            $before = Sandbox::stats(null)['accepted']['https'];
            self::assertThrowsIsms(TlsException::class, Status::Tls, 0, static fn () => $client->balance());
            self::assertSame($before + 1, Sandbox::stats(null)['accepted']['https'], "$label: one handshake, not retried");
            self::assertSame(0, Sandbox::requestCount($tag), "$label: no request over an untrusted connection");
        }
    }

    public function testConnectionFailures(): void
    {
        // Lost during the TLS handshake, before any request byte: tried 3 times.
        $drop = Sandbox::port('drop_port');
        $client = Sandbox::client('unused', options: ['endpoint' => Sandbox::endpoint('drop', null, 'https', $drop)]);
        $before = Sandbox::stats(null)['accepted']['drop'];
        self::assertThrowsIsms(ConnectException::class, Status::Connect, 0, static fn () => $client->balance());
        self::assertSame($before + 3, Sandbox::stats(null)['accepted']['drop'], '1 try + 2 retries');

        // Closed after a plain-HTTP request was written: never sent again.
        $client = Sandbox::client('unused', options: ['endpoint' => Sandbox::endpoint('drop', null, 'http', $drop)]);
        $before = Sandbox::stats(null)['accepted']['drop'];
        self::assertThrowsIsms(ConnectException::class, Status::Connect, 0, static fn () => self::call('send')($client));
        self::assertSame($before + 1, Sandbox::stats(null)['accepted']['drop'], 'a written request is not repeated');

        // Nothing listening, directly or as the proxy.
        $closed = self::closedPort();
        $client = Sandbox::client('unused', options: ['endpoint' => Sandbox::endpoint('refused', null, 'https', $closed)]);
        self::assertThrowsIsms(ConnectException::class, Status::Connect, 0, static fn () => $client->balance());
        $tag = Sandbox::tag('dead-proxy');
        $client = Sandbox::client($tag, options: ['proxy' => "http://127.0.0.1:$closed"]);
        self::assertThrowsIsms(ConnectException::class, Status::Connect, 0, static fn () => $client->balance());
        self::assertSame(0, Sandbox::requestCount($tag), 'nothing went around the dead proxy');
    }

    /** A loopback port with nothing listening: bound, read, closed. */
    private static function closedPort(): int
    {
        $server = stream_socket_server('tcp://127.0.0.1:0', $errno, $error);
        self::assertIsResource($server, (string) $error);
        $port = (int) substr((string) strrchr((string) stream_socket_get_name($server, false), ':'), 1);
        fclose($server);
        return $port;
    }
}
