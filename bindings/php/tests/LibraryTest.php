<?php

declare(strict_types=1);

namespace Isms\Tests;

use Isms\Library;
use Isms\MessageType;
use Isms\Status;
use Isms\Tests\Support\Header;
use Isms\Tests\Support\IsmsTestCase;
use Isms\Tests\Support\Sandbox;

/**
 * Loading: the mode in force, the shipped headers, the enums against the C
 * header, and library discovery (in child processes, with their own
 * environment and php.ini settings).
 */
final class LibraryTest extends IsmsTestCase
{

    /**
     * With opcache.preload set (the FPM-style run of `make php-test`), the
     * binding must have used the preloaded scope, never FFI::cdef().
     */
    public function testTheLoaderMatchesThePhpIniMode(): void
    {
        if ((string) ini_get('opcache.preload') !== '') {
            self::assertSame('preload', ini_get('ffi.enable'));
            self::assertSame(Library::LOADER_SCOPE, Library::loader());
            self::assertNull(Library::path());
        } else {
            self::assertSame(Library::LOADER_CDEF, Library::loader());
            self::assertSame(realpath(self::PACKAGE . '/../../target/release/libisms.so'), realpath((string) Library::path()));
        }
    }

    public function testTheShippedHeaderIsTheRepositorysHeader(): void
    {
        self::assertFileEquals(self::PACKAGE . '/../../include/isms.h', Library::headerFile(), 'run `make php-header`');
    }

    public function testTheScopeHeaderIsGeneratedFromTheShippedHeader(): void
    {
        $variant = (string) file_get_contents(Library::scopeHeaderFile());
        self::assertSame(Library::scopeHeader(Library::SONAME), $variant, 'run `make php-header`');
        self::assertStringContainsString("#define FFI_SCOPE \"ISMS\"\n#define FFI_LIB \"libisms.so.1\"\n", $variant);
    }

    public function testScopeHeaderRefusesALibraryNameItCannotQuote(): void
    {
        $this->expectException(\Isms\LibraryException::class);
        Library::scopeHeader("/opt/x\"y/libisms.so");
    }

    public function testTheVersionIsTheCrateVersion(): void
    {
        $cargo = (string) file_get_contents(self::PACKAGE . '/../../Cargo.toml');
        self::assertSame(1, preg_match('/^version = "([^"]+)"/m', $cargo, $m));
        self::assertSame($m[1], Library::version());
    }

    /** Status and MessageType carry the header's values, case for case. */
    public function testTheEnumsMatchTheHeader(): void
    {
        $ffi = Library::ffi();
        $names = [];
        foreach (Status::cases() as $status) {
            $names[] = $status->cName();
            self::assertSame($status->value, $ffi->{$status->cName()}, $status->cName());
        }
        self::assertSame(array_keys(Header::statuses()), $names);
        self::assertSame('ISMS_UNKNOWN', $ffi->isms_status_name(count(Status::cases())), 'a status the enum lacks');
        self::assertSame(
            [$ffi->ISMS_TYPE_AUTO, $ffi->ISMS_TYPE_ASCII, $ffi->ISMS_TYPE_UNICODE],
            array_map(static fn (MessageType $t): int => $t->value, MessageType::cases()),
        );
    }

    /** @return iterable<string, array{array<string, mixed>}> */
    public static function discoveryCases(): iterable
    {
        foreach (Header::cases('discovery.json') as $case) {
            yield $case['name'] => [$case];
        }
    }

