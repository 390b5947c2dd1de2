/*
 * C test suite of libisms, run against the local sandbox gateway
 * (scripts/with-sandbox.sh sets ISMS_SANDBOX_STATE & co.; `make c-test`,
 * `make valgrind`).
 *
 * Every check prints one line; the last line is "N passed, M failed" (then
 * ", K skipped" when checks this platform cannot run were skipped, each with
 * its reason on a "skip" line) and the
 * exit status is non-zero on any failure. What the sandbox received is read
 * back through its admin endpoints (/_sandbox/stats, requests, outbox) on the
 * plain-HTTP port, with a tiny HTTP/1.1 client (common.c), so that request counts,
 * wire queries and connection reuse are checked, not assumed.
 *
 * The input, setting, reply and fault rules come from the shared conformance cases,
 * tests/cases/<name>.json (or $ISMS_CASES_DIR/<name>.json; format in its README), read with
 * cJSON: a missing or malformed file is a failed check, never a skipped case.
 *
 * Each test talks to its own tag (https://127.0.0.1:P/t/<tag>/2FA/request.php)
 * so the sandbox counts its requests apart. Tests that count connections use a
 * CA bundle of their own (same trust, different bytes): the library keys its
 * process-wide pools by CA and proxy, so such a test gets a pool of its own
 * and idle connections left by earlier tests cannot blur the count.
 *
 * The program's files: common.h/common.c (checks, the sandbox, the query
 * codec, clients and calls), cases.h/cases.c (the case files), one
 * test_<group>.c per group, and this main, which runs the groups in order.
 */
#include "common.h"

/* ---- main ---------------------------------------------------------------------- */

static void remove_tmpdir(void) {
  char path[600];
  for (int k = 0; k < 16; k++) {
    snprintf(path, sizeof path, "%s/pool-%d.pem", g_tmpdir, k);
    unlink(path);
  }
  snprintf(path, sizeof path, "%s/not-pem.pem", g_tmpdir);
  unlink(path);
  rmdir(g_tmpdir);
}

int main(void) {
#ifdef _WIN32
  setvbuf(stdout, NULL, _IONBF, 0); /* the Windows C runtime has no line buffering */
#else
  setvbuf(stdout, NULL, _IOLBF, 0);
#endif
  const char *vg = getenv("ISMS_TEST_UNDER_VALGRIND");
  g_valgrind = vg && *vg && strcmp(vg, "0") != 0;
  g_run = (int)getpid();
  if (!platform_init()) {
    fprintf(stderr, "cannot start the platform's sockets\n");
    return 2;
  }
  clear_proxy_env(); /* the proxy tests set their own; the rest go direct */
  if (!load_sandbox()) return 2;
  snprintf(g_tmpdir, sizeof g_tmpdir, "%s/isms-c-test.XXXXXX",
           getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (!mkdtemp(g_tmpdir)) {
    perror("mkdtemp");
    return 2;
  }
  cJSON *set = admin("/_sandbox/balance?set=1000000");
  if (!set) {
    fprintf(stderr, "the sandbox's admin endpoint does not answer on port %d\n", SB.http);
    remove_tmpdir();
    return 2;
  }
  cJSON_Delete(set);
  printf("libisms %s against the sandbox at 127.0.0.1:%d%s\n", isms_version(), SB.https,
         g_valgrind ? " (under valgrind)" : "");

  test_nulls();
  test_settings();
  test_flow();
  test_expiry();
  test_wrong_password();
  test_inputs();
  test_faults();
  test_timeouts();
  test_retries();
  test_proxies();
  test_threads();
  test_fork();
  test_guard();

  remove_tmpdir();
  if (g_skipped > 0) printf("%d passed, %d failed, %d skipped\n", g_passed, g_failed, g_skipped);
  else printf("%d passed, %d failed\n", g_passed, g_failed);
  return g_failed == 0 ? 0 : 1;
}
