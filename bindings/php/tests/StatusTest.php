<?php

declare(strict_types=1);

namespace Isms\Tests;

use Isms\IsmsException;
use Isms\Library;
use Isms\RejectedException;
use Isms\AuthenticationException;
use Isms\Status;
use Isms\Tests\Support\Header;
use Isms\Tests\Support\IsmsTestCase;
use Isms\Tests\Support\Sandbox;

/**
 * Status and the exceptions against include/isms.h and the shared table
 * tests/cases/statuses.json: every C name, value and exception class; and
 * the data a failed call's exception carries.
 */
final class StatusTest extends IsmsTestCase
{
    /** @return array<string, array<string, mixed>> C name => its line of statuses.json */
    private static function table(): array
    {
        return array_column(Header::cases('statuses.json'), null, 'name');
    }

    public function testEveryHeaderStatusHasALineInTheTable(): void
    {
        self::assertSame([], array_values(array_diff(array_keys(Header::statuses()), array_keys(self::table()))),
            'add them to tests/cases/statuses.json');
    }

    public function testTheStatusEnumIsTheHeaderEnum(): void
    {
        $table = self::table();
        $binding = [];
        foreach (Status::cases() as $case) {
            $line = array_values(array_filter($table, static fn (array $l): bool => $l['php_case'] === $case->name));
            self::assertCount(1, $line, "Status::{$case->name} has no line in statuses.json");
            $binding[$line[0]['name']] = $case->value;
        }
        self::assertSame(Header::statuses(), $binding);
    }

    /** @return iterable<string, array{string, int}> */
    public static function headerStatuses(): iterable
    {
        foreach (Header::statuses() as $name => $value) {
            yield $name => [$name, $value];
        }
    }

    /** @dataProvider headerStatuses */
    public function testEachStatusHasItsCaseAndExceptionClass(string $cName, int $value): void
    {
        $line = self::table()[$cName];
        $status = Status::from($value);
        self::assertSame($line['php_case'], $status->name);
        self::assertSame($cName, $status->cName());
        self::assertSame($cName, Library::ffi()->isms_status_name($value));
        if ($line['php_exception'] === null) {
            try {
                IsmsException::fromStatus($status, 'not a failure');
                self::fail("$cName is not a failure, yet it has an exception");
            } catch (\LogicException) {
                return;
            }
        }
        $class = 'Isms\\' . $line['php_exception'];
        $e = IsmsException::fromStatus($status, 'why', 502, 'u-1', '42', '+6012');
        self::assertSame($class, get_class($e));
        self::assertSame($status, $e->getStatus());
        self::assertSame(['why', 502, 'u-1', '42', '+6012'],
            [$e->getMessage(), $e->getHttpStatus(), $e->getUuid(), $e->getSmsId(), $e->getMobile()]);
    }

    private const FAILED = ['uuid' => '1a1e1b86-4f2d', 'sms_id' => '1171081605', 'mobile' => '+6012-3456789'];

    public function testAFailedSendThrowsWithTheIdsOfTheReply(): void
    {
        $body = (string) json_encode(['status' => 'Failed', 'message' => 'Authentication Failed', 'code' => '408902'] + self::FAILED);
        $client = Sandbox::client(Sandbox::tag('status-send'), 'body-' . bin2hex($body));
        $e = self::assertThrowsIsms(AuthenticationException::class, Status::Auth, 200,
            static fn () => $client->sendOtp('0123456789', '60', 'Code %OTP%'));
        self::assertSame(array_values(self::FAILED), [$e->getUuid(), $e->getSmsId(), $e->getMobile()]);
        self::assertStringNotContainsString('408902', (string) $e);
    }

    public function testAFailedVerifyThrowsWithTheIdsOfTheReply(): void
    {
        $body = (string) json_encode(['status' => 'Failed', 'message' => 'Invalid Request'] + self::FAILED);
        $client = Sandbox::client(Sandbox::tag('status-verify'), 'body-' . bin2hex($body));
        $e = self::assertThrowsIsms(RejectedException::class, Status::Rejected, 200,
            static fn () => $client->verifyOtp('0123456789', '60', '123456', '1171081605', '1a1e1b86-4f2d'));
        self::assertSame(array_values(self::FAILED), [$e->getUuid(), $e->getSmsId(), $e->getMobile()]);
    }

    public function testAFailureWithoutIdsHasNulls(): void
    {
        $body = (string) json_encode(['status' => 'Failed', 'message' => 'Invalid Request']);
        $client = Sandbox::client(Sandbox::tag('status-none'), 'body-' . bin2hex($body));
        $e = self::assertThrowsIsms(RejectedException::class, Status::Rejected, 200,
            static fn () => $client->sendOtp('0123456789', '60', 'Code %OTP%'));
        self::assertSame([null, null, null], [$e->getUuid(), $e->getSmsId(), $e->getMobile()]);
    }
}
