/* The C test program (main.c): timeouts. */
#include "common.h"

void test_timeouts(void) {
  g_area = "timeouts";
  /* Under memcheck everything is ~30x slower: wider margins, longer faults. */
  const uint32_t timeout = g_valgrind ? 4000 : 800;
  const double margin = g_valgrind ? 4000 : 1200;
  static const struct {
    const char *mode, *vg_mode;
    enum Call call;
  } cases[] = {
      {"slow-4000", "slow-20000", SEND},
      {"slow-4000", "slow-20000", BALANCE},
      {"trickle-25", "trickle-100", SEND}, /* ~300 bytes: 7.5 s (30 s) in all */
      {"trickle-25", "trickle-100", VERIFY},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const char *mode = g_valgrind ? cases[i].vg_mode : cases[i].mode;
    const char *label = CALL_NAMES[cases[i].call];
    char tag[64], name[40];
    snprintf(name, sizeof name, "timeout-%zu", i);
    IsmsClient *c = account_client(name, tag, sizeof tag, "client");
    if (!c) continue;
    Outcome warm;
    CHECK(warm_up(c, tag, mode, timeout, &warm), "%s: warm-up call OK (%s), timeout %u ms set",
          mode, warm.message, timeout);
    double t0 = now_ms();
    Outcome o = call(c, cases[i].call);
    double took = now_ms() - t0;
    CHECK(o.status == ISMS_ERR_TIMEOUT && o.http_status == 0,
          "%s %s -> ISMS_ERR_TIMEOUT, http 0 (got %s, http %d: %s)", mode, label,
          isms_status_name((int32_t)o.status), o.http_status, o.message);
    CHECK(took >= timeout - 50 && took <= timeout + margin,
          "%s %s: returned after %.0f ms (deadline %u ms, margin %.0f)", mode, label, took,
          timeout, margin);
    CHECK(leak_free(o.message), "%s %s: no password in the message", mode, label);
    CHECK(requests_for(tag) == 1, "%s %s: one request, not repeated (got %d)", mode, label,
          requests_for(tag));
    isms_client_free(c);
  }
}
