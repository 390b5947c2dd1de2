<?php

declare(strict_types=1);

namespace Isms\Tests\Support;

use Isms\Client;

/**
 * The local sandbox gateway that scripts/with-sandbox.sh started: its
 * endpoints, its account, and what it received (read back through its
 * admin paths on the plain-HTTP port, so counts are checked, not assumed).
 *
 * Each test talks to a tag of its own (/t/<tag>/2FA/request.php), so the
 * sandbox counts its requests apart.
 */
final class Sandbox
{
    /** A wrong password with every character that needs encoding; must leak nowhere. */
    public const MARKER = 'Pw-Marker&%=9 +x';

    /** @var array<string, mixed> sandbox.json */
    private static array $state = [];
    private static int $tags = 0;

    /** Reads sandbox.json and gives the account credit for a whole run of sends. */
    public static function boot(): void
    {
        $path = getenv('ISMS_SANDBOX_STATE');
        if (!is_string($path) || $path === '') {
            throw new \RuntimeException('ISMS_SANDBOX_STATE is not set: run through scripts/with-sandbox.sh');
        }
        self::$state = json_decode((string) file_get_contents($path), true, 8, JSON_THROW_ON_ERROR);
        self::admin('/_sandbox/balance?set=100000');
    }

    public static function username(): string
    {
        return self::$state['username'];
    }

    /** The sandbox account's password (with-sandbox.sh's default is "demo&secret=1 %+"). */
    public static function password(): string
    {
        return self::$state['password'];
    }

    public static function caFile(): string
    {
        return self::$state['ca_file'];
    }

    /** A valid CA that signed nothing the sandbox serves. */
    public static function otherCaFile(): string
    {
        return self::$state['other_ca_file'];
    }

    /** @param 'https_port'|'http_port'|'proxy_port'|'socks_port'|'drop_port' $name */
    public static function port(string $name): int
    {
        return self::$state[$name];
    }

    /** A tag unique to this process: "<name>-<pid>-<n>". */
    public static function tag(string $name): string
    {
        return sprintf('%s-%d-%d', $name, getmypid(), ++self::$tags);
    }

    /** scheme://127.0.0.1:<port>[/t/<tag>][/fault/<mode>]/2FA/request.php */
    public static function endpoint(?string $tag, ?string $fault = null, string $scheme = 'https', ?int $port = null): string
    {
        $port ??= self::port($scheme === 'https' ? 'https_port' : 'http_port');
        return sprintf(
            '%s://127.0.0.1:%d%s%s/2FA/request.php',
            $scheme,
            $port,
            $tag === null ? '' : "/t/$tag",
            $fault === null ? '' : "/fault/$fault",
        );
    }

    /**
     * A client on the HTTPS endpoint of $tag (and $fault), trusting the test
     * CA, connecting directly whatever proxy the environment names.
     *
     * @param array<string, mixed> $options added to (or replacing) endpoint and ca_file
     */
    public static function client(string $tag, ?string $fault = null, ?string $password = null, array $options = []): Client
    {
        return new Client(
            self::username(),
            $password ?? self::password(),
            $options + ['endpoint' => self::endpoint($tag, $fault), 'ca_file' => self::caFile(), 'proxy' => ''],
        );
    }

    /** GET an admin path on the plain-HTTP port; the decoded JSON reply. */
    public static function admin(string $target): mixed
    {
        $url = sprintf('http://127.0.0.1:%d%s', self::port('http_port'), $target);
        $context = stream_context_create(['http' => ['timeout' => 30, 'ignore_errors' => true]]);
        $body = file_get_contents($url, false, $context);
        $status = isset($http_response_header[0]) ? (int) substr($http_response_header[0], 9, 3) : 0;
        if ($body === false || $status !== 200) {
            throw new \RuntimeException("sandbox admin $target failed: HTTP $status " . ($body ?: ''));
        }
        return json_decode($body, true, 64, JSON_THROW_ON_ERROR);
    }

    /**
     * /_sandbox/stats for a tag ("*": all requests; null: the untagged ones).
     *
     * @return array<string, mixed>
     */
    public static function stats(?string $tag): array
    {
        return self::admin('/_sandbox/stats' . ($tag === null ? '' : '?tag=' . rawurlencode($tag)));
    }

    /** How many gateway requests the sandbox received on $tag. */
    public static function requestCount(string $tag): int
    {
        return self::stats($tag)['requests'];
    }

    /** @return list<array<string, mixed>> the SMS delivered on $tag, oldest first */
    public static function outbox(string $tag): array
    {
        return self::admin('/_sandbox/outbox?tag=' . rawurlencode($tag));
    }

    /** The raw query string of request number $index on $tag. */
    public static function rawQuery(string $tag, int $index): string
    {
        $requests = self::admin('/_sandbox/requests?tag=' . rawurlencode($tag));
        if (!isset($requests[$index])) {
            throw new \RuntimeException("no request #$index on tag $tag");
        }
        return $requests[$index]['query'];
    }

    /**
     * The parameters of request number $index on $tag, decoded the way the
     * gateway (PHP) decodes them (%XX, and + as a space), every value of a
     * repeated name kept.
     *
     * @return array<string, list<string>>
     */
    public static function wire(string $tag, int $index): array
    {
        $params = [];
        foreach (explode('&', self::rawQuery($tag, $index)) as $pair) {
            if ($pair === '') {
                continue;
            }
            [$key, $value] = explode('=', $pair, 2) + [1 => ''];
            $params[urldecode($key)][] = urldecode($value);
        }
        return $params;
    }

    /** Moves the sandbox clock $seconds forward. */
    public static function advance(float $seconds): void
    {
        self::admin('/_sandbox/advance?seconds=' . $seconds);
    }
}
