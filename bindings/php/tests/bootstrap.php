<?php

/*
 * PHPUnit bootstrap: the package (as an application loads it) and the test
 * support classes. The suite runs against the sandbox gateway: run it with
 * `make php-test`, or scripts/with-sandbox.sh phpunit -c bindings/php.
 */

declare(strict_types=1);

require dirname(__DIR__) . '/autoload.php';

spl_autoload_register(static function (string $class): void {
    if (str_starts_with($class, 'Isms\\Tests\\')) {
        $file = __DIR__ . '/' . str_replace('\\', '/', substr($class, strlen('Isms\\Tests\\'))) . '.php';
        if (is_file($file)) {
            require $file;
        }
    }
});

Isms\Tests\Support\Sandbox::boot();
