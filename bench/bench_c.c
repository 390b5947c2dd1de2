/*
 * libisms against libcurl (one easy handle reused), in C, on the same local
 * HTTPS server and the same balance request, measured in one run.
 *
 *   bench_c wall          per-call wall, interleaved rounds, and calls/s at
 *                         1, 4 and 16 threads; RSS over 100,000 calls
 *   bench_c calls LIB N   N calls with LIB (isms or curl) after the client or
 *                         handle is made: for callgrind (bench/run.sh runs it
 *                         with N = 0, 1 and 101 and takes the differences)
 *   bench_c guard STORE   what the guard adds per send and per verify
 *
 * Reads ISMS_ENDPOINT, ISMS_CA_FILE, ISMS_USERNAME, ISMS_PASSWORD (as
 * scripts/with-sandbox.sh sets them). A benchmark prints numbers; it does
 * not pass or fail on them.
 */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "isms.h"

static const char *endpoint, *ca_file, *username, *password;
static char balance_url[2048];

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *env(const char *name) {
  const char *v = getenv(name);
  if (!v || !*v) {
    fprintf(stderr, "bench_c: %s is not set (run under scripts/with-sandbox.sh)\n", name);
    exit(2);
  }
  return v;
}

/* ---- libisms ---------------------------------------------------------------- */

static IsmsClient *isms_make(void) {
  IsmsClient *c = isms_client_new(username, password);
  if (!c || isms_client_set_endpoint(c, endpoint) != ISMS_OK || isms_client_set_ca_file(c, ca_file) != ISMS_OK ||
      isms_client_set_proxy(c, "") != ISMS_OK) {
    fprintf(stderr, "bench_c: cannot set up the client\n");
    exit(2);
  }
  return c;
}

static void isms_call(IsmsClient *c) {
  IsmsBalanceResult *r = isms_balance(c);
  if (r->status != ISMS_OK) {
    fprintf(stderr, "bench_c: isms_balance: %s\n", isms_status_name(r->status));
    exit(1);
  }
  isms_balance_result_free(r);
}

/* ---- libcurl ---------------------------------------------------------------- */

typedef struct {
  char body[4096];
  size_t len;
} Buf;

static size_t on_body(char *p, size_t size, size_t n, void *user) {
  Buf *b = user;
  size_t len = size * n;
  if (b->len + len < sizeof b->body) {
    memcpy(b->body + b->len, p, len);
    b->len += len;
  }
  return len;
}

static CURL *curl_make(Buf *buf) {
  CURL *h = curl_easy_init();
  curl_easy_setopt(h, CURLOPT_URL, balance_url);
  curl_easy_setopt(h, CURLOPT_CAINFO, ca_file);
  curl_easy_setopt(h, CURLOPT_PROXY, "");
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, buf);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 30000L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  return h;
}

static void curl_call(CURL *h, Buf *buf) {
  buf->len = 0;
  CURLcode rc = curl_easy_perform(h);
  long code = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
  if (rc != CURLE_OK || code != 200 || !memmem(buf->body, buf->len, "\"balance\"", 9)) {
    fprintf(stderr, "bench_c: curl: %s (HTTP %ld)\n", curl_easy_strerror(rc), code);
    exit(1);
  }
}

static void build_balance_url(void) {
  CURL *h = curl_easy_init();
  char *u = curl_easy_escape(h, username, 0), *p = curl_easy_escape(h, password, 0);
  snprintf(balance_url, sizeof balance_url, "%s?un=%s&pass=%s&method=balance", endpoint, u, p);
  curl_free(u);
  curl_free(p);
  curl_easy_cleanup(h);
}

/* ---- threads ---------------------------------------------------------------- */

typedef struct {
  int lib; /* 0 isms, 1 curl */
  IsmsClient *client;
  int calls;
} Job;

static void *run_job(void *arg) {
  Job *job = arg;
  if (job->lib == 0) {
    for (int i = 0; i < job->calls; i++) isms_call(job->client);
  } else {
    Buf buf;
    CURL *h = curl_make(&buf);
    for (int i = 0; i < job->calls; i++) curl_call(h, &buf);
    curl_easy_cleanup(h);
  }
  return NULL;
}

/* Calls per second with `threads` threads (isms: one shared client). */
static double rate(int lib, int threads, IsmsClient *shared, double seconds_goal) {
  int per_thread = (int)(2000 / threads) + 50;
  pthread_t t[64];
  Job jobs[64];
  double start = now_s();
  for (int i = 0; i < threads; i++) {
    jobs[i] = (Job){lib, shared, per_thread};
    pthread_create(&t[i], NULL, run_job, &jobs[i]);
  }
  for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
  (void)seconds_goal;
  return (double)(per_thread * threads) / (now_s() - start);
}