    /**
     * The shared cases of tests/cases/discovery.json, each in a child process.
     *
     * @dataProvider discoveryCases
     * @param array<string, mixed> $case
     */
    public function testDiscovery(array $case): void
    {
        $dir = $this->tempDir();
        $env = [];
        $places = ['repository' => (string) realpath(self::PACKAGE . '/../../target/release/libisms.so'), 'system' => Library::SONAME];
        if (isset($case['isms_library'])) {
            $env[Library::ENV] = $places['isms_library'] = self::make($case['isms_library'], "$dir/env/libisms-env.so");
        }
        if ($case['checkout']) {
            $package = (string) realpath(self::PACKAGE);
            self::assertDirectoryDoesNotExist("$package/lib", 'the source tree\'s package holds a library copy');
        } else {
            $package = $this->packageCopy();
        }
        $places['package'] = "$package/lib/" . Library::SONAME;
        if (isset($case['package'])) {
            self::make($case['package'], $places['package']);
        }
        mkdir("$dir/system");
        if (isset($case['system'])) {
            self::make($case['system'], "$dir/system/" . Library::SONAME);
        }
        $env['LD_LIBRARY_PATH'] = "$dir/system";
        $out = $this->php($package, $env, 'echo Isms\Library::path();');
        $expect = $case['expect'];
        if ($expect['loaded'] !== null) {
            self::assertSame($places[$expect['loaded']], $out);
            return;
        }
        self::assertStringContainsString('Isms\LibraryException: libisms could not be loaded; tried: ', $out);
        $at = 0;
        foreach ($expect['names'] as $name) {
            $found = strpos($out, $places[$name], $at);
            self::assertNotFalse($found, "{$places[$name]} is not named (in order) in $out");
            $at = $found;
        }
        foreach ($expect['contains'] as $text) {
            self::assertStringContainsString($text, $out);
        }
        self::assertStringContainsString(Library::ENV, $out);
        if (!$case['checkout']) {
            self::assertStringNotContainsString('target/release', $out, 'outside a checkout, the repository is not a place');
        }
    }

    public function testTheReasonForEachPlaceIsGiven(): void
    {
        $package = $this->packageCopy();
        $other = Header::fakeLibrary($this->tempDir() . '/libother.so', 'other_library');
        $wrong = Header::fakeLibrary("$package/lib/" . Library::SONAME, 'wrong_major');
        $out = $this->php($package, [Library::ENV => $other, 'LD_LIBRARY_PATH' => $this->tempDir()], 'Isms\Library::ffi();');
        self::assertStringContainsString("$other (ISMS_LIBRARY: Failed resolving C function 'isms_", $out);
        self::assertStringContainsString("$wrong (the package: libisms 2.0.0, this package needs ABI 1.x)", $out);
        self::assertStringContainsString('libisms.so.1 (the system loader: ', $out);
    }

    /** A library file of a discovery case's kind at $path. */
    private static function make(string $kind, string $path): string
    {
        if (!is_dir(dirname($path))) {
            mkdir(dirname($path), 0755, true);
        }
        match ($kind) {
            'real' => self::assertTrue(copy(self::PACKAGE . '/../../target/release/libisms.so', $path)),
            'not_a_library' => file_put_contents($path, "not a shared library\n"),
            'other_library', 'wrong_major' => Header::fakeLibrary($path, $kind),
            'missing' => null,
        };
        return $path;
    }

    /** A copy of the package outside the repository, with no library anywhere. */
    public function testTheErrorNamesEveryPlaceTried(): void
    {
        $package = $this->packageCopy();
        $out = $this->php($package, ['LD_LIBRARY_PATH' => $this->tempDir()], 'Isms\Library::ffi();');
        self::assertStringContainsString('Isms\LibraryException: libisms could not be loaded; tried: ', $out);
        foreach ([
            "$package/lib/libisms.so.1 (the package: no such file)",
            "$package/lib/libisms.so (the package: no such file)",
            'libisms.so.1 (the system loader: ',
            'set ISMS_LIBRARY',
        ] as $place) {
            self::assertStringContainsString($place, $out);
        }
    }

