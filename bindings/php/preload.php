<?php

/*
 * opcache.preload script for PHP-FPM (and any SAPI with ffi.enable=preload,
 * the php.ini default, where FFI works only through preloading).
 *
 * It declares every Isms\ class at server start, so that their methods may
 * call FFI::scope(), and registers the FFI scope "ISMS" with FFI::load()
 * unless ffi.preload already did. php.ini (see the README):
 *
 *     opcache.enable=1
 *     opcache.preload=/path/to/bindings/php/preload.php
 *     opcache.preload_user=www-data
 *     ffi.enable=preload
 *     ; when PHP starts as root (preload_user is then in force, and
 *     ; FFI::load() is not allowed there):
 *     ffi.preload=/path/to/bindings/php/include/isms-scope.h
 *
 * The library is chosen here, once: ISMS_LIBRARY, the package's lib/, the
 * repository's target/release/, then libisms.so.1 through the system loader
 * (with ffi.preload: the FFI_LIB of that header).
 */

declare(strict_types=1);

require __DIR__ . '/autoload.php';

foreach (glob(__DIR__ . '/src/*.php') ?: [] as $file) {
    $name = 'Isms\\' . basename($file, '.php');
    if (!class_exists($name) && !enum_exists($name)) {
        throw new LogicException("preload.php: $file does not declare $name");
    }
}

Isms\Library::preload();
