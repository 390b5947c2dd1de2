<?php

declare(strict_types=1);

namespace Isms;

use FFI;

/**
 * Finds and loads libisms once per process, lazily, on first use.
 *
 * Two ways in, tried in this order:
 *
 * 1. `FFI::scope('ISMS')`: the declarations were registered when the server
 *    started, by `preload.php` (opcache.preload) or by `ffi.preload` pointing
 *    at `include/isms-scope.h`. This is the only way PHP-FPM allows with
 *    `ffi.enable=preload`, the php.ini default; the library is then the one
 *    chosen at server start.
 * 2. `FFI::cdef()` with `include/isms.h` as shipped (CLI, `ffi.enable=1`), on
 *    the first library found among: the file named by the environment
 *    variable ISMS_LIBRARY (when set, the only candidate), the package's own
 *    `lib/libisms.so.1` or `lib/libisms.so`, the repository's
 *    `target/release/libisms.so` (in-tree use), and `libisms.so.1` through
 *    the system loader.
 *
 * `include/isms.h` is a byte-identical copy of the repository's header, so
 * that the package works once copied or installed outside the repository;
 * the tests and `make php-check-header` fail when the copy is stale.
 *
 * @internal The binding's own plumbing; applications use Client. loader(),
 *           path() and version() are public for diagnostics.
 */
final class Library
{
    /** The FFI scope name, as `#define FFI_SCOPE` in include/isms-scope.h. */
    public const SCOPE = 'ISMS';

    /** The library's SONAME, what the system loader is asked for. */
    public const SONAME = 'libisms.so.1';

    /** The environment variable naming the library file; checked before any search. */
    public const ENV = 'ISMS_LIBRARY';

    /** loader() when the declarations came from the preloaded scope. */
    public const LOADER_SCOPE = 'scope';

    /** loader() when the header was parsed at run time. */
    public const LOADER_CDEF = 'cdef';

    private static ?FFI $ffi = null;
    private static string $loader = '';
    private static ?string $path = null;

    /** The loaded library; loads it on first use. */
    public static function ffi(): FFI
    {
        return self::$ffi ??= self::load();
    }

    /** How the library was loaded: LOADER_SCOPE or LOADER_CDEF. */
    public static function loader(): string
    {
        self::ffi();
        return self::$loader;
    }

    /**
     * What FFI::cdef() loaded: a file path, or SONAME through the system
     * loader; null with the preloaded scope (chosen at server start).
     */
    public static function path(): ?string
    {
        self::ffi();
        return self::$path;
    }

    /** The library's version, e.g. "1.0.0". */
    public static function version(): string
    {
        return self::ffi()->isms_version();
    }

    /** The header shipped in the package, a copy of the repository's include/isms.h. */
    public static function headerFile(): string
    {
        return dirname(__DIR__) . '/include/isms.h';
    }

    /** The header variant for `ffi.preload`, with FFI_LIB naming the SONAME. */
    public static function scopeHeaderFile(): string
    {
        return dirname(__DIR__) . '/include/isms-scope.h';
    }

    /**
     * The header variant that FFI::load() and `ffi.preload` read: the
     * shipped header behind `#define FFI_SCOPE "ISMS"` and
     * `#define FFI_LIB "<library>"`. include/isms-scope.h is this text for
     * SONAME; for a library outside the loader's path, write it with the
     * library's absolute path.
     *
     * @throws LibraryException when the name cannot be written in a C string literal
     */
    public static function scopeHeader(string $library): string
    {
        if ($library === '' || strpbrk($library, "\"\\\0\r\n") !== false) {
            throw new LibraryException("FFI_LIB: cannot put \"$library\" in a C string literal");
        }
        // FFI reads FFI_SCOPE and FFI_LIB only from #define lines at the very top.
        return '#define FFI_SCOPE "' . self::SCOPE . "\"\n"
            . "#define FFI_LIB \"$library\"\n"
            . "/* Generated from isms.h by Isms\\Library::scopeHeader(): do not edit. */\n"
            . self::readHeader();
    }

