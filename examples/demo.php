<?php

/*
 * The OTP login flow in PHP: send a code, read the SMS (here: the sandbox's
 * outbox, as a person reads their phone), verify a wrong code, verify the
 * right one, check the balance.
 *
 * Run it with `make php-demo`, which starts the local sandbox gateway and sets:
 *   ISMS_ENDPOINT, ISMS_CA_FILE, ISMS_USERNAME, ISMS_PASSWORD, ISMS_OUTBOX
 * Without ISMS_ENDPOINT it would talk to the real gateway.
 */

declare(strict_types=1);

require __DIR__ . '/../bindings/php/autoload.php';

use Isms\Client;
use Isms\IsmsException;
use Isms\Library;
use Isms\Status;

function env_or(string $name, ?string $fallback): ?string
{
    $value = getenv($name);
    return is_string($value) && $value !== '' ? $value : $fallback;
}

/** The code in the last SMS of the outbox file (one JSON object per line). */
function read_code_from_phone(string $outbox): ?string
{
    $lines = @file($outbox, FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES);
    if ($lines === false || $lines === []) {
        return null;
    }
    $sms = json_decode((string) end($lines), true);
    return is_array($sms) && is_string($sms['code'] ?? null) ? $sms['code'] : null;
}

$mobile = '012-345 6789';
$country = '60';

printf("libisms %s (PHP FFI, %s)\n", Library::version(), Library::loader());
try {
    $client = new Client(env_or('ISMS_USERNAME', 'demo'), env_or('ISMS_PASSWORD', 'demo-secret'), [
        'endpoint' => env_or('ISMS_ENDPOINT', null),
        'ca_file' => env_or('ISMS_CA_FILE', null),
        'timeout' => 10.0,
    ]);

    // 1. Send. Keep uuid, sms_id (and code) on the server, never in the page.
    $sent = $client->sendOtp($mobile, $country, 'Your demo login code is %OTP%. It expires in 5 minutes.');
    printf("1. sent an OTP to %s (sms_id %s, uuid %s)\n", $sent->mobile ?? $mobile, $sent->smsId, $sent->uuid);

    // 2. The user reads the SMS on their phone.
    $typed = read_code_from_phone(env_or('ISMS_OUTBOX', 'outbox.jsonl'));
    if ($typed === null) {
        fwrite(STDERR, "could not read the SMS from the outbox\n");
        exit(1);
    }
    printf("2. the phone shows the code %s\n", $typed);

    // 3. A wrong code is refused: an answer, not an exception.
    $wrong = $typed === '000000' ? '111111' : '000000';
    $check = $client->verifyOtp($mobile, $country, $wrong, $sent->smsId, $sent->uuid, 5);
    printf("3. verify %s -> %s (%s)\n", $wrong, $check->status->cName(), $check->message ?? '');
    $ok = $check->status === Status::OtpIncorrect;

    // 4. The right code is accepted.
    $check = $client->verifyOtp($mobile, $country, $typed, $sent->smsId, $sent->uuid, 5);
    printf("4. verify %s -> %s\n", $typed, $check->verified ? 'verified' : $check->status->cName());
    $ok = $ok && $check->verified;

    // 5. What is left on the account.
    $balance = $client->balance();
    printf(
        "5. balance: %.1f credits, expiring %s (%s)\n",
        $balance->balance,
        $balance->expiration ?? '?',
        $balance->expirationIso ?? 'unparsed',
    );
} catch (IsmsException $e) {
    fprintf(STDERR, "failed: %s: %s\n", $e->getStatus()->cName(), $e->getMessage());
    exit(1);
}

echo $ok ? "demo: the whole flow worked\n" : "demo: something went wrong\n";
exit($ok ? 0 : 1);
