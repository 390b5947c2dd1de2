<?php

declare(strict_types=1);

namespace Isms\Tests;

use Isms\AuthenticationException;
use Isms\Balance;
use Isms\MessageType;
use Isms\SendResult;
use Isms\Status;
use Isms\Tests\Support\IsmsTestCase;
use Isms\Tests\Support\Sandbox;
use Isms\VerifyResult;

/**
 * The OTP flow against the sandbox over HTTPS with its test CA: send, read
 * the SMS, a wrong code, the right one, an expired one, the balance; and
 * what went over the wire.
 */
final class FlowTest extends IsmsTestCase
{
    public function testTheWholeFlow(): void
    {
        $tag = Sandbox::tag('flow');
        $client = Sandbox::client($tag);
        $before = $client->balance()->balance;

        $text = 'Your code is %OTP%, valid 5 minutes';
        $sent = $client->sendOtp('012-345 6789', '60', $text);
        self::assertInstanceOf(SendResult::class, $sent);
        self::assertSame(200, $sent->httpStatus);
        self::assertMatchesRegularExpression('/^[0-9]{6}$/', (string) $sent->code);
        self::assertMatchesRegularExpression('/^[0-9]{1,20}$/', $sent->smsId);
        self::assertNotSame('', $sent->uuid);
        self::assertSame('+6012-3456789', $sent->mobile);

        // The user reads the SMS on their phone: the sandbox's outbox.
        $outbox = Sandbox::outbox($tag);
        self::assertCount(1, $outbox);
        $sms = $outbox[0];
        self::assertSame($sent->code, $sms['code']);
        self::assertSame("Your code is {$sent->code}, valid 5 minutes", $sms['message']);
        self::assertSame(['123456789', '60'], [$sms['mobile'], $sms['country_code']]);
        self::assertSame([$sent->uuid, $sent->smsId], [$sms['uuid'], $sms['sms_id']]);

        $wire = Sandbox::wire($tag, 1);
        self::assertStringContainsString('%25OTP%25', Sandbox::rawQuery($tag, 1));
        self::assertSame([$text], $wire['message']);
        self::assertSame(['1'], $wire['type'], 'AUTO picks ASCII');
        self::assertSame([['123456789'], ['60']], [$wire['mobile'], $wire['country_code']]);
        self::assertSame([[Sandbox::username()], [Sandbox::password()]], [$wire['un'], $wire['pass']]);
        self::assertArrayNotHasKey('method', $wire);
        self::assertArrayNotHasKey('sendid', $wire);

        $wrong = $sms['code'] === '000000' ? '111111' : '000000';
        $check = $client->verifyOtp('012-345 6789', '60', $wrong, $sent->smsId, $sent->uuid, 5);
        self::assertInstanceOf(VerifyResult::class, $check);
        self::assertFalse($check->verified);
        self::assertSame(Status::OtpIncorrect, $check->status);
        self::assertSame(200, $check->httpStatus);
        self::assertStringContainsString('Incorrect OTP Code', (string) $check->message);

        $check = $client->verifyOtp('+60 12-345 6789', '+60', $sms['code'], $sent->smsId, $sent->uuid, 5);
        self::assertTrue($check->verified);
        self::assertSame(Status::Ok, $check->status);
        self::assertNull($check->message);
        self::assertSame([200, $sent->uuid, $sent->smsId], [$check->httpStatus, $check->uuid, $check->smsId]);
        $wire = Sandbox::wire($tag, 3);
        self::assertSame(
            [['verify'], [$sent->code], ['5'], [$sent->smsId], [$sent->uuid], ['123456789'], ['60']],
            [$wire['method'], $wire['code'], $wire['interval'], $wire['sms_id'], $wire['uuid'], $wire['mobile'], $wire['country_code']],
        );

        // A used code is not an OTP answer: the gateway's "Already Used" is a refusal.
        $e = self::assertThrowsIsms(
            \Isms\RejectedException::class,
            Status::Rejected,
            200,
            static fn () => $client->verifyOtp('0123456789', '60', $sms['code'], $sent->smsId, $sent->uuid),
        );
        self::assertStringContainsString('OTP Code Already Used', $e->getMessage());

        $balance = $client->balance();
        self::assertInstanceOf(Balance::class, $balance);
        self::assertLessThan($before, $balance->balance);
        self::assertSame((float) $balance->balanceText, $balance->balance);
        self::assertNotEmpty($balance->expiration);
        self::assertMatchesRegularExpression('/^\d{4}-\d{2}-\d{2}$/', (string) $balance->expirationIso);
        self::assertSame(200, $balance->httpStatus);
        self::assertSame(['balance'], Sandbox::wire($tag, 5)['method']);
        self::assertSame(6, Sandbox::requestCount($tag));
    }

