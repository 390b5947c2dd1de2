# libisms: build, demo and tests. The two commands the README promises:
#   make demo   the OTP flow against the bundled local sandbox gateway
#   make test   installs what the tests need, then runs every check
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

CBINDGEN_VERSION := 0.29.4
# The one command run when the Makefile is read: sed, for the major version.
ABI_MAJOR := $(shell sed -n '/^version = "\([0-9]*\)\..*/{s//\1/p;q;}' Cargo.toml)
LIBDIR := target/lib
CC ?= gcc
CFLAGS ?= -std=c11 -Wall -Wextra -Werror -O1 -g
C_TESTS := target/c/test_isms
C_DEMO := target/c/demo
SANDBOX := scripts/with-sandbox.sh
VENV := target/venv

.PHONY: all build lib php-cli demo bench test deps coredump-test cpp-test fmt-check clippy header check-header check-header-ffi rust-test c-test valgrind python-venv python-test clean \
        php-header php-check-header php-test php-demo bench-deps

all: build

# The library, the sandbox, and target/lib/ holding the SONAME link, so that
# in-tree programs link with -Ltarget/lib -lisms and run with that folder on
# their rpath or LD_LIBRARY_PATH.
build:
	cargo build --release --workspace
	mkdir -p $(LIBDIR)
	ln -sf ../release/libisms.so $(LIBDIR)/libisms.so.$(ABI_MAJOR)
	ln -sf libisms.so.$(ABI_MAJOR) $(LIBDIR)/libisms.so

lib: build

$(C_DEMO): examples/demo.c include/isms.h | build
	mkdir -p target/c
	$(CC) $(CFLAGS) -Iinclude $< -L$(LIBDIR) -Wl,-rpath,'$$ORIGIN/../lib' -lisms -o $@

demo: build php-cli $(C_DEMO) target/cpp/demo
	$(SANDBOX) $(C_DEMO)
	$(SANDBOX) target/cpp/demo
	$(SANDBOX) env PYTHONPATH=bindings/python python3 examples/demo.py
	$(SANDBOX) php $(PHP_CLI_INI) examples/demo.php
	@echo "--- the isms command: a balance check for monitoring (Nagios format)"
	$(SANDBOX) sh -c 'target/release/isms balance --warn-below 50 --warn-days 30 --format nagios; echo "exit status $$?"' 

# ---- tests ---------------------------------------------------------------

# Provisioning is in scripts/install-deps.sh: it installs only what is
# missing (Debian packages as root or with sudo, the pinned cbindgen, the
# rustup components, the venv). These targets are thin wrappers over it.
INSTALL_DEPS := CBINDGEN_VERSION=$(CBINDGEN_VERSION) VENV=$(VENV) scripts/install-deps.sh

# PHP's CLI (FFI is in it), for the PHP demo.
php-cli:
	@$(INSTALL_DEPS) demo

# Everything `make test` needs.
deps:
	@$(INSTALL_DEPS) test

fmt-check:
	cargo fmt --all -- --check

clippy:
	cargo clippy --workspace --all-targets -- -D warnings

header:
	RUSTC_BOOTSTRAP=1 cbindgen --config cbindgen.toml --output include/isms.h --quiet
	$(MAKE) --no-print-directory php-header

check-header:
	@tmp=$$(mktemp); RUSTC_BOOTSTRAP=1 cbindgen --config cbindgen.toml --output "$$tmp" --quiet; \
	if ! cmp -s "$$tmp" include/isms.h; then \
	  diff -u include/isms.h "$$tmp" | head -n 40; rm -f "$$tmp"; \
	  echo "include/isms.h is stale: run 'make header' and commit it" >&2; exit 1; \
	fi; rm -f "$$tmp"; echo "include/isms.h is up to date"

# The header as shipped must load in PHP's FFI::cdef.
check-header-ffi: build
	php -d ffi.enable=1 scripts/check-header-ffi.php include/isms.h target/release/libisms.so

# LIBISMS_REQUIRE_ROOT_TESTS: tests that need root (tests/dns_timeout.rs)
# fail here rather than pass unrun.
rust-test: build
	LIBISMS_REQUIRE_ROOT_TESTS=1 cargo test --release --workspace

