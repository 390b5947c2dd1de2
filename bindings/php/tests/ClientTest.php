<?php

declare(strict_types=1);

namespace Isms\Tests;

use Isms\Client;
use Isms\InvalidArgumentException;
use Isms\IsmsException;
use Isms\MessageType;
use Isms\Status;
use Isms\Tests\Support\IsmsTestCase;
use Isms\Tests\Support\Sandbox;

/**
 * The PHP surface itself: options, argument checks made by the binding
 * before C sees a value, the exception table, and what a Client lets out
 * (dumps, clones, serialization).
 */
final class ClientTest extends IsmsTestCase
{
    /** @return iterable<string, array{array<mixed>, string}> */
    public function badOptions(): iterable
    {
        yield 'unknown key' => [['endpiont' => 'x'], 'options: unknown key "endpiont" (known: endpoint, timeout, ca_file, proxy, guard_limits, guard, allowed_countries, logger)'];
        yield 'list instead of keys' => [['https://x'], 'options: unknown key "0"'];
        yield 'endpoint not a string' => [['endpoint' => 42], 'endpoint: expected a string or null, got int'];
        yield 'endpoint with NUL' => [['endpoint' => "https://127.0.0.1/\0x"], 'endpoint: must not contain a NUL byte'];
        yield 'endpoint refused by the library' => [['endpoint' => 'ftp://127.0.0.1/'], 'endpoint: '];
        yield 'timeout not a number' => [['timeout' => '5'], 'timeout: expected seconds as an int or float, got string'];
        yield 'timeout 0' => [['timeout' => 0.0], 'timeout: '];
        yield 'timeout negative' => [['timeout' => -1], 'timeout: must be more than 0 seconds, got -1'];
        yield 'timeout NAN' => [['timeout' => NAN], 'timeout: NAN is not a finite number of seconds'];
        yield 'timeout beyond uint32 ms' => [['timeout' => 4294968.0], 'timeout: '];
        yield 'ca_file missing' => [['ca_file' => '/nonexistent/ca.pem'], 'ca_file: cannot read /nonexistent/ca.pem'];
        yield 'ca_file not PEM' => [['ca_file' => __FILE__], 'ca_file: '];
        yield 'ca_file with NUL' => [['ca_file' => "/etc/\0ca.pem"], 'ca_file: must not contain a NUL byte'];
        yield 'proxy scheme' => [['proxy' => 'ftp://127.0.0.1:21'], 'proxy: '];
        yield 'proxy array' => [['proxy' => []], 'proxy: expected a string or null, got array'];
    }

    /**
     * @dataProvider badOptions
     * @param array<mixed> $options
     */
    public function testARefusedOptionNamesTheSettingAndTheReason(array $options, string $message): void
    {
        $e = self::assertThrowsIsms(
            InvalidArgumentException::class,
            Status::InvalidArgument,
            0,
            static fn () => new Client('demo', Sandbox::password(), $options + ['endpoint' => Sandbox::endpoint('unused')]),
        );
        self::assertStringStartsWith($message, $e->getMessage());
    }

    public function testARefusedProxyUrlIsNotEchoed(): void
    {
        $e = self::assertThrowsIsms(
            InvalidArgumentException::class,
            Status::InvalidArgument,
            0,
            static fn () => new Client('demo', 'pw', ['proxy' => 'ftp://user:Hunter2Secret@127.0.0.1']),
        );
        self::assertStringStartsWith('proxy: ', $e->getMessage());
        self::assertStringNotContainsString('Hunter2', $e->getMessage());
    }

    public function testAcceptedOptions(): void
    {
        $tag = Sandbox::tag('options');
        foreach ([
            ['timeout' => 5],
            ['timeout' => 0.001, 'proxy' => ''],
            ['timeout' => 0.0004], // rounded up to 1 ms, never to the 0 the library refuses
            ['timeout' => 4294967.295, 'proxy' => null, 'ca_file' => Sandbox::caFile()],
            ['endpoint' => null],
            ['endpoint' => 'https://localhost:1/2FA/request.php', 'proxy' => 'socks5://127.0.0.1:1080'],
            ['endpoint' => 'http://localhost:1/2FA/request.php', 'proxy' => ''],
            ['guard' => 'memory:', 'guard_limits' => ['code_attempts' => 3, 'send_window' => 60.5], 'allowed_countries' => ['60', '+65']],
            ['guard' => null, 'allowed_countries' => '60, 65'],
        ] as $options) {
            $client = new Client('demo', 'pw', $options + ['endpoint' => Sandbox::endpoint($tag)]);
            self::assertSame(['username' => 'demo', 'open' => true], $client->__debugInfo());
        }
        self::assertSame(0, Sandbox::requestCount($tag), 'settings alone send nothing');
    }

