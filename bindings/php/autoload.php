<?php

/*
 * Loads the Isms\ classes without Composer: a PSR-4 autoloader for the
 * Isms\ namespace over src/, the mapping composer.json declares. Safe to
 * include more than once, and alongside preload.php (preloaded classes are
 * already declared and never reach an autoloader).
 *
 *     require '/path/to/bindings/php/autoload.php';
 */

declare(strict_types=1);

if (!defined('ISMS_AUTOLOAD')) {
    define('ISMS_AUTOLOAD', __DIR__ . '/src/');
    spl_autoload_register(static function (string $class): void {
        if (str_starts_with($class, 'Isms\\')) {
            $file = ISMS_AUTOLOAD . str_replace('\\', '/', substr($class, 5)) . '.php';
            if (is_file($file)) {
                require $file;
            }
        }
    });
}
