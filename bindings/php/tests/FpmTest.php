<?php

declare(strict_types=1);

namespace Isms\Tests;

use Isms\Tests\Support\IsmsTestCase;
use Isms\Tests\Support\Sandbox;

/**
 * The binding under a real PHP-FPM (Debian's php8.2-fpm), configured as the
 * README says, driven over FastCGI by cgi-fcgi (Debian's libfcgi-bin):
 * ffi.enable=preload, so FFI works only through the preloaded scope, and a
 * new Client on every request, as a PHP site does. The library's
 * process-wide pool must keep one warm connection per worker.
 */
final class FpmTest extends IsmsTestCase
{
    private const FPM = '/usr/sbin/php-fpm8.2';
    private const CGI_FCGI = '/usr/bin/cgi-fcgi';
    private const WORKERS = 2;
    private const REQUESTS = 24;

    /** @var resource|null the php-fpm master */
    private $fpm = null;

    protected function tearDown(): void
    {
        if (is_resource($this->fpm)) {
            proc_terminate($this->fpm, 3); // SIGQUIT: graceful stop
            proc_close($this->fpm);
        }
        parent::tearDown();
    }

    public function testEveryRequestUsesThePreloadedScopeAndAWarmConnection(): void
    {
        self::assertFileExists(self::FPM, 'php8.2-fpm (installed by make deps)');
        self::assertFileExists(self::CGI_FCGI, 'cgi-fcgi from libfcgi-bin (installed by make deps)');
        $package = $this->readableCopy();
        $site = dirname($package, 2);
        $port = self::freePort();
        $tag = Sandbox::tag('fpm');

        file_put_contents("$site/index.php", '<?php
require ' . var_export("$package/autoload.php", true) . ';
try { FFI::cdef("int abs(int);"); $cdef = "cdef-allowed"; } catch (FFI\Exception) { $cdef = "cdef-refused"; }
$client = new Isms\Client($_SERVER["ISMS_USERNAME"], $_SERVER["ISMS_PASSWORD"],
    ["endpoint" => $_SERVER["ISMS_ENDPOINT"], "ca_file" => $_SERVER["ISMS_CA_FILE"], "proxy" => "", "timeout" => 10]);
echo PHP_SAPI, " ", Isms\Library::loader(), " ", $cdef, " ", getmypid(), " ", $client->balance()->balanceText;
');
        $root = posix_geteuid() === 0;
        $user = $root ? "user = www-data\ngroup = www-data\n" : '';
        file_put_contents("$site/php-fpm.conf", "[global]\nerror_log = $site/fpm.log\ndaemonize = no\n"
            . "[site]\n{$user}listen = 127.0.0.1:$port\npm = static\npm.max_children = " . self::WORKERS . "\n"
            . "catch_workers_output = yes\n");
        // The README's php.ini lines for PHP-FPM (started as root: preload_user and ffi.preload).
        $ini = ['-d', 'opcache.enable=1', '-d', "opcache.preload=$package/preload.php", '-d', 'ffi.enable=preload'];
        if ($root) {
            $ini = [...$ini, '-d', 'opcache.preload_user=www-data', '-d', "ffi.preload=$package/include/isms-scope.h"];
        }
        $env = [
            'PATH' => (string) getenv('PATH'),
            // FFI_LIB in isms-scope.h is the SONAME: the loader finds the build here.
            'LD_LIBRARY_PATH' => (string) realpath(self::PACKAGE . '/../../target/lib'),
        ];
        $this->fpm = proc_open([self::FPM, '--nodaemonize', '--fpm-config', "$site/php-fpm.conf", ...$ini],
            [0 => ['file', '/dev/null', 'r'], 1 => ['file', "$site/fpm.out", 'w'], 2 => ['file', "$site/fpm.out", 'a']],
            $pipes, $site, $env);
        self::assertIsResource($this->fpm);
        self::waitForPort($port, "$site/fpm.log");

        $params = [
            'SCRIPT_FILENAME' => "$site/index.php",
            'REQUEST_METHOD' => 'GET',
            'ISMS_USERNAME' => Sandbox::username(),
            'ISMS_PASSWORD' => Sandbox::password(),
            'ISMS_ENDPOINT' => Sandbox::endpoint($tag),
            'ISMS_CA_FILE' => "$site/ca.pem", // readable by the workers' user
        ];
        self::assertTrue(copy(Sandbox::caFile(), "$site/ca.pem"));
        chmod("$site/ca.pem", 0644);
        $balance = Sandbox::admin('/_sandbox/balance')['balance'];
        $workers = [];
        for ($i = 0; $i < self::REQUESTS; $i++) {
            $reply = self::command([self::CGI_FCGI, '-bind', '-connect', "127.0.0.1:$port"], $params);
            $body = trim(substr($reply, (int) strpos($reply, "\r\n\r\n")));
            self::assertMatchesRegularExpression('/^fpm-fcgi scope cdef-refused (\d+) ' . preg_quote($balance, '/') . '$/',
                $body, "request $i: $reply\n" . @file_get_contents("$site/fpm.log"));
            $workers[explode(' ', $body)[3]] = true;
        }
        $stats = Sandbox::stats($tag);
        fwrite(STDERR, sprintf("\n[fpm] %d requests, a new Client each, on %d workers: %d connections to the gateway",
            self::REQUESTS, count($workers), $stats['connections']));
        self::assertSame(self::REQUESTS, $stats['requests']);
        self::assertLessThanOrEqual(self::WORKERS, count($workers));
        // The pool outlives each request's Client: one connection per worker, not per request.
        self::assertLessThanOrEqual(count($workers), $stats['connections']);
        self::assertNoSecret((string) @file_get_contents("$site/fpm.log"), 'the FPM log');
    }

    private static function freePort(): int
    {
        $socket = stream_socket_server('tcp://127.0.0.1:0');
        self::assertIsResource($socket);
        $name = (string) stream_socket_get_name($socket, false);
        fclose($socket);
        return (int) substr($name, (int) strrpos($name, ':') + 1);
    }

    private static function waitForPort(int $port, string $log): void
    {
        $deadline = microtime(true) + 20;
        while (microtime(true) < $deadline) {
            $connection = @stream_socket_client("tcp://127.0.0.1:$port", $errno, $error, 1);
            if ($connection !== false) {
                fclose($connection);
                return;
            }
            usleep(50_000);
        }
        self::fail("php-fpm did not listen on $port:\n" . @file_get_contents($log));
    }
}