    /**
     * Where the library is looked for, in order: [what, file path or SONAME].
     * When ISMS_LIBRARY is set, it is the only candidate: an explicit
     * choice that is wrong is an error, not a reason to load another build.
     *
     * @return list<array{string, string}>
     */
    public static function candidates(): array
    {
        $env = getenv(self::ENV);
        if (is_string($env) && $env !== '') {
            return [[self::ENV, $env]];
        }
        $package = dirname(__DIR__);
        return [
            ['the package', $package . '/lib/' . self::SONAME],
            ['the package', $package . '/lib/libisms.so'],
            ['the repository', dirname($package, 2) . '/target/release/libisms.so'],
            ['the system loader', self::SONAME],
        ];
    }

    /**
     * Registers the FFI scope for preload.php, unless `ffi.preload` already
     * did: the header variant, with the first library file found (or the
     * SONAME), goes through FFI::load() from a private temporary file.
     *
     * @throws LibraryException when FFI::load() is not allowed or fails
     */
    public static function preload(): void
    {
        self::requireExtension();
        try {
            FFI::scope(self::SCOPE);
            return;
        } catch (FFI\Exception) {
            // Not registered by ffi.preload: register it here.
        }
        // The first file found; else the last candidate: the SONAME, or
        // ISMS_LIBRARY when set (FFI::load() then says what is wrong with it).
        $candidates = array_column(self::candidates(), 1);
        $library = $candidates[array_key_last($candidates)];
        foreach ($candidates as $candidate) {
            if (is_file($candidate)) {
                $library = $candidate;
                break;
            }
        }
        $header = self::scopeHeader($library);
        $file = tempnam(sys_get_temp_dir(), 'isms-scope-');
        if ($file === false || file_put_contents($file, $header) !== strlen($header)) {
            throw new LibraryException('cannot write the header variant to ' . sys_get_temp_dir());
        }
        try {
            $loaded = @FFI::load($file);
        } catch (FFI\Exception $e) {
            throw new LibraryException(
                'FFI::load() failed in preload.php: ' . $e->getMessage()
                . ' When PHP starts as root with opcache.preload_user, set ffi.preload='
                . self::scopeHeaderFile() . ' (see the README).',
                0,
                $e,
            );
        } finally {
            unlink($file);
        }
        if ($loaded === null) {
            $error = error_get_last()['message'] ?? 'no reason given';
            throw new LibraryException("FFI::load() could not load $library: $error");
        }
    }

    private static function load(): FFI
    {
        self::requireExtension();
        try {
            $ffi = FFI::scope(self::SCOPE);
            self::$loader = self::LOADER_SCOPE;
            self::$path = null;
            return $ffi;
        } catch (FFI\Exception $e) {
            $noScope = $e->getMessage();
        }
        $header = self::readHeader();
        $tried = [];
        foreach (self::candidates() as [$what, $candidate]) {
            if ($candidate !== self::SONAME && !is_file($candidate)) {
                $tried[] = "$candidate ($what: no such file)";
                continue;
            }
            try {
                $ffi = FFI::cdef($header, $candidate);
            } catch (FFI\ParserException $e) {
                throw new LibraryException(self::headerFile() . ' does not parse: ' . $e->getMessage(), 0, $e);
            } catch (FFI\Exception $e) {
                $tried[] = "$candidate ($what: {$e->getMessage()})";
                if (str_contains($e->getMessage(), 'ffi.enable')) {
                    throw new LibraryException(
                        "FFI::scope('" . self::SCOPE . "') failed ($noScope) and FFI::cdef() is not allowed"
                        . ' (ffi.enable=' . ini_get('ffi.enable') . '): use ffi.enable=1 in the CLI, or load'
                        . ' bindings/php/preload.php through opcache.preload in PHP-FPM (see the README).',
                        0,
                        $e,
                    );
                }
                break;
            }
            self::$loader = self::LOADER_CDEF;
            self::$path = $candidate;
            return $ffi;
        }
        throw new LibraryException(
            'libisms could not be loaded; tried: ' . implode('; ', $tried) . '. Build it with'
            . ' `make build`, install it as ' . self::SONAME . ', or set ' . self::ENV . ' to its full path.',
        );
    }

    private static function requireExtension(): void
    {
        if (!extension_loaded('ffi')) {
            throw new LibraryException('the FFI extension is not loaded (Debian: it is part of php8.2-cli/php8.2-fpm)');
        }
    }

    private static function readHeader(): string
    {
        $header = @file_get_contents(self::headerFile());
        if ($header === false) {
            throw new LibraryException('cannot read ' . self::headerFile());
        }
        return $header;
    }
}
