/* The C test program (main.c): threads and connection reuse. */
#include "common.h"

#include <pthread.h>
#include <stdatomic.h>

static atomic_int g_calls_done;

typedef struct {
  IsmsClient *client;
  int calls, ok;
  char first_error[256];
} Worker;

static void *worker(void *arg) {
  Worker *w = arg;
  for (int i = 0; i < w->calls; i++) {
    IsmsBalanceResult *b = isms_balance(w->client);
    if (b->status == ISMS_OK) w->ok++;
    else if (!w->first_error[0])
      snprintf(w->first_error, sizeof w->first_error, "%s: %s",
               isms_status_name((int32_t)b->status), str_or(b->message));
    isms_balance_result_free(b);
    atomic_fetch_add(&g_calls_done, 1);
  }
  return NULL;
}

void test_threads(void) {
  g_area = "threads";
  enum { THREADS = 16 };
  const int calls = g_valgrind ? 3 : 20;
  char tag[64];
  make_tag(tag, sizeof tag, "threads");
  const char *ca = pool_ca(1);
  IsmsClient *c = client_for(SB.password, tag, NULL, ca);
  if (!CHECK(c != NULL, "client")) return;
  atomic_store(&g_calls_done, 0);
  Worker workers[THREADS];
  pthread_t threads[THREADS];
  int started = 0;
  for (int i = 0; i < THREADS; i++) {
    workers[i] = (Worker){.client = c, .calls = calls};
    if (pthread_create(&threads[i], NULL, worker, &workers[i]) == 0) started++;
    else break;
  }
  CHECK(started == THREADS, "%d threads started", started);
  /* Settings change while the calls run; they keep the same transport. */
  int settings_calls = 0, settings_ok = 0;
  bool running = true;
  while (running) {
    settings_ok += isms_client_set_timeout_ms(c, 30000 + (uint32_t)(settings_calls % 7)) == ISMS_OK;
    settings_ok += isms_client_set_ca_file(c, ca) == ISMS_OK;
    settings_ok += isms_client_set_proxy(c, "") == ISMS_OK;
    settings_calls += 3;
    running = atomic_load(&g_calls_done) < started * calls;
    struct timespec pause = {.tv_nsec = 2 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
  int ok = 0;
  const char *error = NULL;
  for (int i = 0; i < started; i++) {
    pthread_join(threads[i], NULL);
    ok += workers[i].ok;
    if (workers[i].first_error[0] && !error) error = workers[i].first_error;
  }
  CHECK(ok == THREADS * calls, "%d of %d concurrent balance calls OK (%s)", ok, THREADS * calls,
        str_or(error));
  CHECK(settings_ok == settings_calls, "%d settings changes during the calls, all OK",
        settings_calls);
  Stats st = stats(tag);
  CHECK(st.requests == THREADS * calls, "the sandbox saw %d requests (want %d)", st.requests,
        THREADS * calls);
  CHECK(st.connections >= 1 && st.connections <= 20,
        "%d connections for %d requests: kept alive and reused", st.connections, st.requests);
  isms_client_free(c);

  /* sequential calls on one client: one connection */
  g_area = "reuse";
  make_tag(tag, sizeof tag, "reuse-seq");
  c = client_for(SB.password, tag, NULL, pool_ca(2));
  int seq_ok = 0;
  for (int i = 0; i < 5; i++) seq_ok += call(c, BALANCE).status == ISMS_OK;
  IsmsSendResult *s = isms_send_otp(c, "0123456789", "60", "Code %OTP%", 0, NULL);
  seq_ok += s->status == ISMS_OK;
  isms_send_result_free(s);
  st = stats(tag);
  CHECK(seq_ok == 6 && st.requests == 6, "6 sequential calls OK (%d)", st.requests);
  CHECK(st.connections == 1, "sequential calls on one client share 1 connection (got %d)",
        st.connections);
  isms_client_free(c);

  /* a new client per call (as a PHP-FPM worker does): the process-wide pool */
  make_tag(tag, sizeof tag, "reuse-per-client");
  const char *ca3 = pool_ca(3);
  int per_ok = 0;
  for (int i = 0; i < 10; i++) {
    IsmsClient *fresh = client_for(SB.password, tag, NULL, ca3);
    if (!fresh) continue;
    per_ok += call(fresh, BALANCE).status == ISMS_OK;
    isms_client_free(fresh);
  }
  st = stats(tag);
  CHECK(per_ok == 10 && st.requests == 10, "10 clients, one call each, all OK (%d)", per_ok);
  CHECK(st.connections == 1, "a client per call still reuses 1 pooled connection (got %d)",
        st.connections);
}