static long rss_kb(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  long pages = 0, resident = 0;
  if (f && fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
  if (f) fclose(f);
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void wall(void) {
  IsmsClient *c = isms_make();
  Buf buf;
  CURL *h = curl_make(&buf);
  isms_call(c);
  curl_call(h, &buf);
  enum { ROUNDS = 21, PER_ROUND = 300 };
  double isms_us[ROUNDS], curl_us[ROUNDS];
  for (int r = 0; r < ROUNDS; r++) {
    for (int k = 0; k < 2; k++) {
      int lib = (r + k) % 2; /* alternate which goes first */
      double start = now_s();
      for (int i = 0; i < PER_ROUND; i++) {
        if (lib == 0)
          isms_call(c);
        else
          curl_call(h, &buf);
      }
      double per = (now_s() - start) / PER_ROUND * 1e6;
      if (lib == 0)
        isms_us[r] = per;
      else
        curl_us[r] = per;
    }
  }
  qsort(isms_us, ROUNDS, sizeof(double), cmp_double);
  qsort(curl_us, ROUNDS, sizeof(double), cmp_double);
  double a = isms_us[ROUNDS / 2], b = curl_us[ROUNDS / 2];
  printf("C   per-call wall, one kept connection (median of %d interleaved rounds of %d):\n", ROUNDS, PER_ROUND);
  printf("      libisms %8.1f us   libcurl %8.1f us   ratio %.2f (goal <= 1.00)\n", a, b, a / b);
  int counts[] = {1, 4, 16};
  for (int i = 0; i < 3; i++) {
    double ri = rate(0, counts[i], c, 1.0), rc = rate(1, counts[i], NULL, 1.0);
    printf("C   calls/s, %2d thread%s:  libisms %8.0f   libcurl %8.0f   ratio %.2f%s\n", counts[i],
           counts[i] > 1 ? "s" : " ", ri, rc, ri / rc, counts[i] == 1 ? " (goal >= 1.00)" : "");
  }
  long before = 0;
  double start = now_s();
  for (int i = 1; i <= 100000; i++) {
    isms_call(c);
    if (i == 10000) before = rss_kb();
  }
  long after = rss_kb();
  printf("C   RSS over 100,000 calls: %ld KiB after 10,000, %ld KiB after 100,000 (%+ld KiB; %.1f s)\n", before, after,
         after - before, now_s() - start);
  curl_easy_cleanup(h);
  isms_client_free(c);
}

static void calls(const char *lib, int n) {
  if (strcmp(lib, "isms") == 0) {
    IsmsClient *c = isms_make();
    for (int i = 0; i < n; i++) isms_call(c);
    isms_client_free(c);
  } else {
    Buf buf;
    CURL *h = curl_make(&buf);
    for (int i = 0; i < n; i++) curl_call(h, &buf);
    curl_easy_cleanup(h);
  }
}

/* What the guard adds: sends (limits off, so every send passes) and verifies
 * of an unknown code (the sandbox answers Invalid Request), guard off vs on. */
static void guard(const char *store) {
  enum { N = 300 };
  const char *labels[] = {"off", store};
  double send_us[2], verify_us[2];
  for (int on = 0; on < 2; on++) {
    IsmsClient *c = isms_make();
    if (on) {
      if (isms_client_set_guard(c, store) != ISMS_OK) {
        fprintf(stderr, "bench_c: guard %s refused: %s\n", store, isms_last_error_message());
        exit(2);
      }
      isms_client_set_guard_limit(c, ISMS_LIMIT_RESEND_COOLDOWN_S, 0);
      isms_client_set_guard_limit(c, ISMS_LIMIT_SENDS_PER_WINDOW, 0);
      isms_client_set_guard_limit(c, ISMS_LIMIT_CODE_ATTEMPTS, 4000000000u);
      isms_client_set_guard_limit(c, ISMS_LIMIT_FAILURES_PER_HOUR, 0);
    }
    IsmsBalanceResult *warm = isms_balance(c);
    isms_balance_result_free(warm);
    double start = now_s();
    for (int i = 0; i < N; i++) {
      IsmsSendResult *s = isms_send_otp(c, "0123456789", "60", "Code %OTP%", ISMS_TYPE_AUTO, NULL);
      if (s->status != ISMS_OK) {
        fprintf(stderr, "bench_c: send with guard %s: %s %s\n", labels[on], isms_status_name(s->status),
                s->message ? s->message : "");
        exit(1);
      }
      isms_send_result_free(s);
    }
    send_us[on] = (now_s() - start) / N * 1e6;
    start = now_s();
    for (int i = 0; i < N; i++) {
      IsmsVerifyResult *v =
          isms_verify_otp(c, "0123456789", "60", "123456", "1171081025", "bench-unknown-uuid", 0, NULL);
      if (v->status != ISMS_ERR_REJECTED) {
        fprintf(stderr, "bench_c: verify with guard %s: %s\n", labels[on], isms_status_name(v->status));
        exit(1);
      }
      isms_verify_result_free(v);
    }
    verify_us[on] = (now_s() - start) / N * 1e6;
    isms_client_free(c);
  }
  printf("C   guard %-8s send %7.1f us (off %7.1f: +%6.1f us)   verify %7.1f us (off %7.1f: +%6.1f us)\n", store,
         send_us[1], send_us[0], send_us[1] - send_us[0], verify_us[1], verify_us[0], verify_us[1] - verify_us[0]);
}

int main(int argc, char **argv) {
  endpoint = env("ISMS_ENDPOINT");
  ca_file = env("ISMS_CA_FILE");
  username = env("ISMS_USERNAME");
  password = env("ISMS_PASSWORD");
  curl_global_init(CURL_GLOBAL_DEFAULT);
  build_balance_url();
  if (argc >= 2 && strcmp(argv[1], "wall") == 0) {
    wall();
  } else if (argc >= 4 && strcmp(argv[1], "calls") == 0) {
    calls(argv[2], atoi(argv[3]));
  } else if (argc >= 3 && strcmp(argv[1], "guard") == 0) {
    guard(argv[2]);
  } else {
    fprintf(stderr, "usage: bench_c wall | calls isms|curl N | guard STORE_URL\n");
    return 2;
  }
  curl_global_cleanup();
  return 0;
}
