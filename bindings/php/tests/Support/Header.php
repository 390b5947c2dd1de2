<?php

declare(strict_types=1);

namespace Isms\Tests\Support;

/**
 * Reading include/isms.h, the C contract the package is checked against,
 * and the shared case files of tests/cases.
 */
final class Header
{
    public const FILE = __DIR__ . '/../../../../include/isms.h';
    public const CASES = __DIR__ . '/../../../../tests/cases';

    /**
     * `typedef enum IsmsStatus {...}`: C name => value, in the header's order.
     *
     * @return array<string, int>
     */
    public static function statuses(): array
    {
        if (preg_match('/typedef enum IsmsStatus \{(.*?)\} IsmsStatus;/s', self::code(), $block) !== 1) {
            throw new \RuntimeException('no `typedef enum IsmsStatus` block in ' . self::FILE);
        }
        $out = [];
        foreach (explode(',', $block[1]) as $item) {
            if (trim($item) === '') {
                continue;
            }
            if (preg_match('/^\s*(ISMS_[A-Z0-9_]+)\s*=\s*(-?\d+)\s*$/', $item, $m) !== 1) {
                throw new \RuntimeException('an IsmsStatus entry without an explicit value: ' . trim($item));
            }
            if (isset($out[$m[1]])) {
                throw new \RuntimeException("$m[1] twice");
            }
            $out[$m[1]] = (int) $m[2];
        }
        return $out;
    }

    /** @return list<string> every isms_* function the header declares */
    public static function functions(): array
    {
        preg_match_all('/\b(isms_[a-z0-9_]+)\s*\(/', self::code(), $m);
        $names = array_values(array_unique($m[1]));
        sort($names);
        return $names;
    }

    /**
     * A shared library built with the C compiler: 'other_library' (no isms_
     * functions) or 'wrong_major' (every function of the header, and an
     * isms_version() of ABI 2).
     */
    public static function fakeLibrary(string $path, string $kind): string
    {
        $source = match ($kind) {
            'other_library' => "int other_function(void) { return 1; }\n",
            'wrong_major' => implode('', array_map(
                static fn (string $name): string => "void $name(void) {}\n",
                array_diff(self::functions(), ['isms_version']),
            )) . "const char *isms_version(void) { return \"2.0.0\"; }\n",
        };
        if (!is_dir(dirname($path))) {
            mkdir(dirname($path), 0755, true);
        }
        $proc = proc_open(['cc', '-shared', '-fPIC', '-x', 'c', '-', '-o', $path, '-Wl,-soname,libisms.so.2'],
            [0 => ['pipe', 'r']], $pipes);
        if (!is_resource($proc)) {
            throw new \RuntimeException('cannot run cc');
        }
        fwrite($pipes[0], $source);
        fclose($pipes[0]);
        if (proc_close($proc) !== 0) {
            throw new \RuntimeException("cc failed to build $path");
        }
        return $path;
    }

    /**
     * A case file's cases.
     *
     * @return list<array<string, mixed>>
     */
    public static function cases(string $file): array
    {
        $data = json_decode((string) file_get_contents(self::CASES . "/$file"), true, 512, JSON_THROW_ON_ERROR);
        return $data['cases'];
    }

    /** The header without comments. */
    private static function code(): string
    {
        $text = (string) file_get_contents(self::FILE);
        return (string) preg_replace(['~/\*.*?\*/~s', '~//[^\n]*~'], '', $text);
    }
}