    public function testALibraryShippedInThePackageIsFound(): void
    {
        $package = $this->packageCopy();
        mkdir("$package/lib");
        self::assertTrue(copy(self::PACKAGE . '/../../target/release/libisms.so', "$package/lib/libisms.so.1"));
        $out = $this->php($package, [], 'echo Isms\Library::path(), " ", Isms\Library::version();');
        self::assertSame("$package/lib/libisms.so.1 " . Library::version(), $out);
    }

    public function testTheSystemLoaderComesLast(): void
    {
        $package = $this->packageCopy();
        $libdir = (string) realpath(self::PACKAGE . '/../../target/lib');
        $out = $this->php($package, ['LD_LIBRARY_PATH' => $libdir], 'echo Isms\Library::path(), " ", Isms\Library::version();');
        self::assertSame('libisms.so.1 ' . Library::version(), $out);
    }

    public function testFfiDisabledIsExplained(): void
    {
        $out = $this->php(self::PACKAGE, [], 'Isms\Library::ffi();', ['-d', 'ffi.enable=0']);
        self::assertStringContainsString('Isms\LibraryException', $out);
        self::assertStringContainsString('FFI::cdef() is not allowed (ffi.enable=0)', $out);
    }

    /**
     * preload.php registers the scope with FFI::load() when PHP does not
     * run as root: on the library the usual search finds, or on the one
     * ISMS_LIBRARY names (and only that one). As root, opcache requires
     * opcache.preload_user, FFI::load() is then refused, and preload.php
     * must say to use ffi.preload instead.
     */
    public function testPreloadPhpRegistersTheScopeWithFfiLoad(): void
    {
        $probe = 'echo Isms\Library::loader(), " ", Isms\Library::version();';
        $preload = static fn (string $package): array => ['-d', 'opcache.enable_cli=1', '-d', "opcache.preload=$package/preload.php",
                                                         '-d', 'ffi.enable=preload'];
        $unprivileged = [];
        // A copy the unprivileged user can read, with the library inside the package.
        $package = $this->readableCopy();
        mkdir("$package/lib", 0755);
        self::assertTrue(copy(self::PACKAGE . '/../../target/release/libisms.so', "$package/lib/libisms.so.1"));
        if (posix_geteuid() === 0) {
            $user = posix_getpwnam('www-data') !== false ? 'www-data' : 'nobody';
            $out = $this->php($package, [], $probe, [...$preload($package), '-d', "opcache.preload_user=$user"]);
            self::assertStringContainsString("FFI::load() doesn't work in conjunction with \"opcache.preload_user\"", $out);
            self::assertStringContainsString("set ffi.preload=$package/include/isms-scope.h", $out);
            $info = (array) posix_getpwnam($user);
            $unprivileged = ['setpriv', "--reuid={$info['uid']}", "--regid={$info['gid']}", '--clear-groups'];
        }

        $version = 'scope ' . Library::version();
        self::assertSame($version, $this->php($package, [], $probe, $preload($package), $unprivileged));

        // The same order as at run time: a missing ISMS_LIBRARY, or one of
        // another ABI major, is passed over for the package's copy.
        $missing = dirname($package) . '/nowhere/libisms.so';
        self::assertSame($version, $this->php($package, ['ISMS_LIBRARY' => $missing], $probe, $preload($package), $unprivileged));
        $wrong = Header::fakeLibrary(dirname($package) . '/wrong/libisms.so', 'wrong_major');
        self::assertSame($version, $this->php($package, ['ISMS_LIBRARY' => $wrong], $probe, $preload($package), $unprivileged));

        // Nothing usable: every place is named.
        self::assertTrue(unlink("$package/lib/libisms.so.1"));
        $out = $this->php($package, ['ISMS_LIBRARY' => $wrong], $probe, $preload($package), $unprivileged);
        self::assertStringContainsString('Isms\LibraryException: preload.php: libisms could not be loaded; tried: '
            . "$wrong (ISMS_LIBRARY: libisms 2.0.0, this package needs ABI 1.x); $package/lib/libisms.so.1 (the package: no such file)", $out);
        self::assertStringContainsString('libisms.so.1 (the system loader: ', $out);
    }