    public function testAnExpiredCode(): void
    {
        $tag = Sandbox::tag('expiry');
        $client = Sandbox::client($tag);
        $sent = $client->sendOtp('0123456789', '60', 'Code %OTP%', MessageType::Ascii);
        Sandbox::advance(400);
        $check = $client->verifyOtp('0123456789', '60', (string) $sent->code, $sent->smsId, $sent->uuid, 5);
        self::assertFalse($check->verified);
        self::assertSame(Status::OtpExpired, $check->status);
        self::assertSame(200, $check->httpStatus);
        self::assertStringContainsString('OTP Code Expired', (string) $check->message);

        // No interval (null, or 0): not sent, so the gateway applies no expiry.
        $check = $client->verifyOtp('0123456789', '60', (string) $sent->code, $sent->smsId, $sent->uuid);
        self::assertTrue($check->verified);
        self::assertArrayNotHasKey('interval', Sandbox::wire($tag, 2));
        self::assertSame(3, Sandbox::requestCount($tag));
    }

    public function testUnicodeSenderIdAndNoInjection(): void
    {
        $tag = Sandbox::tag('unicode');
        $client = Sandbox::client($tag);
        $text = '验证码 %OTP% — kód';
        $sent = $client->sendOtp('0123456789', '60', $text);
        self::assertSame(['2'], Sandbox::wire($tag, 0)['type'], 'AUTO picks Unicode');
        self::assertSame([$text], Sandbox::wire($tag, 0)['message']);
        self::assertSame("验证码 {$sent->code} — kód", Sandbox::outbox($tag)[0]['message']);

        $tag = Sandbox::tag('inject');
        $client = Sandbox::client($tag);
        $evil = 'Code %OTP% a&un=x&pass=y&type=2&method=balance b=c+d 100%';
        $sent = $client->sendOtp('0123456789', '60', $evil, MessageType::Auto, 'MyApp');
        $wire = Sandbox::wire($tag, 0);
        self::assertSame([[$evil], ['1'], ['MyApp'], [Sandbox::username()]], [$wire['message'], $wire['type'], $wire['sendid'], $wire['un']]);
        self::assertArrayNotHasKey('method', $wire);
        self::assertSame(
            "Code {$sent->code} a&un=x&pass=y&type=2&method=balance b=c+d 100%",
            Sandbox::outbox($tag)[0]['message'],
        );
    }

    /** Both proxy kinds of the sandbox, set through the options array. */
    public function testThroughProxies(): void
    {
        foreach (['http' => 'proxy_port', 'socks5' => 'socks_port'] as $scheme => $port) {
            $tag = Sandbox::tag("proxy-$scheme");
            $client = Sandbox::client($tag, options: ['proxy' => "$scheme://127.0.0.1:" . Sandbox::port($port)]);
            $listener = $scheme === 'http' ? 'proxy' : 'socks';
            $before = Sandbox::stats(null)['listeners'][$listener];
            $sent = $client->sendOtp('0123456789', '60', 'Code %OTP%');
            self::assertTrue($client->verifyOtp('0123456789', '60', (string) $sent->code, $sent->smsId, $sent->uuid, 5)->verified);
            self::assertGreaterThan($before, Sandbox::stats(null)['listeners'][$listener], "a $scheme tunnel was opened");
            self::assertSame(2, Sandbox::requestCount($tag));
        }
    }

    public function testPlainHttpOnLoopback(): void
    {
        $tag = Sandbox::tag('http');
        $client = Sandbox::client($tag, options: ['endpoint' => Sandbox::endpoint($tag, null, 'http')]);
        self::assertGreaterThan(0.0, $client->balance()->balance);
        self::assertSame(1, Sandbox::requestCount($tag));
    }

    public function testAWrongPassword(): void
    {
        $tag = Sandbox::tag('auth');
        $client = Sandbox::client($tag, password: Sandbox::MARKER);
        $e = self::assertThrowsIsms(
            AuthenticationException::class,
            Status::Auth,
            200,
            static fn () => $client->sendOtp('0123456789', '60', 'Code %OTP%'),
        );
        self::assertStringContainsString('Authentication Failed', $e->getMessage());
        self::assertThrowsIsms(
            AuthenticationException::class,
            Status::Auth,
            200,
            static fn () => $client->verifyOtp('0123456789', '60', '123456', '1171081025', 'some-uuid', 5),
        );
        self::assertThrowsIsms(AuthenticationException::class, Status::Auth, 200, static fn () => $client->balance());
        $wire = Sandbox::wire($tag, 0);
        self::assertSame([Sandbox::MARKER], $wire['pass'], 'a password with & % = space + travels as one parameter');
        self::assertStringNotContainsString(Sandbox::MARKER, Sandbox::rawQuery($tag, 0));
        self::assertSame(3, Sandbox::requestCount($tag));
    }
}