# The C test program: every .c of bindings/c but the programs of their own.
C_TEST_SRCS := $(filter-out bindings/c/test_unload.c bindings/c/test_coredump.c,$(wildcard bindings/c/*.c))
C_TEST_HDRS := $(wildcard bindings/c/*.h)
$(C_TESTS): $(C_TEST_SRCS) $(C_TEST_HDRS) include/isms.h | build
	mkdir -p target/c
	$(CC) $(CFLAGS) -pthread -Iinclude $$(pkg-config --cflags libcjson) $(C_TEST_SRCS) \
	  -L$(LIBDIR) -Wl,-rpath,'$$ORIGIN/../lib' -lisms $$(pkg-config --libs libcjson) -o $@

target/c/test_unload: bindings/c/test_unload.c
	mkdir -p target/c
	$(CC) $(CFLAGS) $< -ldl -o $@

# No copy of a freed client's password or proxy credentials in a core dump.
target/c/test_coredump: bindings/c/test_coredump.c include/isms.h | build
	mkdir -p target/c
	$(CC) $(CFLAGS) -Iinclude $< -L$(LIBDIR) -Wl,-rpath,'$$ORIGIN/../lib' -lisms -o $@

coredump-test: build target/c/test_coredump
	$(SANDBOX) target/c/test_coredump

# The C++ wrapper: its test program (-Wall -Wextra -Werror), then again under
# Valgrind (every C result freed on every path, exceptions included).
CXX ?= g++
CXXFLAGS ?= -std=c++17 -Wall -Wextra -Werror -O1 -g
target/cpp/test_isms: bindings/cpp/test_isms.cpp include/isms.hpp include/isms.h | build
	mkdir -p target/cpp
	$(CXX) $(CXXFLAGS) -Iinclude $< -L$(LIBDIR) -Wl,-rpath,'$$ORIGIN/../lib' -lisms -o $@

target/cpp/demo: examples/demo.cpp include/isms.hpp include/isms.h | build
	mkdir -p target/cpp
	$(CXX) $(CXXFLAGS) -Iinclude $< -L$(LIBDIR) -Wl,-rpath,'$$ORIGIN/../lib' -lisms -o $@

cpp-test: build target/cpp/test_isms target/cpp/demo
	$(SANDBOX) target/cpp/test_isms
	ISMS_SANDBOX_ARGS="--chacha20-only" $(SANDBOX) \
	  valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
	    --show-leak-kinds=definite --suppressions=bindings/c/valgrind.supp target/cpp/test_isms

c-test: build $(C_TESTS) target/c/test_unload
	target/c/test_unload target/release/libisms.so
	$(SANDBOX) $(C_TESTS)

# The C test program under memcheck: 0 errors, 0 definite leaks. The sandbox
# offers only ChaCha20 suites here: ring's AES-GCM assembly trips memcheck's
# uninitialised-value checks (false alarms), and the suppressions file covers
# what remains in ring's own frames.
valgrind: build $(C_TESTS)
	ISMS_SANDBOX_ARGS="--chacha20-only" ISMS_TEST_UNDER_VALGRIND=1 $(SANDBOX) \
	  valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
	    --show-leak-kinds=definite --track-origins=no \
	    --suppressions=bindings/c/valgrind.supp --child-silent-after-fork=no \
	    $(C_TESTS)

# The Python package, installed with pip into a venv of its own (as users
# install it: with the built library copied inside), then pytest against it.
python-venv:
	@$(INSTALL_DEPS) venv

python-test: build python-venv
	PYTHONPATH=bindings/python ISMS_LIBRARY=target/release/libisms.so python3 -c \
	  'import isms; print("import isms from the source tree:", isms.library_version())'
	$(VENV)/bin/pip install -q --force-reinstall --no-deps ./bindings/python
	cd bindings/python && ../../$(VENV)/bin/mypy --strict isms
	$(VENV)/bin/pytest -q bindings/python/tests

test: deps fmt-check clippy check-header check-header-ffi rust-test c-test cpp-test coredump-test valgrind python-test php-test \
      fuzz-short asan-test
	@echo "make test: all checks passed"

# ---- fuzzing and sanitizers -----------------------------------------------

.PHONY: fuzz fuzz-short fuzz-build asan-test

# cargo-fuzz, installed into the tree (never globally) when missing. It
# needs nightly flags: RUSTC_BOOTSTRAP=1 lets the stable toolchain take them.
CARGO_FUZZ := target/tools/bin/cargo-fuzz
FUZZ_TARGETS := send_inputs verify_inputs replies classify redaction
FUZZ_SECONDS ?= 60
FUZZ_RUN = RUSTC_BOOTSTRAP=1 $(CARGO_FUZZ)
FUZZ_ARGS = --fuzz-dir fuzz --target-dir target/fuzz

$(CARGO_FUZZ):
	cargo install cargo-fuzz --locked --quiet --root target/tools

fuzz-build: $(CARGO_FUZZ)
	$(FUZZ_RUN) build $(FUZZ_ARGS)

# Each target for FUZZ_SECONDS, on its corpus in target/fuzz-corpus/ (seeded
# from tests/cases/); a crash leaves its input in target/fuzz-artifacts/ and
# fails the target. Prints libFuzzer's executions per target.
fuzz: fuzz-build
	python3 fuzz/seed.py target/fuzz-corpus
	mkdir -p target/fuzz-artifacts
	@total=0; for t in $(FUZZ_TARGETS); do \
	  log=target/fuzz-artifacts/$$t.log; \
	  if ! $(FUZZ_RUN) run $(FUZZ_ARGS) $$t target/fuzz-corpus/$$t -- \
	      -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	      -artifact_prefix=target/fuzz-artifacts/$$t- >"$$log" 2>&1; then \
	    grep -v '^ *#[0-9]\|^ *[0-9]*: \|^ *at ' "$$log" | tail -n 40 >&2; \
	    echo "fuzz: $$t failed (input in target/fuzz-artifacts/$$t-*)" >&2; exit 1; \
	  fi; \
	  runs=$$(sed -n 's/^stat::number_of_executed_units: *//p' "$$log"); \
	  echo "fuzz: $$t: $$runs executions in $$(sed -n "s/^Done .* runs in //p" "$$log"), 0 crashes"; \
	  total=$$((total + runs)); \
	done; echo "fuzz: $(words $(FUZZ_TARGETS)) targets, $$total executions"

fuzz-short:
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=20

# The C test program against the library built with AddressSanitizer, itself
# compiled with -fsanitize=address,undefined: any report fails the target
# (LeakSanitizer on). The library's objects call into the ASan runtime that
# the test program loads (a Rust cdylib links none of its own). The program
# is built by its own rule above (with `build` left out: the flags given to
# that make would reach cargo's C compiles), so it links the same sources,
# into $(ASAN_DIR), whose lib/ holds links to the ASan library.
ASAN_TARGET := x86_64-unknown-linux-gnu
ASAN_DIR := target/asan/$(ASAN_TARGET)
ASAN_RUSTFLAGS := -Zsanitizer=address -Cforce-frame-pointers=yes
ASAN_CFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ASAN_OPTIONS_TEST := detect_leaks=1:abort_on_error=0:exitcode=86:strict_string_checks=1:detect_stack_use_after_return=1
asan-test: build
	RUSTC_BOOTSTRAP=1 RUSTFLAGS="$(ASAN_RUSTFLAGS)" CARGO_PROFILE_RELEASE_LTO=false \
	  CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
	  cargo build --release -p isms-capi --target $(ASAN_TARGET) --target-dir target/asan
	mkdir -p $(ASAN_DIR)/c $(ASAN_DIR)/lib
	ln -sf ../release/libisms.so $(ASAN_DIR)/lib/libisms.so.$(ABI_MAJOR)
	ln -sf libisms.so.$(ABI_MAJOR) $(ASAN_DIR)/lib/libisms.so
	$(MAKE) --no-print-directory -o build LIBDIR=$(ASAN_DIR)/lib C_TESTS=$(ASAN_DIR)/c/test_isms \
	  CFLAGS="$(CFLAGS) $(ASAN_CFLAGS)" $(ASAN_DIR)/c/test_isms
	ASAN_OPTIONS=$(ASAN_OPTIONS_TEST) UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  $(SANDBOX) $(ASAN_DIR)/c/test_isms

# ---- PHP binding (bindings/php) --------------------------------------------

PHP_PKG := bindings/php
# As root, opcache.preload needs a preload_user (and FFI::load() is then
# refused in preload.php: the scope comes from ffi.preload). www-data, as
# under PHP-FPM, when it can read this tree; else the current user. Found
# when php-test runs (PRELOAD_USER, a variable of the recipe's shell).
FIND_PRELOAD_USER = PRELOAD_USER=$$(runuser -u www-data -- test -r $(CURDIR)/$(PHP_PKG)/preload.php 2>/dev/null \
  && echo www-data || id -un)
PHP_CLI_INI := -d ffi.enable=1
PHP_PRELOAD_INI = -d opcache.enable_cli=1 -d opcache.preload=$(CURDIR)/$(PHP_PKG)/preload.php \
  -d opcache.preload_user=$$PRELOAD_USER -d ffi.enable=preload -d ffi.preload=$(CURDIR)/$(PHP_PKG)/include/isms-scope.h

# The package's copy of the header, and its variant for FFI_SCOPE / FFI_LIB.
# Prints include/isms-scope.h as it should be.
PHP_SCOPE_HEADER = php -r 'require "$(PHP_PKG)/autoload.php"; echo Isms\Library::scopeHeader(Isms\Library::SONAME);'

php-header:
	cp include/isms.h $(PHP_PKG)/include/isms.h
	$(PHP_SCOPE_HEADER) > $(PHP_PKG)/include/isms-scope.h

php-check-header:
	@cmp -s include/isms.h $(PHP_PKG)/include/isms.h || \
	  { echo "$(PHP_PKG)/include/isms.h differs from include/isms.h: run 'make php-header'" >&2; exit 1; }
	@$(PHP_SCOPE_HEADER) | cmp -s - $(PHP_PKG)/include/isms-scope.h || \
	  { echo "$(PHP_PKG)/include/isms-scope.h is stale: run 'make php-header'" >&2; exit 1; }
	@echo "$(PHP_PKG)/include is up to date"

# PHPUnit against the sandbox, twice: the CLI loading the header with
# FFI::cdef, then PHP-FPM's way (opcache.preload + ffi.enable=preload,
# FFI::scope). Both runs must run the same tests, none skipped.
# glibc's per-thread cache of free chunks is off, so that the memory test's
# count of the C heap in use is exact.
php-test: export GLIBC_TUNABLES = glibc.malloc.tcache_count=0
php-test: build php-check-header
	mkdir -p target/php
	$(SANDBOX) php $(PHP_CLI_INI) $$(command -v phpunit) -c $(PHP_PKG) --log-junit target/php/cli.xml
	$(FIND_PRELOAD_USER); \
	LD_LIBRARY_PATH=$(CURDIR)/$(LIBDIR) $(SANDBOX) php $(PHP_PRELOAD_INI) $$(command -v phpunit) -c $(PHP_PKG) \
	  --log-junit target/php/preload.xml
	@scripts/junit-summary.sh "php-test, FFI::cdef (CLI)=target/php/cli.xml" \
	  "php-test, FFI::scope (opcache.preload)=target/php/preload.xml"

php-demo: build
	$(SANDBOX) php $(PHP_CLI_INI) examples/demo.php

# Prints numbers: libisms against libcurl, pycurl and PHP's curl on the same
# local server (bench/run.sh), then connection reuse (a shared client vs a
# new client per call). Not part of `make test`: a benchmark measures, it
# does not pass or fail.
target/bench/bench_c: bench/bench_c.c include/isms.h | build bench-deps
	mkdir -p target/bench
	$(CC) $(CFLAGS) -pthread -Iinclude $< -L$(LIBDIR) -Wl,-rpath,'$$ORIGIN/../lib' -lisms -lcurl -o $@

bench-deps:
	@$(INSTALL_DEPS) bench

bench: build python-venv target/bench/bench_c
	[ -x $(VENV)/bin/python ] && $(VENV)/bin/python -c 'import pycurl' 2>/dev/null || $(VENV)/bin/pip install -q pycurl
	ISMS_SANDBOX_ARGS="--balance 100000000 --quiet" $(SANDBOX) bench/run.sh
	cargo bench --bench pool

clean:
	cargo clean

# ---- Python wheel and Composer zip ------------------------------------------

.PHONY: wheel wheel-deps wheel-test composer-deps composer-zip composer-test

# The crate's version, read as ABI_MAJOR is (sed).
VERSION := $(shell sed -n '/^version = "\([^"]*\)".*/{s//\1/p;q;}' Cargo.toml)
DIST := target/dist

# The wheel carries WHEEL_LIBRARY, the glibc-2.17 build of `make portable`
# (its tag claims manylinux_2_17, and auditwheel checks the claim). Built in
# target/wheel/ from a copy of bindings/python, checked, then moved to
# target/dist/.
WHEEL_LIBRARY ?= target/portable/libisms.so
WHEEL_VENV := target/wheel/venv
WHEEL_PLATFORM := manylinux_2_17_x86_64
WHEEL_NAME := isms-$(VERSION)-py3-none-$(WHEEL_PLATFORM).whl
WHEEL := $(DIST)/$(WHEEL_NAME)
# The interpreters `make wheel-test` installs the wheel with, one venv each.
WHEEL_TEST_PYTHONS ?= python3

wheel-deps:
	@WHEEL_VENV=$(WHEEL_VENV) $(INSTALL_DEPS) wheel

wheel: wheel-deps
	@[ -f "$(WHEEL_LIBRARY)" ] || { echo "make wheel: no library at $(WHEEL_LIBRARY):" \
	  "run 'make portable', or pass WHEEL_LIBRARY=path/to/libisms.so" >&2; exit 1; }
	rm -rf target/wheel/src target/wheel/out $(WHEEL)
	mkdir -p target/wheel/src $(DIST)
	cp -r bindings/python/setup.py bindings/python/pyproject.toml bindings/python/README.md \
	  bindings/python/isms target/wheel/src/
	rm -rf target/wheel/src/isms/__pycache__ target/wheel/src/isms/libisms.so
	ISMS_LIBRARY=$(abspath $(WHEEL_LIBRARY)) $(WHEEL_VENV)/bin/python -m build --wheel \
	  --no-isolation --outdir target/wheel/out target/wheel/src
	scripts/check-wheel.sh $(WHEEL_VENV) target/wheel/out/$(WHEEL_NAME) $(WHEEL_PLATFORM)
	mv target/wheel/out/$(WHEEL_NAME) $(WHEEL)
	@echo "make wheel: $(WHEEL)"

# The wheel in a fresh venv of each WHEEL_TEST_PYTHONS, outside the source
# tree and with no ISMS_LIBRARY, under the Python suite; then a build with no
# library must fail. The suite's sandbox is target/release's (make build).
wheel-test: wheel build
	for python in $(WHEEL_TEST_PYTHONS); do scripts/test-wheel.sh "$$python" $(WHEEL); done
	scripts/test-wheel-build.sh $(WHEEL_VENV)/bin/python

# The Composer package: composer.json at the root, the library as
# lib/libisms.so.1 (the first place the PHP package looks in), no tests.
COMPOSER_LIBRARY ?= target/portable/libisms.so
COMPOSER_ZIP := $(DIST)/isms-php-$(VERSION).zip

composer-deps:
	@$(INSTALL_DEPS) composer

composer-zip: composer-deps
	@[ -f "$(COMPOSER_LIBRARY)" ] || { echo "make composer-zip: no library at $(COMPOSER_LIBRARY):" \
	  "run 'make portable', or pass COMPOSER_LIBRARY=path/to/libisms.so" >&2; exit 1; }
	scripts/composer-zip.sh $(VERSION) $(COMPOSER_LIBRARY) $(COMPOSER_ZIP)

# Composer projects under target/composer-test/ install isms/isms from the
# zip (an artifact repository, then a path repository on its unzipped
# folder), packagist off; each runs the OTP flow against the sandbox.
composer-test: composer-zip build
	scripts/test-composer.sh $(VERSION) $(COMPOSER_ZIP)

# ---- install ---------------------------------------------------------------

.PHONY: install uninstall install-test install-deps

# make install [PREFIX=/usr/local] [DESTDIR=] [FROM=target/release]: the
# library (libisms.so.VERSION, its links, libisms.a), isms.h and isms.hpp,
# isms.pc, the CMake package, and the isms and isms-sandbox commands
# (scripts/install.sh). FROM is the folder of the built files.
PREFIX ?= /usr/local
DESTDIR ?=
FROM ?= target/release
INSTALL_ARGS = PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" FROM="$(FROM)"

install: build
	scripts/install.sh install $(INSTALL_ARGS)

uninstall:
	scripts/install.sh uninstall $(INSTALL_ARGS)

# pkg-config, CMake and g++.
install-deps:
	@$(INSTALL_DEPS) install

# Installs into folders under target/install-test (DESTDIR, PREFIX), checks
# the files and links, builds and runs programs against them (pkg-config,
# shared and static; CMake's find_package), moves the tree, uninstalls.
# Libs.private is checked against rustc's --print native-static-libs (a
# debug `cargo rustc` of the capi crate, quick once the debug build exists).
install-test: build install-deps
	tests/install/run.sh

# ---- Windows (mingw-w64, tested under Wine) and musl ------------------------

.PHONY: windows-deps windows windows-test musl-deps musl musl-test

# cJSON's source (Debian's source package, fetched with a private apt
# configuration): the C test program's cross builds compile it themselves,
# Debian building cJSON for glibc only.
CJSON_DIR := target/cjson
CJSON_SRC := $(CJSON_DIR)/src/cJSON.c
$(CJSON_SRC):
	scripts/cjson-source.sh $(CJSON_DIR)

# Each step's wall time, printed by bash's `time` after the step.
TIMED = TIMEFORMAT="$@: $(1): %1Rs"; time

WIN_TARGET := x86_64-pc-windows-gnu
WIN_RELEASE := target/$(WIN_TARGET)/release
WIN_DIR := target/windows
WIN_CC := x86_64-w64-mingw32-gcc
WIN_OBJDUMP := x86_64-w64-mingw32-objdump
WIN_CFLAGS := -std=c11 -Wall -Wextra -Werror -O1 -D__USE_MINGW_ANSI_STDIO=1
# Wine in a prefix of its own, quiet but for the loader's errors (a missing
# dll); bcryptprimitives.dll is the test stub beside the programs
# (bindings/c/windows/bcryptprimitives.c), preferred to Wine's own.
WINE := /usr/lib/wine/wine64
WINE_ENV := WINEPREFIX=$(CURDIR)/$(WIN_DIR)/prefix WINEDEBUG=-all,err+module WINEDLLOVERRIDES=bcryptprimitives=n,b

windows-deps:
	@$(INSTALL_DEPS) windows

# isms.dll and its import library libisms.dll.a, with Rust's own link
# flags for windows-gnu (capi/build.rs adds the Linux ones on Linux only).
windows: windows-deps
	$(call TIMED,cargo build) cargo build --release --target $(WIN_TARGET) -p isms-capi
	@ls -l $(WIN_RELEASE)/isms.dll $(WIN_RELEASE)/libisms.dll.a

# The dll's exports are exactly the isms_* functions of include/isms.h; then
# the C test program and the demo, cross-compiled against the import library,
# run under Wine against the (Linux) sandbox on 127.0.0.1. The tests that need
# POSIX alone print "skip" with their reason; the last line counts them.
# The harness for Windows programs under Wine: the ProcessPrng stub, placed
# beside the programs (Wine 8.0 lacks ProcessPrng, which Rust's std calls;
# Windows 10 and later have it: an emulator gap), and a Wine prefix of our own.
WIN_STUB := $(WIN_DIR)/bin/bcryptprimitives.dll
WIN_PREFIX := $(WIN_DIR)/prefix/system.reg
$(WIN_STUB): bindings/c/windows/bcryptprimitives.c | windows-deps
	mkdir -p $(WIN_DIR)/bin
	$(WIN_CC) -O1 -shared -o $@ $< -ladvapi32
$(WIN_PREFIX): | windows-deps
	mkdir -p $(WIN_DIR)
	$(call TIMED,Wine prefix) { $(WINE_ENV) $(WINE) wineboot --init >$(WIN_DIR)/wineboot.log 2>&1 \
	  || { cat $(WIN_DIR)/wineboot.log >&2; exit 1; }; }

windows-test: windows build $(CJSON_SRC) $(WIN_STUB) $(WIN_PREFIX)
	scripts/check-dll-exports.sh $(WIN_OBJDUMP) $(WIN_RELEASE)/isms.dll include/isms.h
	mkdir -p $(WIN_DIR)/bin $(WIN_DIR)/obj $(WIN_DIR)/include/cjson
	cp $(CJSON_DIR)/src/cJSON.h $(WIN_DIR)/include/cjson/
	cp $(WIN_RELEASE)/isms.dll $(WIN_DIR)/bin/
	$(call TIMED,mingw builds) { \
	  $(WIN_CC) -std=c99 -O1 -c $(CJSON_SRC) -o $(WIN_DIR)/obj/cJSON.o && \
	  $(WIN_CC) $(WIN_CFLAGS) -pthread -Iinclude -I$(WIN_DIR)/include $(C_TEST_SRCS) \
	    $(WIN_DIR)/obj/cJSON.o $(WIN_RELEASE)/libisms.dll.a -lws2_32 -static -o $(WIN_DIR)/bin/test_isms.exe && \
	  $(WIN_CC) $(WIN_CFLAGS) -Iinclude examples/demo.c $(WIN_RELEASE)/libisms.dll.a \
	    -static -o $(WIN_DIR)/bin/demo.exe; }
	$(call TIMED,demo under Wine) $(SANDBOX) env $(WINE_ENV) $(WINE) $(WIN_DIR)/bin/demo.exe
	$(call TIMED,C tests under Wine) $(SANDBOX) env $(WINE_ENV) $(WINE) $(WIN_DIR)/bin/test_isms.exe

MUSL_TARGET := x86_64-unknown-linux-musl
# A target dir of its own: the musl RUSTFLAGS stay out of the other builds.
MUSL_RELEASE := target/musl/$(MUSL_TARGET)/release
MUSL_DIR := target/musl-c
MUSL_CC := musl-gcc
MUSL_CFLAGS := -std=c11 -Wall -Wextra -Werror -O1

musl-deps:
	@$(INSTALL_DEPS) musl

# A dynamic libisms.so for musl (-crt-static off, or cargo drops the cdylib),
# SONAME libisms.so.$(ABI_MAJOR) like the glibc build, linked by musl-gcc (the
# default `cc` would link glibc). Rust's unwinder for dynamic musl is
# libgcc_s.so.1, which musl systems may lack: $(MUSL_LINK)/libgcc_s.so, a
# linker script found first, links the static libunwind.a of Rust's musl
# target instead, so the library needs musl's libc.so alone.
MUSL_LINK := target/musl/link
MUSL_UNWIND = $(shell rustc --print sysroot)/lib/rustlib/$(MUSL_TARGET)/lib/self-contained/libunwind.a
MUSL_ENV = RUSTFLAGS="-C target-feature=-crt-static -L native=$(CURDIR)/$(MUSL_LINK)" \
  CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_LINKER=$(MUSL_CC) CC_x86_64_unknown_linux_musl=$(MUSL_CC)
musl: musl-deps
	mkdir -p $(MUSL_LINK)
	echo "INPUT($(MUSL_UNWIND))" > $(MUSL_LINK)/libgcc_s.so.tmp
	cmp -s $(MUSL_LINK)/libgcc_s.so.tmp $(MUSL_LINK)/libgcc_s.so || mv $(MUSL_LINK)/libgcc_s.so.tmp $(MUSL_LINK)/libgcc_s.so
	rm -f $(MUSL_LINK)/libgcc_s.so.tmp
	$(call TIMED,cargo build) $(MUSL_ENV) cargo build --release --target $(MUSL_TARGET) \
	  --target-dir target/musl -p isms-capi
	mkdir -p $(MUSL_DIR)/lib
	ln -sf ../../musl/$(MUSL_TARGET)/release/libisms.so $(MUSL_DIR)/lib/libisms.so.$(ABI_MAJOR)
	ln -sf libisms.so.$(ABI_MAJOR) $(MUSL_DIR)/lib/libisms.so
	@ls -l $(MUSL_RELEASE)/libisms.so

# The library needs no glibc library nor symbol version, and exports the
# isms_* functions alone; the demo and the C test program, built with
# musl-gcc (cJSON compiled from its source), run against the sandbox.
musl-test: musl build $(CJSON_SRC)
	scripts/check-musl-lib.sh $(MUSL_RELEASE)/libisms.so libisms.so.$(ABI_MAJOR) include/isms.h
	mkdir -p $(MUSL_DIR)/bin $(MUSL_DIR)/obj $(MUSL_DIR)/include/cjson
	cp $(CJSON_DIR)/src/cJSON.h $(MUSL_DIR)/include/cjson/
	$(call TIMED,musl-gcc builds) { \
	  $(MUSL_CC) -std=c99 -O1 -c $(CJSON_SRC) -o $(MUSL_DIR)/obj/cJSON.o && \
	  $(MUSL_CC) $(MUSL_CFLAGS) -Iinclude examples/demo.c -L$(MUSL_DIR)/lib \
	    -Wl,-rpath,'$$ORIGIN/../lib' -lisms -o $(MUSL_DIR)/bin/demo && \
	  $(MUSL_CC) $(MUSL_CFLAGS) -pthread -Iinclude -I$(MUSL_DIR)/include $(C_TEST_SRCS) \
	    $(MUSL_DIR)/obj/cJSON.o -L$(MUSL_DIR)/lib -Wl,-rpath,'$$ORIGIN/../lib' -lisms \
	    -o $(MUSL_DIR)/bin/test_isms; }
	scripts/check-musl-lib.sh $(MUSL_DIR)/bin/demo
	$(call TIMED,demo) $(SANDBOX) $(MUSL_DIR)/bin/demo
	$(call TIMED,C tests) $(SANDBOX) $(MUSL_DIR)/bin/test_isms

# ---- portable (glibc 2.17) and the Debian 11 root ---------------------------

.PHONY: portable portable-deps portable-test debian11 debian11-test

# make portable: the library (libisms.so, and libisms.a when capi/Cargo.toml
# builds the staticlib), the isms command and the sandbox, linked by
# cargo-zigbuild (zig's linker and its glibc stubs) for glibc 2.17 and later,
# in a target dir of their own; copied into target/portable/, whose lib/
# holds the SONAME link for programs linked against it. capi/build.rs's
# SONAME, version script and -z nodelete are kept (make portable-test checks).
ZIGBUILD_VENV := target/zigbuild-venv
# cargo-zigbuild's wrapper scripts and zig's cache, under target/ too.
ZIG_ENV := XDG_CACHE_HOME=$(CURDIR)/target/zigbuild-cache ZIG_GLOBAL_CACHE_DIR=$(CURDIR)/target/zigbuild-cache/zig
ZIG := $(ZIG_ENV) $(ZIGBUILD_VENV)/bin/python -m ziglang
PORTABLE_GLIBC := 2.17
PORTABLE_TRIPLE := x86_64-unknown-linux-gnu
PORTABLE_BUILD := target/portable-build
PORTABLE_OUT := $(PORTABLE_BUILD)/$(PORTABLE_TRIPLE)/release
PORTABLE := target/portable

portable-deps:
	@ZIGBUILD_VENV=$(ZIGBUILD_VENV) $(INSTALL_DEPS) portable

portable: portable-deps
	@start=$$SECONDS; \
	PATH="$(CURDIR)/$(ZIGBUILD_VENV)/bin:$$PATH" $(ZIG_ENV) cargo zigbuild --release \
	  --target $(PORTABLE_TRIPLE).$(PORTABLE_GLIBC) --target-dir $(PORTABLE_BUILD) \
	  -p isms-capi -p isms-cli -p isms-sandbox; \
	echo "portable: cargo zigbuild took $$((SECONDS - start)) s"
	mkdir -p $(PORTABLE)/lib
	rm -f $(PORTABLE)/libisms.a
	cp -p $(PORTABLE_OUT)/libisms.so $(PORTABLE_OUT)/isms $(PORTABLE_OUT)/isms-sandbox $(PORTABLE)/
	if grep -q '^crate-type *=.*"staticlib"' capi/Cargo.toml; then cp -p $(PORTABLE_OUT)/libisms.a $(PORTABLE)/; fi
	ln -sfn ../libisms.so $(PORTABLE)/lib/libisms.so.$(ABI_MAJOR)
	ln -sfn libisms.so.$(ABI_MAJOR) $(PORTABLE)/lib/libisms.so
	@ls -l $(PORTABLE) $(PORTABLE)/lib

# The C test program and the demo, compiled by zig for glibc 2.17 too (a
# program built by the host's gcc needs the host's glibc and would not run in
# an older system), linked against target/portable/lib. They live in
# $(PORTABLE_TEST)/c; $(PORTABLE_TEST)/lib is a link to target/portable/lib
# (the programs' rpath is $ORIGIN/../lib). The compile lines are those of the
# $(C_TESTS) and $(C_DEMO) rules; cJSON is the host's (header and libcjson.so),
# found through a folder of links (zig searches no system folder).
PORTABLE_TEST := target/portable-test
PORTABLE_CC = env $(ZIG) cc -target x86_64-linux-gnu.$(PORTABLE_GLIBC)
PORTABLE_CJSON := $(PORTABLE_TEST)/cjson
# The sandbox's state (its CA file) must be inside the repository, which is
# what the Debian 11 root sees of the host.
PORTABLE_SANDBOX = TMPDIR=$(CURDIR)/$(PORTABLE_TEST)/tmp ISMS_SANDBOX_BIN=$(CURDIR)/$(PORTABLE)/isms-sandbox $(SANDBOX)
DEBIAN11 := scripts/debian11.sh

$(PORTABLE_TEST)/c/test_isms $(PORTABLE_TEST)/c/demo &: $(C_TEST_SRCS) $(C_TEST_HDRS) examples/demo.c include/isms.h \
    $(PORTABLE)/libisms.so
	mkdir -p $(PORTABLE_TEST)/c $(PORTABLE_CJSON)/include $(PORTABLE_TEST)/tmp
	ln -sfn ../portable/lib $(PORTABLE_TEST)/lib
	ln -sfn "$$(pkg-config --variable=includedir libcjson)/cjson" $(PORTABLE_CJSON)/include/cjson
	ln -sf "$$(pkg-config --variable=libdir libcjson)/libcjson.so" $(PORTABLE_CJSON)/libcjson.so
	$(PORTABLE_CC) $(CFLAGS) -pthread -Iinclude -isystem $(PORTABLE_CJSON)/include $(C_TEST_SRCS) \
	  -L$(PORTABLE_TEST)/lib -Wl,-rpath,'$$ORIGIN/../lib' -lisms -L$(PORTABLE_CJSON) -lcjson -o $(PORTABLE_TEST)/c/test_isms
	$(PORTABLE_CC) $(CFLAGS) -Iinclude examples/demo.c \
	  -L$(PORTABLE_TEST)/lib -Wl,-rpath,'$$ORIGIN/../lib' -lisms -o $(PORTABLE_TEST)/c/demo

# The same test program linked with libisms.a (when `make portable` built it),
# zig's libunwind standing in for libgcc_s.
$(PORTABLE_TEST)/c/test_isms_static: $(C_TEST_SRCS) $(C_TEST_HDRS) include/isms.h $(PORTABLE)/libisms.a \
    | $(PORTABLE_TEST)/c/test_isms
	$(PORTABLE_CC) $(CFLAGS) -pthread -Iinclude -isystem $(PORTABLE_CJSON)/include $(C_TEST_SRCS) \
	  $(PORTABLE)/libisms.a -L$(PORTABLE_CJSON) -lcjson -lunwind -lpthread -ldl -lm -lrt -lutil -o $@

# Checks target/portable: the library as capi/build.rs links it, every file
# within glibc $(PORTABLE_GLIBC) (and the check failing on target/release's
# library, built against this host's newer glibc), then the C test program
# against the portable library and its sandbox.
portable-test: portable build $(PORTABLE_TEST)/c/test_isms
	scripts/check-library.sh $(ABI_MAJOR) $(PORTABLE)/libisms.so include/isms.h
	scripts/check-glibc.sh --max $(PORTABLE_GLIBC) $$(find $(PORTABLE) -maxdepth 1 -type f | sort)
	@if scripts/check-glibc.sh --max $(PORTABLE_GLIBC) target/release/libisms.so >$(PORTABLE_TEST)/release-glibc.txt 2>&1; then \
	  cat $(PORTABLE_TEST)/release-glibc.txt; \
	  echo "portable-test: check-glibc.sh passed target/release/libisms.so, built against this host's glibc: the check is broken" >&2; \
	  exit 1; \
	fi; echo "portable-test: check-glibc.sh fails, as it must, on target/release/libisms.so:"; tail -n 1 $(PORTABLE_TEST)/release-glibc.txt
	scripts/check-glibc.sh --max $(PORTABLE_GLIBC) $(PORTABLE_TEST)/c/test_isms $(PORTABLE_TEST)/c/demo
	@loaded=$$(LD_TRACE_LOADED_OBJECTS=1 $(PORTABLE_TEST)/c/test_isms | sed -n 's/^[[:space:]]*libisms\.so[^ ]* => \([^ ]*\) .*/\1/p'); \
	  echo "portable-test: the C test program loads $$loaded"; \
	  [ "$$(readlink -f "$$loaded")" = "$(CURDIR)/$(PORTABLE)/libisms.so" ] || \
	  { echo "portable-test: the C test program does not load $(PORTABLE)/libisms.so" >&2; exit 1; }
	$(PORTABLE_SANDBOX) $(PORTABLE_TEST)/c/test_isms
	$(MAKE) --no-print-directory -o portable -o build debian11-test

# The Debian 11 root (target/debian11, built once by scripts/debian11.sh).
debian11: portable-deps
	$(DEBIAN11)

# Inside the Debian 11 root (glibc 2.31, Python 3.9): the library of
# target/release must fail to load there (the proof the root is older than
# this host), the C test program and the demo (built as above) against a
# sandbox started outside, the test program linked with libisms.a, then the Python suite with Debian's python3 and
# pytest against target/portable (its own sandbox: target/portable's). The
# suite's discovery cases load the repository's build (target/release) in a
# checkout: for that run the root sees the portable library at that path (a
# bind mount inside the root only, gone when the run ends).
debian11-test: portable build debian11 $(PORTABLE_TEST)/c/test_isms $(PORTABLE_TEST)/c/demo
	@$(DEBIAN11) run sh -c '. /etc/os-release; echo "debian11: $$PRETTY_NAME, $$(ldd --version | head -n 1), $$(python3 --version)"'
	@if $(DEBIAN11) run python3 -c 'import ctypes; ctypes.CDLL("target/release/libisms.so")' \
	    >$(PORTABLE_TEST)/release-load.txt 2>&1; then \
	  echo "debian11-test: target/release/libisms.so loaded in the Debian 11 root: the root is not older than this host" >&2; \
	  exit 1; \
	fi; echo "debian11-test: target/release/libisms.so does not load in the root, as expected:"; \
	  tail -n 1 $(PORTABLE_TEST)/release-load.txt
	$(PORTABLE_SANDBOX) $(DEBIAN11) run $(PORTABLE_TEST)/c/test_isms
	$(PORTABLE_SANDBOX) $(DEBIAN11) run $(PORTABLE_TEST)/c/demo
	@if [ -f $(PORTABLE)/libisms.a ]; then \
	  $(MAKE) --no-print-directory $(PORTABLE_TEST)/c/test_isms_static && \
	  scripts/check-glibc.sh --max $(PORTABLE_GLIBC) $(PORTABLE_TEST)/c/test_isms_static && \
	  echo "debian11-test: the C test program linked with $(PORTABLE)/libisms.a, in the root" && \
	  $(PORTABLE_SANDBOX) $(DEBIAN11) run $(PORTABLE_TEST)/c/test_isms_static; \
	else echo "debian11-test: no $(PORTABLE)/libisms.a (capi builds no staticlib): no static test"; fi
	$(DEBIAN11) run --release-library $(PORTABLE)/libisms.so \
	  env PYTHONPATH=bindings/python ISMS_LIBRARY=$(PORTABLE)/libisms.so \
	  ISMS_SANDBOX_BIN=$(CURDIR)/$(PORTABLE)/isms-sandbox PYTHONDONTWRITEBYTECODE=1 \
	  python3 -m pytest -q -p no:cacheprovider bindings/python/tests

# ---- dist: every artifact, and the flow from each -------------------------

.PHONY: dist dist-deps dist-test dist-check

dist-deps:
	@$(INSTALL_DEPS) composer

# target/dist/: the linux-gnu tarball (the `make install` layout of the
# glibc-2.17 builds), the linux-musl tarball, the windows-gnu zip, the Python
# wheel and the Composer zip, the last two carrying the glibc-2.17 library.
dist: portable windows musl dist-deps
	rm -rf $(DIST)
	scripts/dist.sh $(VERSION) $(PORTABLE) $(MUSL_RELEASE) $(WIN_RELEASE)
	$(MAKE) --no-print-directory wheel WHEEL_LIBRARY=$(PORTABLE)/libisms.so
	$(MAKE) --no-print-directory composer-zip COMPOSER_LIBRARY=$(PORTABLE)/libisms.so
	@ls -l $(DIST)

# The OTP flow from the artifacts alone (scripts/test-dist.sh): C on this
# host and in the Debian 11 root, musl, Windows under Wine, the wheel on
# Python 3.11 and 3.9, the Composer package.
dist-test: dist build debian11 wheel-deps $(WIN_STUB) $(WIN_PREFIX)
	DIST_TEST_WINE="$(WINE_ENV) $(WINE)" DIST_TEST_WINE_STUB=$(WIN_STUB) scripts/test-dist.sh $(VERSION)

# What CI runs after `make test`: the install layout, the portable build
# (with the Debian 11 root), Windows, musl, then make dist and the flow from
# its artifacts.
dist-check: install-test portable-test windows-test musl-test dist-test
	@echo "make dist-check: all distribution checks passed"
