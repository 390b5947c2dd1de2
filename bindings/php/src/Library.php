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
 *    the first library that loads among (the Python package's order): the
 *    file named by the environment variable ISMS_LIBRARY, the package's own
 *    `lib/libisms.so.1` or `lib/libisms.so`, the repository's
 *    `target/release/libisms.so` (only when the package sits in a source
 *    checkout), and `libisms.so.1` through the system loader. A place whose
 *    library is missing, does not load, is not libisms or is of another ABI
 *    major is passed over for the next; the error names every place tried.
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

    /** The library ABI this package is written for (the SONAME's major). */
    public const ABI_MAJOR = 1;

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

    /** The library's version, e.g. "1.1.0". */
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
     * The repository's build only when the package sits in a source
     * checkout (bindings/php of a tree with Cargo.toml).
     *
     * @return list<array{string, string}>
     */
    public static function candidates(): array
    {
        $places = [];
        $env = getenv(self::ENV);
        if (is_string($env) && $env !== '') {
            $places[] = [self::ENV, $env];
        }
        $package = dirname(__DIR__);
        $places[] = ['the package', $package . '/lib/' . self::SONAME];
        $places[] = ['the package', $package . '/lib/libisms.so'];
        $repository = dirname($package, 2);
        if (is_file("$repository/Cargo.toml")) {
            $places[] = ['the repository', "$repository/target/release/libisms.so"];
        }
        $places[] = ['the system loader', self::SONAME];
        return $places;
    }

    /**
     * Why a loaded library cannot be used, or null when it can: its
     * isms_version() must have this package's ABI major.
     */
    private static function unsuitable(string $version): ?string
    {
        $major = explode('.', $version)[0];
        return $major === (string) self::ABI_MAJOR
            ? null
            : "libisms $version, this package needs ABI " . self::ABI_MAJOR . '.x';
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
        // The first place whose library loads and has this ABI, checked with
        // FFI::cdef() (allowed while preloading) before FFI::load() takes it.
        $tried = [];
        foreach (self::candidates() as [$what, $candidate]) {
            if ($what !== 'the system loader' && !is_file($candidate)) {
                $tried[] = "$candidate ($what: no such file)";
                continue;
            }
            try {
                $why = self::unsuitable(FFI::cdef('const char *isms_version(void);', $candidate)->isms_version());
            } catch (FFI\Exception $e) {
                $why = $e->getMessage();
            }
            $why ??= self::loadScope($candidate);
            if ($why === null) {
                return;
            }
            $tried[] = "$candidate ($what: $why)";
        }
        throw new LibraryException(
            'preload.php: libisms could not be loaded; tried: ' . implode('; ', $tried) . '. Build it with'
            . ' `make build`, install it as ' . self::SONAME . ', or set ' . self::ENV . ' to its full path.',
        );
    }

    /**
     * Registers the scope with FFI::load() on $library.
     *
     * @return string|null why it failed, null once the scope is registered
     * @throws LibraryException when FFI::load() is not allowed at all
     */
    private static function loadScope(string $library): ?string
    {
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
        return $loaded === null ? 'FFI::load(): ' . (error_get_last()['message'] ?? 'no reason given') : null;
    }

    private static function load(): FFI
    {
        self::requireExtension();
        try {
            $ffi = FFI::scope(self::SCOPE);
        } catch (FFI\Exception $e) {
            $noScope = $e->getMessage();
        }
        if (isset($ffi)) {
            $why = self::unsuitable($ffi->isms_version());
            if ($why !== null) {
                throw new LibraryException("the preloaded FFI scope '" . self::SCOPE . "' is $why");
            }
            self::$loader = self::LOADER_SCOPE;
            self::$path = null;
            return $ffi;
        }
        $header = self::readHeader();
        $tried = [];
        foreach (self::candidates() as [$what, $candidate]) {
            if ($what !== 'the system loader' && !is_file($candidate)) {
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
                continue;
            }
            $why = self::unsuitable($ffi->isms_version());
            if ($why !== null) {
                $tried[] = "$candidate ($what: $why)";
                continue;
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