    /** @return iterable<string, array{string, string, string}> */
    public function refusedCredentials(): iterable
    {
        yield 'empty username' => ['', 'pw', 'username: must not be empty'];
        yield 'empty password' => ['demo', '', 'password: must not be empty'];
        yield 'password with NUL' => ['demo', "pw\0" . Sandbox::MARKER, 'password: must not contain a NUL byte'];
        yield 'username with NUL' => ["de\0mo", 'pw', 'username: must not contain a NUL byte'];
        yield 'password not UTF-8' => ['demo', "pw\xff", 'password: not valid UTF-8'];
    }

    /** @dataProvider refusedCredentials */
    public function testRefusedCredentials(string $username, string $password, string $message): void
    {
        $e = self::assertThrowsIsms(
            InvalidArgumentException::class,
            Status::InvalidArgument,
            0,
            static fn () => new Client($username, $password),
        );
        self::assertSame($message, $e->getMessage());
    }

    /** @return iterable<string, array{\Closure(Client): mixed, string}> */
    public function refusedByTheBinding(): iterable
    {
        yield 'NUL in mobile' => [static fn (Client $c) => $c->sendOtp("0123\x00456789", '60', 'Code %OTP%'), 'mobile: must not contain a NUL byte'];
        yield 'NUL in country_code' => [static fn (Client $c) => $c->sendOtp('0123456789', "6\x000", 'Code %OTP%'), 'country_code: must not contain a NUL byte'];
        yield 'NUL in message' => [static fn (Client $c) => $c->sendOtp('0123456789', '60', "Code %OTP%\x00&type=2"), 'message: must not contain a NUL byte'];
        yield 'NUL in sender_id' => [static fn (Client $c) => $c->sendOtp('0123456789', '60', 'Code %OTP%', MessageType::Auto, "App\x00"), 'sender_id: must not contain a NUL byte'];
        yield 'type beyond int32' => [static fn (Client $c) => $c->sendOtp('0123456789', '60', 'Code %OTP%', 0x80000000), 'type: 2147483648 is out of range'];
        yield 'NUL in code' => [static fn (Client $c) => $c->verifyOtp('0123456789', '60', "1234\x0056", '1171081025', 'u-1'), 'code: must not contain a NUL byte'];
        yield 'NUL in sms_id' => [static fn (Client $c) => $c->verifyOtp('0123456789', '60', '123456', "1171\x00081025", 'u-1'), 'sms_id: must not contain a NUL byte'];
        yield 'NUL in uuid' => [static fn (Client $c) => $c->verifyOtp('0123456789', '60', '123456', '1171081025', "u\x001"), 'uuid: must not contain a NUL byte'];
        yield 'negative interval' => [static fn (Client $c) => $c->verifyOtp('0123456789', '60', '123456', '1171081025', 'u-1', -5), 'interval: -5 is out of range'];
        yield 'interval beyond uint32' => [static fn (Client $c) => $c->verifyOtp('0123456789', '60', '123456', '1171081025', 'u-1', 0x100000005), 'interval: 4294967301 is out of range'];
        yield 'NUL in verify sender_id' => [static fn (Client $c) => $c->verifyOtp('0123456789', '60', '123456', '1171081025', 'u-1', 5, "\x00"), 'sender_id: must not contain a NUL byte'];
    }