    /**
     * PHP-FPM's rule, under php-cgi: a SAPI other than the CLI, where
     * ffi.enable=preload really limits FFI to preloaded code. With the
     * README's php.ini lines the binding works through the preloaded scope
     * (a real call to the sandbox goes through) while FFI::cdef() is
     * refused; without preloading, the binding explains what to set.
     */
    public function testUnderANonCliSapiTheBindingNeedsThePreloadedScope(): void
    {
        $cgi = PHP_BINDIR . '/php-cgi';
        self::assertFileExists($cgi, 'php-cgi (Debian: php8.2-cgi, installed by make deps)');
        // preload.php is read as the preload user: from a copy it can read.
        $package = $this->readableCopy();
        $probe = $this->tempDir() . '/probe.php';
        file_put_contents($probe, '<?php
require ' . var_export("$package/autoload.php", true) . ';
echo PHP_SAPI, "\n";
try { FFI::cdef("int abs(int);"); echo "cdef allowed\n"; } catch (FFI\Exception $e) { echo "cdef refused\n"; }
try {
    echo Isms\Library::loader(), "\n";
    $client = new Isms\Client(getenv("ISMS_USERNAME"), getenv("ISMS_PASSWORD"),
        ["endpoint" => getenv("ISMS_ENDPOINT"), "ca_file" => getenv("ISMS_CA_FILE"), "proxy" => ""]);
    echo $client->balance()->balanceText, "\n";
} catch (Isms\LibraryException $e) {
    echo get_class($e), ": ", $e->getMessage(), "\n";
}
');
        $env = [
            'ISMS_USERNAME' => Sandbox::username(),
            'ISMS_PASSWORD' => Sandbox::password(),
            'ISMS_ENDPOINT' => Sandbox::endpoint(Sandbox::tag('cgi')),
            'ISMS_CA_FILE' => Sandbox::caFile(),
            // FFI_LIB in include/isms-scope.h is the SONAME: the loader finds the build here.
            'LD_LIBRARY_PATH' => (string) realpath(self::PACKAGE . '/../../target/lib'),
        ];
        $user = posix_getpwnam('www-data') !== false ? 'www-data' : 'nobody';
        $fpm = ['-d', 'opcache.enable=1', '-d', "opcache.preload=$package/preload.php",
                '-d', "opcache.preload_user=$user", '-d', 'ffi.enable=preload', '-d', 'ffi.preload=' . Library::scopeHeaderFile()];
        $balance = Sandbox::admin('/_sandbox/balance')['balance'];
        self::assertSame("cgi-fcgi\ncdef refused\nscope\n$balance", self::command([$cgi, '-q', ...$fpm, $probe], $env));

        $out = self::command([$cgi, '-q', '-d', 'ffi.enable=preload', $probe], $env);
        self::assertStringStartsWith("cgi-fcgi\ncdef refused\nIsms\\LibraryException: FFI::scope('ISMS') failed", $out);
        self::assertStringContainsString('FFI::cdef() is not allowed (ffi.enable=preload)', $out);
        self::assertStringContainsString('opcache.preload', $out);
    }

    /**
     * Runs `php -r $code` with the package's autoloader in a child process.
     *
     * @param array<string, string> $env    added to a clean environment (no ISMS_LIBRARY)
     * @param list<string>          $ini    more php options (default: -d ffi.enable=1)
     * @param list<string>          $prefix a command to run php under
     * @return string stdout and stderr
     */
    private function php(string $package, array $env, string $code, array $ini = ['-d', 'ffi.enable=1'], array $prefix = []): string
    {
        return self::command(
            [...$prefix, PHP_BINARY, ...$ini, '-d', 'display_errors=stderr', '-r',
             'require ' . var_export("$package/autoload.php", true) . ";\n$code"],
            $env,
        );
    }
}
