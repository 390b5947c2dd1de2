#!/usr/bin/env bash
# Writes the Composer package of the PHP binding: a zip with composer.json at
# its root (name isms/isms, "version" set, no Composer dependencies: no
# require-dev, no autoload-dev), src/, include/, autoload.php, preload.php,
# README.md, and the library as lib/libisms.so.1 (the first place the
# package looks in). No tests.
#
#   scripts/composer-zip.sh VERSION LIBRARY ZIP
set -euo pipefail

[ $# -eq 3 ] || { echo "usage: $0 VERSION LIBRARY ZIP" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
version=$1 library=$2 zip=$3
php_pkg=$root/bindings/php
[ -f "$library" ] || { echo "composer-zip: no library at $library" >&2; exit 1; }

stage=$root/target/composer/isms-php-$version
rm -rf "$stage"
mkdir -p "$stage/lib" "$(dirname "$zip")"
cp -r "$php_pkg/src" "$php_pkg/include" "$php_pkg/autoload.php" "$php_pkg/preload.php" \
  "$php_pkg/README.md" "$stage/"
for license in "$root"/LICENSE*; do
  [ -f "$license" ] && cp "$license" "$stage/"
done
cp "$library" "$stage/lib/libisms.so.1"
chmod 0755 "$stage/lib/libisms.so.1"

VERSION=$version php -r '
  $package = json_decode(file_get_contents($argv[1]), true, 512, JSON_THROW_ON_ERROR);
  unset($package["require-dev"], $package["autoload-dev"]);
  $package = ["name" => $package["name"], "version" => getenv("VERSION")] + $package;
  echo json_encode($package, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR), "\n";
' "$php_pkg/composer.json" >"$stage/composer.json"

rm -f "$zip"
zip_abs=$(cd "$(dirname "$zip")" && pwd)/$(basename "$zip")
# Sorted entries, so that the same inputs give the same list.
(cd "$stage" && find . -type f | sed 's|^\./||' | LC_ALL=C sort | zip -q -X "$zip_abs" -@)
echo "composer-zip: $zip ($(cd "$stage" && find . -type f | wc -l) files, isms/isms $version)"