    /**
     * Values C cannot receive intact (a NUL byte would cut a string short; an
     * int that does not fit would wrap) are refused before the call.
     *
     * @dataProvider refusedByTheBinding
     * @param \Closure(Client): mixed $call
     */
    public function testValuesCCannotHoldAreRefusedBeforeTheCall(\Closure $call, string $message): void
    {
        $tag = Sandbox::tag('binding-refusal');
        $client = Sandbox::client($tag);
        $e = self::assertThrowsIsms(InvalidArgumentException::class, Status::InvalidArgument, 0, static fn () => $call($client));
        self::assertSame($message, $e->getMessage());
        self::assertSame(0, Sandbox::requestCount($tag));
    }

    /** An int type goes to the library as is, which checks it like C's. */
    public function testAnIntTypeIsCheckedByTheLibrary(): void
    {
        $tag = Sandbox::tag('int-type');
        $client = Sandbox::client($tag);
        $e = self::assertThrowsIsms(
            InvalidArgumentException::class,
            Status::InvalidArgument,
            0,
            static fn () => $client->sendOtp('0123456789', '60', 'Code %OTP%', 7),
        );
        self::assertStringStartsWith('type: ', $e->getMessage());
        self::assertSame(0, Sandbox::requestCount($tag));
        $sent = $client->sendOtp('0123456789', '60', 'Code %OTP%', 2);
        self::assertSame(['2'], Sandbox::wire($tag, 0)['type']);
        self::assertNotSame('', $sent->uuid);
    }

    public function testEveryNonOkStatusHasItsOwnFinalException(): void
    {
        $classes = [];
        foreach (Status::cases() as $status) {
            if ($status === Status::Ok) {
                continue;
            }
            $e = IsmsException::fromStatus($status, 'why', 503);
            $class = new \ReflectionClass($e);
            self::assertTrue($class->isFinal(), $class->getName());
            self::assertSame('Isms', $class->getNamespaceName());
            self::assertSame($status, $e->getStatus());
            self::assertSame(503, $e->getHttpStatus());
            self::assertSame('why', $e->getMessage());
            self::assertInstanceOf(\RuntimeException::class, $e);
            $classes[] = $class->getShortName();
        }
        self::assertSame([
            'InvalidArgumentException', 'AuthenticationException', 'InsufficientCreditException',
            'OtpIncorrectException', 'OtpExpiredException', 'RejectedException', 'TimeoutException',
            'ConnectException', 'TlsException', 'HttpStatusException', 'BadResponseException', 'InternalException',
            'RateLimitedException', 'TooManyAttemptsException', 'NotAllowedException', 'GuardStoreException',
        ], $classes);
        $this->expectException(\LogicException::class);
        IsmsException::fromStatus(Status::Ok, 'not a failure');
    }

    public function testAClientCannotBeClonedOrSerialized(): void
    {
        $client = Sandbox::client(Sandbox::tag('clone'));
        self::assertTrue((new \ReflectionMethod(Client::class, '__clone'))->isPrivate());
        try {
            $copy = clone $client;
            self::fail('cloned: ' . get_debug_type($copy));
        } catch (\Error $e) {
            self::assertStringContainsString('Call to private Isms\Client::__clone()', $e->getMessage());
        }
        try {
            serialize($client);
            self::fail('serialized');
        } catch (\LogicException $e) {
            self::assertSame('Isms\Client cannot be serialized', $e->getMessage());
        }
        try {
            unserialize('O:11:"Isms\Client":1:{s:8:"username";s:4:"demo";}');
            self::fail('unserialized');
        } catch (\LogicException $e) {
            self::assertSame('Isms\Client cannot be unserialized', $e->getMessage());
        }
        // The client still works after all that.
        self::assertGreaterThan(0, $client->balance()->balance);
    }

    /** No property of the client holds the password (or anything but the username and the handle). */
    public function testTheClientKeepsNoSecret(): void
    {
        $client = Sandbox::client(Sandbox::tag('props'));
        $props = array_map(
            static fn (\ReflectionProperty $p): string => $p->getName(),
            (new \ReflectionClass($client))->getProperties(),
        );
        self::assertSame(['logger', 'handle', 'username'], $props);
        self::assertSame(Sandbox::username(), (new \ReflectionProperty($client, 'username'))->getValue($client));
        self::assertSame(['username' => Sandbox::username(), 'open' => true], $client->__debugInfo());
    }
}
