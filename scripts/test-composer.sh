#!/usr/bin/env bash
# Checks the Composer package: the zip's contents (composer.json at the root
# with the version and no Composer dependencies, lib/libisms.so.1, no
# tests/), then two fresh Composer projects under target/composer-test/
# (packagist off) install isms/isms from it: one through an artifact
# repository holding the zip, one through a path repository on the unzipped
# folder. Each runs the OTP flow (scripts/composer-flow.php) against the
# sandbox with no ISMS_LIBRARY and no LD_LIBRARY_PATH, and must load the
# library from its vendor/isms/isms/lib.
#
#   scripts/test-composer.sh VERSION ZIP
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 VERSION ZIP" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
version=$1
zip=$(realpath "$2")
fail() {
  echo "test-composer: $*" >&2
  exit 1
}
[ -f "$zip" ] || fail "no such zip: $zip"

dir=$root/target/composer-test
rm -rf "$dir"
mkdir -p "$dir/artifacts" "$dir/unzipped"
unset ISMS_LIBRARY LD_LIBRARY_PATH
# Composer's own home and cache stay under target/.
export COMPOSER_HOME=$dir/home COMPOSER_CACHE_DIR=$dir/cache COMPOSER_ALLOW_SUPERUSER=1 \
  COMPOSER_NO_INTERACTION=1

# The zip itself.
entries=$(unzip -Z1 "$zip")
for entry in composer.json autoload.php preload.php README.md include/isms.h src/Client.php src/Library.php \
  lib/libisms.so.1; do
  grep -qxF "$entry" <<<"$entries" || fail "$zip: no $entry"
done
! grep -q '^tests/\|/tests/' <<<"$entries" || fail "$zip: holds tests: $(grep '^tests/\|/tests/' <<<"$entries" | head -n 3 | tr '\n' ' ')"
unzip -p "$zip" composer.json | VERSION=$version php -r '
  $p = json_decode(stream_get_contents(STDIN), true, 512, JSON_THROW_ON_ERROR);
  $problems = [];
  if (($p["name"] ?? null) !== "isms/isms") $problems[] = "name is not isms/isms";
  if (($p["version"] ?? null) !== getenv("VERSION")) $problems[] = "version is not " . getenv("VERSION");
  foreach (["require-dev", "autoload-dev"] as $key) if (isset($p[$key])) $problems[] = "it has $key";
  foreach (array_keys($p["require"] ?? []) as $name)
    if ($name !== "php" && !str_starts_with($name, "ext-")) $problems[] = "it requires the package $name";
  if ($problems) { fwrite(STDERR, "composer.json: " . implode("; ", $problems) . "\n"); exit(1); }
' || fail "$zip: composer.json is not as it should be"
echo "test-composer: $zip: composer.json isms/isms $version, lib/libisms.so.1, no tests/"

cp "$zip" "$dir/artifacts/"
unzipped=$dir/unzipped/isms-php-$version
unzip -q "$zip" -d "$unzipped"

# project NAME REPOSITORY_JSON: a project requiring isms/isms VERSION from there.
project() {
  local name=$1 repository=$2 app=$dir/$1
  mkdir -p "$app"
  cat >"$app/composer.json" <<JSON
{
    "name": "isms/composer-test-$name",
    "type": "project",
    "require": {"isms/isms": "$version"},
    "repositories": [$repository]
}
JSON
  (cd "$app" && composer config repo.packagist false && composer install --no-progress --quiet) \
    || fail "$name: composer install failed"
  [ ! -e "$app/vendor/isms/isms/tests" ] || fail "$name: vendor/isms/isms holds tests/"
  [ -f "$app/vendor/isms/isms/lib/libisms.so.1" ] || fail "$name: no vendor/isms/isms/lib/libisms.so.1"
  installed=$(cd "$app" && composer show isms/isms --format=json | php -r 'echo json_decode(stream_get_contents(STDIN), true)["versions"][0];')
  [ "$installed" = "$version" ] || fail "$name: installed isms/isms $installed, not $version"
  echo "test-composer: $name: composer installed isms/isms $installed into $app/vendor"
  (cd /tmp && "$root/scripts/with-sandbox.sh" php -d ffi.enable=1 "$root/scripts/composer-flow.php" "$app") \
    || fail "$name: the OTP flow failed"
}

project artifact "{\"type\": \"artifact\", \"url\": \"$dir/artifacts\"}"
project path "{\"type\": \"path\", \"url\": \"$unzipped\", \"options\": {\"symlink\": false}}"
echo "test-composer: both projects passed"
