<?php

/*
 * The OTP flow through the Composer-installed package of a project:
 * send, verify with the code from the sandbox's outbox, balance; then checks
 * that the classes and the library came from vendor/isms/isms.
 *
 *   php -d ffi.enable=1 scripts/composer-flow.php PROJECT_DIR
 *
 * Run under scripts/with-sandbox.sh (ISMS_ENDPOINT, ISMS_CA_FILE,
 * ISMS_USERNAME, ISMS_PASSWORD, ISMS_OUTBOX). Exits non-zero on any failure.
 */

declare(strict_types=1);

function check(bool $ok, string $what): void
{
    if (!$ok) {
        fwrite(STDERR, "composer-flow: FAILED: $what\n");
        exit(1);
    }
    echo "composer-flow: ok: $what\n";
}

$project = realpath($argv[1] ?? '');
check($project !== false, 'the project folder exists');
check(getenv('ISMS_LIBRARY') === false, 'ISMS_LIBRARY is not set');
require "$project/vendor/autoload.php";

$package = realpath("$project/vendor/isms/isms");
check($package !== false && !is_link("$project/vendor/isms/isms"), 'vendor/isms/isms is a folder of its own');
$classFile = (string) (new ReflectionClass(Isms\Client::class))->getFileName();
check(str_starts_with($classFile, "$package/src/"), "Isms\\Client comes from $package/src ($classFile)");

$mobile = '012-345 6789';
$client = new Isms\Client((string) getenv('ISMS_USERNAME'), (string) getenv('ISMS_PASSWORD'), [
    'endpoint' => (string) getenv('ISMS_ENDPOINT'),
    'ca_file' => (string) getenv('ISMS_CA_FILE'),
    'proxy' => '',
    'timeout' => 10.0,
]);
$sent = $client->sendOtp($mobile, '60', 'Your code is %OTP%');
check($sent->uuid !== null && $sent->smsId !== null, 'sendOtp answered with a uuid and an sms_id');

$lines = file((string) getenv('ISMS_OUTBOX'), FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES) ?: [];
$sms = json_decode((string) end($lines), true);
$code = is_array($sms) ? ($sms['code'] ?? null) : null;
check(is_string($code), 'the outbox holds the SMS with its code');

$check = $client->verifyOtp($mobile, '60', $code, $sent->smsId, $sent->uuid, 5);
check($check->verified === true, 'verifyOtp with the code from the outbox: verified');
$balance = $client->balance();
check(is_float($balance->balance), sprintf('balance: %.1f credits', $balance->balance));

$loaded = Isms\Library::path();
$expected = "$package/lib/libisms.so.1";
check(
    $loaded !== null && realpath($loaded) === $expected,
    "the library came from $expected (loaded: " . var_export($loaded, true) . ')',
);
check(Isms\Library::version() !== '', 'libisms ' . Isms\Library::version());
