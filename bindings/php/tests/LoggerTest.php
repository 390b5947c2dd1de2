<?php

declare(strict_types=1);

namespace Isms\Tests;

use Isms\Client;
use Isms\InvalidArgumentException;
use Isms\Tests\Support\IsmsTestCase;
use Isms\Tests\Support\Sandbox;

/**
 * The 'logger' option: any object with a PSR-3 log() method gets one line
 * per call, written from PHP, with no secret.
 */
final class LoggerTest extends IsmsTestCase
{
    public function testOneLinePerCallWithAMaskedNumberAndNoSecret(): void
    {
        $logger = new class {
            /** @var list<array{string, string, array<string, mixed>}> */
            public array $lines = [];

            /** @param array<string, mixed> $context */
            public function log(mixed $level, string|\Stringable $message, array $context = []): void
            {
                $this->lines[] = [(string) $level, (string) $message, $context];
            }
        };
        $tag = Sandbox::tag('logger');
        $client = Sandbox::client($tag, null, null, ['logger' => $logger]);
        $sent = $client->sendOtp('012-345 6789', '60', 'Your code is %OTP%');
        $client->verifyOtp('012-345 6789', '60', $sent->code === '000000' ? '111111' : '000000', $sent->smsId, $sent->uuid);
        $client->balance();
        self::assertCount(3, $logger->lines);
        [$level, $line, $context] = $logger->lines[0];
        self::assertSame('info', $level);
        self::assertStringStartsWith('send +6012****789 ISMS_OK http=200 ms=', $line);
        self::assertSame(['operation' => 'send', 'status' => 'ISMS_OK', 'http_status' => 200], array_diff_key($context, ['ms' => 0]));
        self::assertIsInt($context['ms']);
        self::assertStringStartsWith('verify +6012****789 ISMS_ERR_OTP_INCORRECT http=200 ', $logger->lines[1][1]);
        self::assertStringStartsWith('balance - ISMS_OK http=200 ', $logger->lines[2][1]);
        foreach ($logger->lines as [, $text, $ctx]) {
            self::assertNoSecret($text . json_encode($ctx), 'log line');
            self::assertStringNotContainsString((string) $sent->code, $text);
            self::assertStringNotContainsString('123456789', $text);
        }
    }

    public function testNumbersAreMaskedAsTheLibraryMasksThem(): void
    {
        self::assertSame('+6012****789', Client::maskNumber('60', '012-345 6789'));
        self::assertSame('+6012****789', Client::maskNumber('+60', '+60 12 345 6789'));
        self::assertSame('+6512*456', Client::maskNumber('65', '123456'));
        self::assertSame('+1***45', Client::maskNumber('1', '12345'));
    }

    public function testALoggerWithoutLogIsRefused(): void
    {
        $this->expectException(InvalidArgumentException::class);
        $this->expectExceptionMessage('logger:');
        new Client('demo', 'pw', ['logger' => new \stdClass()]);
    }
}
