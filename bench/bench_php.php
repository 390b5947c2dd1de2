<?php
// The PHP binding against PHP's curl (one handle reused): the same balance
// request to the same local HTTPS server, interleaved rounds, one run. Both
// sides read the balance: curl's reply is decoded (json_decode) and its
// balance read (the binding does more: its result also holds the expiry).

declare(strict_types=1);

require __DIR__ . '/../bindings/php/autoload.php';

const ROUNDS = 21;
const PER_ROUND = 300;

$endpoint = getenv('ISMS_ENDPOINT');
$ca = getenv('ISMS_CA_FILE');
$user = getenv('ISMS_USERNAME');
$password = getenv('ISMS_PASSWORD');
$client = new Isms\Client($user, $password, ['endpoint' => $endpoint, 'ca_file' => $ca, 'proxy' => '']);
$handle = curl_init($endpoint . '?' . http_build_query(['un' => $user, 'pass' => $password, 'method' => 'balance'], '', '&', PHP_QUERY_RFC3986));
curl_setopt_array($handle, [CURLOPT_CAINFO => $ca, CURLOPT_PROXY => '', CURLOPT_RETURNTRANSFER => true]);

$isms = static function () use ($client): void {
    $client->balance();
};
$curl = static function () use ($handle): void {
    $body = curl_exec($handle);
    if (!is_string($body) || curl_getinfo($handle, CURLINFO_RESPONSE_CODE) !== 200) {
        fwrite(STDERR, "curl: unexpected reply\n");
        exit(1);
    }
    // The balance read from the reply, as the binding's result gives it.
    $reply = json_decode($body, true, 4, JSON_THROW_ON_ERROR);
    (float) $reply['balance'];
};

$isms();
$curl();
$times = ['isms' => [], 'curl' => []];
for ($r = 0; $r < ROUNDS; $r++) {
    $order = $r % 2 ? ['curl' => $curl, 'isms' => $isms] : ['isms' => $isms, 'curl' => $curl];
    foreach ($order as $name => $call) {
        $start = hrtime(true);
        for ($i = 0; $i < PER_ROUND; $i++) {
            $call();
        }
        $times[$name][] = (hrtime(true) - $start) / PER_ROUND / 1000;
    }
}
$median = static function (array $xs): float {
    sort($xs);
    return $xs[intdiv(count($xs), 2)];
};
$a = $median($times['isms']);
$b = $median($times['curl']);
printf("PHP per-call wall (median of %d interleaved rounds of %d):\n", ROUNDS, PER_ROUND);
printf("      isms binding %8.1f us   PHP curl %8.1f us   ratio %.2f (goal <= 1.00)\n", $a, $b, $a / $b);
