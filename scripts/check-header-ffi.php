<?php
// include/isms.h must load in PHP's FFI::cdef exactly as shipped (no
// extern "C" block, plain enums, no macro prefixes). Loads it against the
// built library and makes a few calls that need no network.
// Run: php -d ffi.enable=1 scripts/check-header-ffi.php HEADER LIBRARY

[$_, $header, $library] = $argv + [null, 'include/isms.h', 'target/release/libisms.so'];
$ffi = FFI::cdef(file_get_contents($header), realpath($library));

$failures = 0;
function check(bool $ok, string $what): void {
    global $failures;
    echo ($ok ? 'ok   ' : 'FAIL ') . $what . "\n";
    if (!$ok) {
        $failures++;
    }
}

check($ffi->isms_version() !== '', 'isms_version() returns a string');
check($ffi->isms_status_name(4) === 'ISMS_ERR_OTP_INCORRECT', 'isms_status_name(4)');
check($ffi->ISMS_ERR_BAD_RESPONSE === 11 && $ffi->ISMS_TYPE_UNICODE === 2, 'enum constants are visible');
$result = $ffi->isms_send_otp(null, '0123456789', '60', 'Code %OTP%', $ffi->ISMS_TYPE_AUTO, null);
check($result->status === $ffi->ISMS_ERR_INVALID_ARGUMENT && $result->message === 'client: must not be NULL',
      'a NULL client gives ISMS_ERR_INVALID_ARGUMENT with a reason');
$ffi->isms_send_result_free($result);
check($ffi->isms_client_new('user', '') === null && $ffi->isms_last_error_message() === 'password: must not be empty',
      'isms_client_new refuses an empty password and says why');
$client = $ffi->isms_client_new('user', 'secret');
check($ffi->isms_client_set_timeout_ms($client, 0) === $ffi->ISMS_ERR_INVALID_ARGUMENT, 'timeout 0 refused');
$ffi->isms_client_free($client);

echo $failures === 0 ? "header loads in PHP FFI: all checks passed\n" : "$failures check(s) failed\n";
exit($failures === 0 ? 0 : 1);
