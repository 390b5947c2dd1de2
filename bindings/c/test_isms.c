/*
 * C test suite of libisms, run against the local sandbox gateway
 * (scripts/with-sandbox.sh sets ISMS_SANDBOX_STATE & co.; `make c-test`,
 * `make valgrind`).
 *
 * Every check prints one line; the last line is "N passed, M failed" and the
 * exit status is non-zero on any failure. What the sandbox received is read
 * back through its admin endpoints (/_sandbox/stats, requests, outbox) on the
 * plain-HTTP port, with a tiny HTTP/1.1 client below, so that request counts,
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
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "isms.h"

/* ---- checks ------------------------------------------------------------ */

static int g_passed, g_failed;
static const char *g_area = "";
static bool g_valgrind;

static bool check_at(bool ok, const char *file, int line, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  printf("%s [%s] ", ok ? "ok  " : "FAIL", g_area);
  vprintf(fmt, ap);
  va_end(ap);
  if (!ok) printf("   (%s:%d)", file, line);
  printf("\n");
  fflush(stdout);
  if (ok) g_passed++;
  else g_failed++;
  return ok;
}

#define CHECK(cond, ...) check_at((cond), __FILE__, __LINE__, __VA_ARGS__)

static const char *str_or(const char *s) { return s ? s : "(null)"; }

/* A status check that shows what came back. */
#define CHECK_STATUS(got, want, message, what)                                       \
  CHECK((int)(got) == (int)(want), "%s -> %s (got %s: %s)", (what),                \
        isms_status_name((int32_t)(want)), isms_status_name((int32_t)(got)),        \
        str_or(message))

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* ---- the sandbox ------------------------------------------------------- */

static struct {
  int https, http, proxy, socks, drop;
  char ca_file[1024], other_ca_file[1024], username[256], password[256];
} SB;

/* Bad password with every character that needs encoding; must leak nowhere. */
static const char MARKER[] = "Pw-Marker&%=9 +x";

static char g_tmpdir[256];
static int g_run; /* suffix that makes tags unique to this run */

static char *read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  size_t n;
  while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
    len += n;
    if (cap - len < 2) {
      char *grown = realloc(buf, cap * 2);
      if (!grown) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = grown;
      cap *= 2;
    }
  }
  fclose(f);
  if (buf) buf[len] = '\0';
  return buf;
}

static bool write_file(const char *path, const char *data) {
  FILE *f = fopen(path, "wb");
  if (!f) return false;
  bool ok = fputs(data, f) >= 0;
  return fclose(f) == 0 && ok;
}

static bool copy_json_string(const cJSON *obj, const char *key, char *out, size_t size) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  if (!cJSON_IsString(v) || strlen(v->valuestring) >= size) return false;
  strcpy(out, v->valuestring);
  return true;
}

static int json_int(const cJSON *obj, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsNumber(v) ? (int)v->valuedouble : -1;
}

static bool load_sandbox(void) {
  const char *path = getenv("ISMS_SANDBOX_STATE");
  if (!path) {
    fprintf(stderr, "ISMS_SANDBOX_STATE is not set: run through scripts/with-sandbox.sh\n");
    return false;
  }
  char *text = read_file(path);
  cJSON *j = text ? cJSON_Parse(text) : NULL;
  free(text);
  bool ok = j != NULL;
  if (ok) {
    SB.https = json_int(j, "https_port");
    SB.http = json_int(j, "http_port");
    SB.proxy = json_int(j, "proxy_port");
    SB.socks = json_int(j, "socks_port");
    SB.drop = json_int(j, "drop_port");
    ok = SB.https > 0 && SB.http > 0 && SB.proxy > 0 && SB.socks > 0 && SB.drop > 0 &&
         copy_json_string(j, "ca_file", SB.ca_file, sizeof SB.ca_file) &&
         copy_json_string(j, "other_ca_file", SB.other_ca_file, sizeof SB.other_ca_file) &&
         copy_json_string(j, "username", SB.username, sizeof SB.username) &&
         copy_json_string(j, "password", SB.password, sizeof SB.password);
  }
  cJSON_Delete(j);
  if (!ok) fprintf(stderr, "cannot read the sandbox state %s\n", path);
  return ok;
}

/* A tiny HTTP/1.1 GET to the sandbox's plain-HTTP port; the body, or NULL. */
static char *http_get(int port, const char *target, int *status) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return NULL;
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  struct timeval tv = {.tv_sec = 30};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    close(fd);
    return NULL;
  }
  char req[2048];
  int n = snprintf(req, sizeof req,
                   "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n", target,
                   port);
  if (n < 0 || (size_t)n >= sizeof req || send(fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
    close(fd);
    return NULL;
  }
  size_t cap = 8192, len = 0;
  char *buf = malloc(cap);
  while (buf) {
    if (cap - len < 4096) {
      char *grown = realloc(buf, cap * 2);
      if (!grown) break;
      buf = grown;
      cap *= 2;
    }
    ssize_t got = recv(fd, buf + len, cap - len - 1, 0);
    if (got <= 0) break;
    len += (size_t)got;
  }
  close(fd);
  if (!buf) return NULL;
  buf[len] = '\0';
  char *body = strstr(buf, "\r\n\r\n");
  if (strncmp(buf, "HTTP/1.", 7) != 0 || !body) {
    free(buf);
    return NULL;
  }
  if (status) *status = atoi(buf + 9);
  char *out = strdup(body + 4);
  free(buf);
  return out;
}

/* GET /_sandbox/<...> and parse the JSON reply; NULL on any failure. */
static cJSON *admin(const char *fmt, ...) {
  char target[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(target, sizeof target, fmt, ap);
  va_end(ap);
  int status = 0;
  char *body = http_get(SB.http, target, &status);
  cJSON *j = (body && status == 200) ? cJSON_Parse(body) : NULL;
  free(body);
  return j;
}

typedef struct {
  int requests, connections; /* -1 when the sandbox could not be asked */
  long https, http, proxy, socks, drop;
  int n_ids;
  long ids[256];
} Stats;

static Stats stats(const char *tag) {
  Stats s = {.requests = -1, .connections = -1};
  /* NULL: the untagged requests; "*": all of them */
  cJSON *j = tag ? admin("/_sandbox/stats?tag=%s", tag) : admin("/_sandbox/stats");
  if (!j) return s;
  s.requests = json_int(j, "requests");
  s.connections = json_int(j, "connections");
  const cJSON *l = cJSON_GetObjectItemCaseSensitive(j, "listeners");
  s.https = json_int(l, "https");
  s.http = json_int(l, "http");
  s.proxy = json_int(l, "proxy");
  s.socks = json_int(l, "socks");
  s.drop = json_int(l, "drop");
  const cJSON *id;
  cJSON_ArrayForEach(id, cJSON_GetObjectItemCaseSensitive(j, "conn_ids")) {
    if (s.n_ids < 256 && cJSON_IsNumber(id)) s.ids[s.n_ids++] = (long)id->valuedouble;
  }
  cJSON_Delete(j);
  return s;
}

static int requests_for(const char *tag) { return stats(tag).requests; }

/* The raw query string of the tag's request number `index` (malloc'd), or NULL. */
static char *wire_query(const char *tag, int index) {
  cJSON *j = admin("/_sandbox/requests?tag=%s", tag);
  char *out = NULL;
  const cJSON *item = cJSON_GetArrayItem(j, index);
  const cJSON *q = cJSON_GetObjectItemCaseSensitive(item, "query");
  if (cJSON_IsString(q)) out = strdup(q->valuestring);
  cJSON_Delete(j);
  return out;
}

/* The tag's outbox (array of SMS), or NULL. */
static cJSON *outbox(const char *tag) {
  cJSON *j = admin("/_sandbox/outbox?tag=%s", tag);
  if (j && !cJSON_IsArray(j)) {
    cJSON_Delete(j);
    j = NULL;
  }
  return j;
}

static const char *sms_field(const cJSON *sms, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(sms, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* ---- query strings and secrets ----------------------------------------- */

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Decodes a query component the way the gateway (PHP) does: %XX, and + as space. */
static void url_decode(const char *in, size_t len, char *out, size_t size) {
  size_t o = 0;
  for (size_t i = 0; i < len && o + 1 < size; i++) {
    if (in[i] == '+') {
      out[o++] = ' ';
    } else if (in[i] == '%' && i + 2 < len && hexval(in[i + 1]) >= 0 && hexval(in[i + 2]) >= 0) {
      out[o++] = (char)(hexval(in[i + 1]) * 16 + hexval(in[i + 2]));
      i += 2;
    } else {
      out[o++] = in[i];
    }
  }
  out[o] = '\0';
}

/* Calls `fn` for each key=value parameter of a raw query; stops when it returns true. */
typedef bool (*ParamFn)(const char *key, size_t klen, const char *value, size_t vlen, void *ctx);

static bool each_param(const char *query, ParamFn fn, void *ctx) {
  for (const char *p = query; p && *p;) {
    const char *end = strchr(p, '&');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    const char *eq = memchr(p, '=', len);
    size_t klen = eq ? (size_t)(eq - p) : len;
    if (fn(p, klen, eq ? eq + 1 : p + len, eq ? len - klen - 1 : 0, ctx)) return true;
    p = end ? end + 1 : NULL;
  }
  return false;
}

struct ParamQuery {
  const char *key;
  int count;
  char *out;
  size_t size;
};

static bool count_param(const char *key, size_t klen, const char *value, size_t vlen, void *ctx) {
  struct ParamQuery *q = ctx;
  (void)value;
  (void)vlen;
  if (klen == strlen(q->key) && strncmp(key, q->key, klen) == 0) q->count++;
  return false;
}

static bool find_param(const char *key, size_t klen, const char *value, size_t vlen, void *ctx) {
  struct ParamQuery *q = ctx;
  if (klen != strlen(q->key) || strncmp(key, q->key, klen) != 0) return false;
  url_decode(value, vlen, q->out, q->size);
  return true;
}

/* How many parameters named `key` the raw query has. */
static int qcount(const char *query, const char *key) {
  struct ParamQuery q = {.key = key};
  each_param(query, count_param, &q);
  return q.count;
}

/* Whether the raw query has key=<value> once decoded (exactly one such key). */
static bool qhas(const char *query, const char *key, const char *value) {
  static char got[16384];
  struct ParamQuery q = {.key = key, .out = got, .size = sizeof got};
  return query && qcount(query, key) == 1 && each_param(query, find_param, &q) &&
         strcmp(got, value) == 0;
}

/* Percent-encodes every byte but A-Z a-z 0-9 - . _ ~ (space as + when `plus`). */
static void pct_encode(const char *in, char *out, size_t size, bool lower, bool plus) {
  const char *hex = lower ? "0123456789abcdef" : "0123456789ABCDEF";
  size_t o = 0;
  for (const unsigned char *p = (const unsigned char *)in; *p && o + 4 < size; p++) {
    if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
        (*p && strchr("-._~", *p))) {
      out[o++] = (char)*p;
    } else if (*p == ' ' && plus) {
      out[o++] = '+';
    } else {
      out[o++] = '%';
      out[o++] = hex[*p >> 4];
      out[o++] = hex[*p & 15];
    }
  }
  out[o] = '\0';
}

/* The forms of a password a reply body may carry (tests/cases/README.md), by placeholder;
 * password_form() writes form `i` of `secret` into `out`. */
static const char *const PASSWORD_FORMS[] = {
    "%PASSWORD%",      "%PASSWORD_PCT%",       "%PASSWORD_PCT_LOWER%", "%PASSWORD_FORM%",
    "%PASSWORD_HTML%", "%PASSWORD_JSON_HEX%", "%PASSWORD_HEAD%",
};
enum { PASSWORD_FORM_COUNT = sizeof PASSWORD_FORMS / sizeof PASSWORD_FORMS[0] };

static void password_form(int i, const char *secret, char *out, size_t size) {
  size_t o = 0, len = strlen(secret);
  out[0] = '\0';
  switch (i) {
  case 1: pct_encode(secret, out, size, false, false); return;
  case 2: pct_encode(secret, out, size, true, false); return;
  case 3: pct_encode(secret, out, size, false, true); return;
  case 6: snprintf(out, size, "%.*s", (int)((len + 1) / 2), secret); return; /* ASCII */
  case 0: snprintf(out, size, "%s", secret); return;
  default: break;
  }
  for (const unsigned char *p = (const unsigned char *)secret; *p && o + 8 < size; p++) {
    const char *html = *p == '&' ? "&amp;" : *p == '<' ? "&lt;" : *p == '>' ? "&gt;"
                     : *p == '"' ? "&quot;" : *p == '\'' ? "&#39;" : NULL;
    bool alnum = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9');
    if (i == 4 && html) o += (size_t)snprintf(out + o, size - o, "%s", html);
    else if (i == 5 && !alnum) o += (size_t)snprintf(out + o, size - o, "\\u%04X", *p);
    else out[o++] = (char)*p;
    out[o] = '\0';
  }
}

/* `secret` in none of its forms (plain, %XX upper/lower, + for space, HTML- and
 * JSON-escaped, its first half) in `text`. */
static bool secret_absent(const char *text, const char *secret) {
  if (!text) return true;
  char enc[1024];
  for (int form = 0; form < PASSWORD_FORM_COUNT; form++) {
    password_form(form, secret, enc, sizeof enc);
    if (strstr(text, enc)) return false;
  }
  pct_encode(secret, enc, sizeof enc, true, true);
  return strstr(text, enc) == NULL;
}

/* Neither the marker password nor the sandbox's real one is in `message`. */
static bool leak_free(const char *message) {
  return secret_absent(message, MARKER) && secret_absent(message, SB.password);
}

static bool ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Whether `word` (its first `len` bytes) is one of `list` ("a|b|c"). */
static bool in_list(const char *list, const char *word, size_t len) {
  for (const char *n = list; n && *n;) {
    const char *bar = strchr(n, '|');
    size_t nlen = bar ? (size_t)(bar - n) : strlen(n);
    if (nlen == len && strncmp(n, word, len) == 0) return true;
    n = bar ? bar + 1 : NULL;
  }
  return false;
}

/* The message names one of `names` ("a|b"), and does not open with another argument's name. */
static bool names_arg(const char *message, const char *names) {
  static const char *const all[] = {
      "client",   "mobile",   "country_code", "message",  "type",    "sender_id",
      "code",     "sms_id",   "uuid",         "interval", "username", "password",
      "endpoint", "timeout",  "ca_file",      "proxy",    "interval_minutes"};
  if (!message) return false;
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
    size_t len = strlen(all[i]);
    bool expected = in_list(names, all[i], len);
    if (!expected && strncmp(message, all[i], len) == 0 && !ident_char(message[len])) return false;
  }
  for (const char *n = names; n && *n;) {
    const char *bar = strchr(n, '|');
    size_t nlen = bar ? (size_t)(bar - n) : strlen(n);
    for (const char *m = message; *m; m++) {
      if (strncmp(m, n, nlen) == 0 && (m == message || !ident_char(m[-1]))) return true;
    }
    n = bar ? bar + 1 : NULL;
  }
  return false;
}

/* ---- clients and endpoints --------------------------------------------- */

static void make_tag(char *out, size_t size, const char *name) {
  snprintf(out, size, "%s-%d", name, g_run);
}

/* https://127.0.0.1:<port>/t/<tag>[/fault/<mode>]/2FA/request.php */
static void endpoint(char *out, size_t size, const char *scheme, int port, const char *tag,
                     const char *fault) {
  snprintf(out, size, "%s://127.0.0.1:%d%s%s%s%s/2FA/request.php", scheme, port,
           tag ? "/t/" : "", tag ? tag : "", fault ? "/fault/" : "", fault ? fault : "");
}

static IsmsStatus set_tag(IsmsClient *c, const char *tag, const char *fault) {
  /* a fault may be long: body-<hex of a whole reply> */
  size_t size = 128 + (tag ? strlen(tag) : 0) + (fault ? strlen(fault) : 0);
  char *url = malloc(size);
  if (!url) return ISMS_ERR_INTERNAL;
  endpoint(url, size, "https", SB.https, tag, fault);
  IsmsStatus st = isms_client_set_endpoint(c, url);
  free(url);
  return st;
}

/* A client on the https endpoint for `tag` (and `fault`), trusting `ca` (NULL: none added). */
static IsmsClient *client_for(const char *password, const char *tag, const char *fault,
                              const char *ca) {
  IsmsClient *c = isms_client_new(SB.username, password);
  if (!c) return NULL;
  if (set_tag(c, tag, fault) != ISMS_OK || (ca && isms_client_set_ca_file(c, ca) != ISMS_OK)) {
    fprintf(stderr, "client setup failed: %s\n", str_or(isms_last_error_message()));
    isms_client_free(c);
    return NULL;
  }
  return c;
}

/* A CA bundle trusted like the sandbox's CA, made unique by `k` copies of the other CA:
 * a client using it gets a connection pool of its own. */
static char *pool_ca(int k) {
  static char paths[16][512];
  char *path = paths[k % 16];
  snprintf(path, sizeof paths[0], "%s/pool-%d.pem", g_tmpdir, k);
  char *ca = read_file(SB.ca_file), *other = read_file(SB.other_ca_file);
  size_t size = (ca ? strlen(ca) : 0) + (size_t)(k + 1) * (other ? strlen(other) + 1 : 0) + 2;
  char *bundle = malloc(size);
  bool ok = ca && other && bundle;
  if (ok) {
    snprintf(bundle, size, "%s\n", ca);
    for (int i = 0; i < k; i++) strcat(bundle, other);
    ok = write_file(path, bundle);
  }
  free(ca);
  free(other);
  free(bundle);
  return ok ? path : SB.ca_file;
}

/* A port with nothing listening: bound, read, closed. */
static int closed_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 1;
  if (fd >= 0 && bind(fd, (struct sockaddr *)&addr, sizeof addr) == 0 &&
      getsockname(fd, (struct sockaddr *)&addr, &len) == 0)
    port = ntohs(addr.sin_port);
  if (fd >= 0) close(fd);
  return port;
}

static bool is_digits(const char *s, size_t min, size_t max) {
  if (!s) return false;
  size_t n = strlen(s);
  if (n < min || n > max) return false;
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

static bool iso_date(const char *s) {
  return s && strlen(s) == 10 && is_digits((char[]){s[0], s[1], s[2], s[3], 0}, 4, 4) &&
         s[4] == '-' && s[7] == '-' && s[5] >= '0' && s[5] <= '1' && s[6] >= '0' &&
         s[6] <= '9' && s[8] >= '0' && s[8] <= '3' && s[9] >= '0' && s[9] <= '9';
}

static const char *const PROXY_VARS[] = {"http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy",
                                         "ALL_PROXY",  "no_proxy",    "NO_PROXY",    "HTTP_PROXY"};

static void clear_proxy_env(void) {
  for (size_t i = 0; i < sizeof PROXY_VARS / sizeof PROXY_VARS[0]; i++) unsetenv(PROXY_VARS[i]);
}

/* ---- 1. the OTP flow --------------------------------------------------- */

static void test_flow(void) {
  g_area = "flow";
  char tag[64];
  make_tag(tag, sizeof tag, "flow");
  IsmsClient *c = client_for(SB.password, tag, NULL, SB.ca_file);
  if (!CHECK(c != NULL, "client for the sandbox account")) return;

  IsmsBalanceResult *b0 = isms_balance(c);
  CHECK_STATUS(b0->status, ISMS_OK, b0->message, "balance before");
  double before = b0->balance;
  isms_balance_result_free(b0);

  const char *text = "Your code is %OTP%, valid 5 minutes";
  IsmsSendResult *s = isms_send_otp(c, "012-345 6789", "60", text, ISMS_TYPE_AUTO, NULL);
  CHECK_STATUS(s->status, ISMS_OK, s->message, "send");
  CHECK(s->http_status == 200, "send: http_status 200 (got %d)", s->http_status);
  CHECK(s->message == NULL, "send: message NULL on success");
  CHECK(s->uuid && *s->uuid, "send: uuid set (%s)", str_or(s->uuid));
  CHECK(is_digits(s->sms_id, 1, 20), "send: sms_id set (%s)", str_or(s->sms_id));
  CHECK(s->mobile && strncmp(s->mobile, "+60", 3) == 0, "send: mobile in international format (%s)",
        str_or(s->mobile));
  CHECK(is_digits(s->code, 6, 6), "send: 6-digit code returned");

  cJSON *box = outbox(tag);
  const cJSON *sms = cJSON_GetArrayItem(box, 0);
  CHECK(cJSON_GetArraySize(box) == 1, "one SMS in the outbox (got %d)", cJSON_GetArraySize(box));
  char expected[256] = "";
  if (s->code) snprintf(expected, sizeof expected, "Your code is %s, valid 5 minutes", s->code);
  CHECK(s->code && str_or(sms_field(sms, "code")) && strcmp(str_or(sms_field(sms, "code")), s->code) == 0,
        "the SMS carries the code the send returned");
  CHECK(strcmp(str_or(sms_field(sms, "message")), expected) == 0,
        "the SMS text is the template with the code in place of %%OTP%%");
  CHECK(strcmp(str_or(sms_field(sms, "mobile")), "123456789") == 0 &&
            strcmp(str_or(sms_field(sms, "country_code")), "60") == 0,
        "the SMS went to 60 / 123456789");
  CHECK(s->uuid && strcmp(str_or(sms_field(sms, "uuid")), s->uuid) == 0 && s->sms_id &&
            strcmp(str_or(sms_field(sms, "sms_id")), s->sms_id) == 0,
        "uuid and sms_id match the outbox");
  cJSON_Delete(box);

  char *q = wire_query(tag, 1);
  CHECK(q && strstr(q, "message=") && strstr(q, "%25OTP%25"), "wire: %%OTP%% sent as %%25OTP%%25");
  CHECK(qhas(q, "type", "1"), "wire: type=1 for an ASCII message under AUTO");
  CHECK(qhas(q, "mobile", "123456789") && qhas(q, "country_code", "60"),
        "wire: normalized mobile=123456789&country_code=60");
  CHECK(qhas(q, "message", text), "wire: message decodes to the template");
  CHECK(qhas(q, "un", SB.username) && qhas(q, "pass", SB.password),
        "wire: un and pass (percent-decoded) are the credentials, once each");
  CHECK(qcount(q, "method") == 0 && qcount(q, "sendid") == 0,
        "wire: no method, no sendid for a send without sender id");
  free(q);

  const char *wrong = (s->code && strcmp(s->code, "000000") == 0) ? "111111" : "000000";
  IsmsVerifyResult *v = isms_verify_otp(c, "012-345 6789", "60", wrong, str_or(s->sms_id),
                                        str_or(s->uuid), 5, NULL);
  CHECK_STATUS(v->status, ISMS_ERR_OTP_INCORRECT, v->message, "verify a wrong code");
  CHECK(v->http_status == 200, "verify wrong: http_status 200 (got %d)", v->http_status);
  CHECK(v->message && strstr(v->message, "Incorrect OTP Code"),
        "verify wrong: the gateway's message is kept verbatim (%s)", str_or(v->message));
  isms_verify_result_free(v);

  v = isms_verify_otp(c, "+60 12-345 6789", "+60", str_or(s->code), str_or(s->sms_id),
                      str_or(s->uuid), 5, NULL);
  CHECK_STATUS(v->status, ISMS_OK, v->message, "verify the right code");
  CHECK(v->http_status == 200 && v->message == NULL, "verify right: http 200, message NULL");
  CHECK(v->uuid && s->uuid && strcmp(v->uuid, s->uuid) == 0 && v->sms_id && s->sms_id &&
            strcmp(v->sms_id, s->sms_id) == 0,
        "verify right: uuid and sms_id as returned by the gateway");
  isms_verify_result_free(v);
  q = wire_query(tag, 3);
  CHECK(qhas(q, "method", "verify") && qhas(q, "code", str_or(s->code)) &&
            qhas(q, "interval", "5") && qhas(q, "sms_id", str_or(s->sms_id)) &&
            qhas(q, "uuid", str_or(s->uuid)) && qhas(q, "mobile", "123456789") &&
            qhas(q, "country_code", "60"),
        "wire: verify sends method, code, interval, sms_id, uuid and the normalized number");
  free(q);
  isms_send_result_free(s);

  IsmsBalanceResult *b = isms_balance(c);
  CHECK_STATUS(b->status, ISMS_OK, b->message, "balance after");
  CHECK(b->http_status == 200 && b->message == NULL, "balance: http 200, message NULL");
  CHECK(b->balance < before, "balance decreased after a send (%.1f -> %.1f)", before, b->balance);
  CHECK(b->balance_text && strtod(b->balance_text, NULL) == b->balance,
        "balance_text \"%s\" is the balance", str_or(b->balance_text));
  CHECK(b->expiration && *b->expiration, "expiration set (%s)", str_or(b->expiration));
  CHECK(iso_date(b->expiration_iso), "expiration_iso is YYYY-MM-DD (%s)", str_or(b->expiration_iso));
  isms_balance_result_free(b);
  q = wire_query(tag, 4);
  CHECK(qhas(q, "method", "balance") && qhas(q, "un", SB.username) && qcount(q, "pass") == 1,
        "wire: balance sends un, pass, method=balance");
  free(q);
  CHECK(requests_for(tag) == 5, "the sandbox saw exactly 5 requests (got %d)", requests_for(tag));

  /* Unicode message: type=2 on the wire, text intact. */
  make_tag(tag, sizeof tag, "flow-unicode");
  set_tag(c, tag, NULL);
  const char *uni = "验证码 %OTP% — kód";
  s = isms_send_otp(c, "0123456789", "60", uni, ISMS_TYPE_AUTO, NULL);
  CHECK_STATUS(s->status, ISMS_OK, s->message, "send a Unicode message");
  q = wire_query(tag, 0);
  CHECK(qhas(q, "type", "2"), "wire: type=2 for a Unicode message under AUTO");
  CHECK(qhas(q, "message", uni), "wire: the Unicode message is percent-encoded UTF-8");
  free(q);
  box = outbox(tag);
  snprintf(expected, sizeof expected, "验证码 %s — kód", str_or(s->code));
  CHECK(strcmp(str_or(sms_field(cJSON_GetArrayItem(box, 0), "message")), expected) == 0,
        "the Unicode SMS arrives intact");
  cJSON_Delete(box);
  isms_send_result_free(s);

  /* No parameter can be injected through the message or the password. */
  make_tag(tag, sizeof tag, "flow-inject");
  set_tag(c, tag, NULL);
  const char *evil = "Code %OTP% a&un=x&pass=y&type=2&method=balance b=c+d 100%";
  s = isms_send_otp(c, "0123456789", "60", evil, ISMS_TYPE_AUTO, "MyApp");
  CHECK_STATUS(s->status, ISMS_OK, s->message, "send a message full of & = + %%");
  q = wire_query(tag, 0);
  CHECK(q && qcount(q, "un") == 1 && qcount(q, "pass") == 1 && qcount(q, "type") == 1 &&
            qcount(q, "method") == 0,
        "wire: '&un=x' in the message injects no parameter");
  CHECK(qhas(q, "message", evil) && qhas(q, "type", "1") && qhas(q, "sendid", "MyApp"),
        "wire: the message decodes back to itself, sendid=MyApp");
  free(q);
  box = outbox(tag);
  snprintf(expected, sizeof expected,
           "Code %s a&un=x&pass=y&type=2&method=balance b=c+d 100%%", str_or(s->code));
  CHECK(strcmp(str_or(sms_field(cJSON_GetArrayItem(box, 0), "message")), expected) == 0,
        "the SMS arrives as one message, + and %% intact");
  CHECK(strcmp(str_or(sms_field(cJSON_GetArrayItem(box, 0), "sendid")), "MyApp") == 0,
        "the SMS has sender id MyApp");
  cJSON_Delete(box);
  isms_send_result_free(s);
  isms_client_free(c);
}

/* ---- 2. expiry ---------------------------------------------------------- */

static void test_expiry(void) {
  g_area = "expiry";
  char tag[64];
  make_tag(tag, sizeof tag, "expiry");
  IsmsClient *c = client_for(SB.password, tag, NULL, SB.ca_file);
  if (!CHECK(c != NULL, "client")) return;
  IsmsSendResult *s = isms_send_otp(c, "0123456789", "60", "Code %OTP%", ISMS_TYPE_ASCII, NULL);
  CHECK_STATUS(s->status, ISMS_OK, s->message, "send");
  cJSON *ok = admin("/_sandbox/advance?seconds=400");
  CHECK(ok != NULL, "sandbox clock moved 400 s on");
  cJSON_Delete(ok);
  IsmsVerifyResult *v = isms_verify_otp(c, "0123456789", "60", str_or(s->code), str_or(s->sms_id),
                                        str_or(s->uuid), 5, NULL);
  CHECK_STATUS(v->status, ISMS_ERR_OTP_EXPIRED, v->message, "verify 400 s later, interval 5");
  CHECK(v->http_status == 200 && v->message && strstr(v->message, "OTP Code Expired"),
        "expired: http 200, gateway message kept (%s)", str_or(v->message));
  isms_verify_result_free(v);
  /* interval 0 = not sent: the gateway applies no expiry, and the code is right. */
  v = isms_verify_otp(c, "0123456789", "60", str_or(s->code), str_or(s->sms_id), str_or(s->uuid), 0,
                      NULL);
  CHECK_STATUS(v->status, ISMS_OK, v->message, "verify with interval 0 (not sent)");
  isms_verify_result_free(v);
  char *q = wire_query(tag, 2);
  CHECK(q && qcount(q, "interval") == 0, "wire: interval 0 is not sent");
  free(q);
  isms_send_result_free(s);
  CHECK(requests_for(tag) == 3, "3 requests (got %d)", requests_for(tag));
  isms_client_free(c);
}

/* ---- 3. wrong password ---------------------------------------------------- */

static void test_wrong_password(void) {
  g_area = "auth";
  char tag[64];
  make_tag(tag, sizeof tag, "auth");
  IsmsClient *c = client_for(MARKER, tag, NULL, SB.ca_file);
  if (!CHECK(c != NULL, "client with a wrong password")) return;
  IsmsSendResult *s = isms_send_otp(c, "0123456789", "60", "Code %OTP%", ISMS_TYPE_AUTO, NULL);
  CHECK_STATUS(s->status, ISMS_ERR_AUTH, s->message, "send");
  CHECK(s->http_status == 200, "send: http_status 200 (got %d)", s->http_status);
  CHECK(s->message && strstr(s->message, "Authentication Failed"),
        "send: gateway message kept (%s)", str_or(s->message));
  CHECK(s->code == NULL, "send: no code on failure");
  CHECK(s->uuid != NULL && s->sms_id != NULL, "send: uuid and sms_id of the Failed reply kept");
  CHECK(leak_free(s->message), "send: password absent from the message");
  isms_send_result_free(s);

  IsmsVerifyResult *v =
      isms_verify_otp(c, "0123456789", "60", "123456", "1171081025", "some-uuid", 5, NULL);
  CHECK_STATUS(v->status, ISMS_ERR_AUTH, v->message, "verify");
  CHECK(leak_free(v->message), "verify: password absent from the message");
  isms_verify_result_free(v);

  IsmsBalanceResult *b = isms_balance(c);
  CHECK_STATUS(b->status, ISMS_ERR_AUTH, b->message, "balance (-1001)");
  CHECK(b->balance == 0.0 && b->http_status == 200, "balance: 0 unless OK, http 200");
  CHECK(leak_free(b->message), "balance: password absent from the message");
  isms_balance_result_free(b);

  char *q = wire_query(tag, 0);
  CHECK(qhas(q, "pass", MARKER) && qcount(q, "pass") == 1 && qcount(q, "un") == 1,
        "wire: a password with & %% = space + travels as one encoded parameter");
  CHECK(q && !strstr(q, MARKER), "wire: the password is not sent raw");
  free(q);
  CHECK(requests_for(tag) == 3, "3 requests (got %d)", requests_for(tag));
  isms_client_free(c);
}

/* ---- 4. calls, outcomes and the shared case files --------------------------- */

enum Call { SEND, VERIFY, BALANCE };
static const char *const CALL_NAMES[] = {"send", "verify", "balance"};

/* The arguments of a send or a verify; any string may be NULL. */
typedef struct {
  const char *mobile, *country_code, *message, *code, *sms_id, *uuid, *sender_id;
  int32_t type;
  uint32_t interval;
  char *owned[6]; /* the strings read_args allocated (free_args) */
} CallArgs;

/* What most tests call with: a valid send, and a verify of made-up ids. */
static const CallArgs FIXED_ARGS = {.mobile = "0123456789",
                                    .country_code = "60",
                                    .message = "Code %OTP%",
                                    .code = "123456",
                                    .sms_id = "1171081025",
                                    .uuid = "bd9a1ff0-4f2c-11eb",
                                    .type = ISMS_TYPE_AUTO,
                                    .interval = 5};

/* A string of a result, copied before the result is freed; `set` is false for NULL. */
typedef struct {
  bool set;
  char text[256];
} Text;

/* What a call gave back. */
typedef struct {
  IsmsStatus status;
  int32_t http_status;
  char message[1024];
  bool has_message;
  bool truncated;                  /* a string did not fit its copy: checks on it fail */
  Text uuid, sms_id, mobile, code; /* send; verify (no code) */
  double balance;                  /* balance */
  Text balance_text, expiration, expiration_iso;
} Outcome;

/* Copies `from` (NULL: "") into `to`; whether it was set. */
static bool keep(Outcome *o, char *to, size_t size, const char *from) {
  to[0] = '\0';
  if (!from) return false;
  if ((size_t)snprintf(to, size, "%s", from) >= size) o->truncated = true;
  return true;
}

static void keep_text(Outcome *o, Text *to, const char *from) {
  to->set = keep(o, to->text, sizeof to->text, from);
}

static void keep_head(Outcome *o, IsmsStatus status, int32_t http_status, const char *message) {
  o->status = status;
  o->http_status = http_status;
  o->has_message = keep(o, o->message, sizeof o->message, message);
}

/* Makes one call on `c` with `a` (unused by balance) and copies what came back: status,
 * HTTP status, message and the result's fields. The result is freed here. */
static Outcome call_with(IsmsClient *c, enum Call what, const CallArgs *a) {
  Outcome o = {0};
  if (what == SEND) {
    IsmsSendResult *r =
        isms_send_otp(c, a->mobile, a->country_code, a->message, a->type, a->sender_id);
    keep_head(&o, r->status, r->http_status, r->message);
    keep_text(&o, &o.uuid, r->uuid);
    keep_text(&o, &o.sms_id, r->sms_id);
    keep_text(&o, &o.mobile, r->mobile);
    keep_text(&o, &o.code, r->code);
    isms_send_result_free(r);
  } else if (what == VERIFY) {
    IsmsVerifyResult *r = isms_verify_otp(c, a->mobile, a->country_code, a->code, a->sms_id,
                                          a->uuid, a->interval, a->sender_id);
    keep_head(&o, r->status, r->http_status, r->message);
    keep_text(&o, &o.uuid, r->uuid);
    keep_text(&o, &o.sms_id, r->sms_id);
    keep_text(&o, &o.mobile, r->mobile);
    isms_verify_result_free(r);
  } else {
    IsmsBalanceResult *r = isms_balance(c);
    keep_head(&o, r->status, r->http_status, r->message);
    o.balance = r->balance;
    keep_text(&o, &o.balance_text, r->balance_text);
    keep_text(&o, &o.expiration, r->expiration);
    keep_text(&o, &o.expiration_iso, r->expiration_iso);
    isms_balance_result_free(r);
  }
  return o;
}

/* One call with the fixed arguments. */
static Outcome call(IsmsClient *c, enum Call what) { return call_with(c, what, &FIXED_ARGS); }

/* The case files, tests/cases/<name>.json (format: tests/cases/README.md), found in
 * $ISMS_CASES_DIR, else in tests/cases under the current directory. Anything missing or
 * malformed is a failed check, never a skipped case. */

static const cJSON *field(const cJSON *obj, const char *key) {
  return cJSON_GetObjectItemCaseSensitive(obj, key);
}

/* Whether every key of the object `obj` is one of `allowed` ("a|b"); the first other in *bad. */
static bool keys_in(const cJSON *obj, const char *allowed, const char **bad) {
  const cJSON *item;
  cJSON_ArrayForEach(item, obj) {
    if (!item->string || !in_list(allowed, item->string, strlen(item->string))) {
      *bad = item->string ? item->string : "(no key)";
      return false;
    }
  }
  return true;
}

/* <cases dir>/<file>, parsed, or NULL after a failed check: the file must be an object whose
 * "cases" is a non-empty array of objects with unique names, no key but `case_keys`, and an
 * "expect" object with no key but `expect_keys`. */
static cJSON *load_cases(const char *file, const char *case_keys, const char *expect_keys) {
  const char *dir = getenv("ISMS_CASES_DIR");
  char path[1024], why[512] = "";
  snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "tests/cases", file);
  char *text = read_file(path);
  int read_errno = errno;
  cJSON *root = text ? cJSON_Parse(text) : NULL;
  const cJSON *cases = field(root, "cases"), *kase;
  const char *bad = NULL;
  if (!text) {
    snprintf(why, sizeof why, "cannot read it (%s)", strerror(read_errno));
  } else if (!root) {
    const char *at = cJSON_GetErrorPtr();
    snprintf(why, sizeof why, "not JSON (error at byte %ld)", at ? (long)(at - text) : -1L);
  } else if (!cJSON_IsObject(root)) {
    snprintf(why, sizeof why, "not a JSON object");
  } else if (!keys_in(root, "about|defaults|call_args|cases", &bad)) {
    snprintf(why, sizeof why, "unknown key \"%s\"", bad);
  } else if (!cJSON_IsArray(cases) || cJSON_GetArraySize(cases) == 0) {
    snprintf(why, sizeof why, "no \"cases\" array");
  }
  int n = 0;
  cJSON_ArrayForEach(kase, (why[0] ? NULL : cases)) {
    const cJSON *name = field(kase, "name"), *expect = field(kase, "expect");
    n++;
    if (!cJSON_IsObject(kase) || !cJSON_IsString(name) || !name->valuestring[0]) {
      snprintf(why, sizeof why, "case %d has no name", n);
    } else if (!keys_in(kase, case_keys, &bad)) {
      snprintf(why, sizeof why, "\"%s\": unknown key \"%s\"", name->valuestring, bad);
    } else if (!cJSON_IsObject(expect)) {
      snprintf(why, sizeof why, "\"%s\": no \"expect\" object", name->valuestring);
    } else if (!keys_in(expect, expect_keys, &bad)) {
      snprintf(why, sizeof why, "\"%s\": unknown key \"expect.%s\"", name->valuestring, bad);
    }
    for (const cJSON *earlier = cases->child; !why[0] && earlier != kase; earlier = earlier->next) {
      if (strcmp(field(earlier, "name")->valuestring, name->valuestring) == 0)
        snprintf(why, sizeof why, "\"%s\" is the name of two cases", name->valuestring);
    }
    if (why[0]) break;
  }
  free(text);
  if (!CHECK(!why[0], "%s: %d cases%s%s", path, why[0] ? 0 : n, why[0] ? ": " : "", why)) {
    cJSON_Delete(root);
    return NULL;
  }
  return root;
}

/* The number of cases of a file loaded by load_cases (0 for NULL). */
static int case_count(const cJSON *root) { return cJSON_GetArraySize(field(root, "cases")); }

/* An input value as a C string, malloc'd in *out: a JSON string, {"hex": ".."} (raw bytes,
 * maybe not UTF-8), or null (*out = NULL). False when it is none of these. */
static bool json_bytes(const cJSON *v, char **out) {
  *out = NULL;
  if (cJSON_IsNull(v)) return true;
  if (cJSON_IsString(v)) return (*out = strdup(v->valuestring)) != NULL;
  const cJSON *hex = field(v, "hex");
  const char *bad;
  if (!cJSON_IsObject(v) || !keys_in(v, "hex", &bad) || !cJSON_IsString(hex)) return false;
  size_t len = strlen(hex->valuestring);
  char *bytes = len % 2 == 0 ? malloc(len / 2 + 1) : NULL;
  if (!bytes) return false;
  for (size_t i = 0; i < len / 2; i++) {
    int hi = hexval(hex->valuestring[2 * i]), lo = hexval(hex->valuestring[2 * i + 1]);
    if (hi < 0 || lo < 0 || hi + lo == 0) { /* a C string holds no NUL */
      free(bytes);
      return false;
    }
    bytes[i] = (char)(hi * 16 + lo);
  }
  bytes[len / 2] = '\0';
  *out = bytes;
  return true;
}

/* A JSON number that is a whole number in [min, max] (read as valuedouble: cJSON's valueint
 * saturates at INT_MAX). */
static bool json_whole(const cJSON *v, double min, double max, int64_t *out) {
  if (!cJSON_IsNumber(v) || !(v->valuedouble >= min && v->valuedouble <= max)) return false;
  *out = (int64_t)v->valuedouble;
  return (double)*out == v->valuedouble;
}

/* "OK", "ERR_AUTH", ...: the status it names without ISMS_, or -1. */
static int status_named(const cJSON *v) {
  for (int32_t i = 0; cJSON_IsString(v) && i <= (int32_t)ISMS_ERR_INTERNAL; i++) {
    const char *n = isms_status_name(i);
    if (strncmp(n, "ISMS_", 5) == 0 && strcmp(n + 5, v->valuestring) == 0) return (int)i;
  }
  return -1;
}

/* "send", "verify" or "balance": the call, or -1. */
static int call_named(const cJSON *v) {
  for (int i = 0; cJSON_IsString(v) && i < 3; i++)
    if (strcmp(CALL_NAMES[i], v->valuestring) == 0) return i;
  return -1;
}

/* A case's "names" joined with '|' for names_arg; false unless a non-empty array of strings.
 * The C ABI calls verify's `interval` `interval_minutes` (isms.h), so that name counts too. */
static bool join_names(const cJSON *names, char *out, size_t size) {
  const cJSON *n;
  out[0] = '\0';
  if (!cJSON_IsArray(names) || cJSON_GetArraySize(names) == 0) return false;
  cJSON_ArrayForEach(n, names) {
    size_t used = strlen(out);
    if (!cJSON_IsString(n)) return false;
    int w = snprintf(out + used, size - used, "%s%s%s", used ? "|" : "", n->valuestring,
                     strcmp(n->valuestring, "interval") == 0 ? "|interval_minutes" : "");
    if (w < 0 || (size_t)w >= size - used) return false;
  }
  return true;
}

static void free_args(CallArgs *a) {
  for (size_t i = 0; i < sizeof a->owned / sizeof a->owned[0]; i++) {
    free(a->owned[i]);
    a->owned[i] = NULL;
  }
}

/* The arguments of a send or a verify: each the case's own value, else the default (either
 * object may be NULL). False, after a failed check naming the argument, when one is missing
 * or malformed. */
static bool read_args(enum Call what, const char *name, const cJSON *kase, const cJSON *defaults,
                      CallArgs *a) {
  *a = (CallArgs){0};
  struct Slot {
    const char *key;
    const char **to;
  } send[] = {{"mobile", &a->mobile},
              {"country_code", &a->country_code},
              {"message", &a->message},
              {"sender_id", &a->sender_id}},
    verify[] = {{"mobile", &a->mobile}, {"country_code", &a->country_code},
                {"code", &a->code},     {"sms_id", &a->sms_id},
                {"uuid", &a->uuid},     {"sender_id", &a->sender_id}};
  const struct Slot *slots = what == SEND ? send : verify;
  size_t n = what == SEND ? sizeof send / sizeof send[0] : sizeof verify / sizeof verify[0];
  const char *bad = NULL;
  for (size_t i = 0; i < n && !bad; i++) {
    const cJSON *v = field(kase, slots[i].key) ? field(kase, slots[i].key)
                                                : field(defaults, slots[i].key);
    if (!json_bytes(v, &a->owned[i])) bad = slots[i].key;
    *slots[i].to = a->owned[i];
  }
  const char *number = what == SEND ? "type" : "interval";
  const cJSON *v = field(kase, number) ? field(kase, number) : field(defaults, number);
  int64_t x = 0;
  if (!bad && !(what == SEND ? json_whole(v, INT32_MIN, INT32_MAX, &x)
                             : json_whole(v, 0, UINT32_MAX, &x)))
    bad = number;
  a->type = what == SEND ? (int32_t)x : 0;
  a->interval = what == VERIFY ? (uint32_t)x : 0;
  if (bad) {
    CHECK(false, "%s: argument %s missing or malformed (a string, {\"hex\": ..} or null; %s a "
                 "number in range)", name, bad, number);
    free_args(a);
  }
  return !bad;
}

/* ---- 4b. input rules: send_inputs.json, verify_inputs.json ---------------------- */

static IsmsClient *g_inputs; /* the client of the input tests */
static int g_case;

/* One input case on its own tag: refused naming the argument with no request sent, or
 * exactly one request whose query has every "wire" entry. False when the case is malformed. */
static bool input_case(enum Call what, const cJSON *kase, const cJSON *defaults) {
  const char *label = field(kase, "name")->valuestring, *call_name = CALL_NAMES[what];
  const cJSON *expect = field(kase, "expect"), *wire = field(expect, "wire"), *w;
  int want = status_named(field(expect, "status"));
  char names[256] = "";
  bool refused = want == ISMS_ERR_INVALID_ARGUMENT;
  if (want < 0 || (refused ? !join_names(field(expect, "names"), names, sizeof names)
                           : !cJSON_IsObject(wire) || !wire->child)) {
    CHECK(false, "%s %s: expect needs a status name and names (refused) or wire (accepted)",
          call_name, label);
    return false;
  }
  CallArgs a;
  if (!read_args(what, label, kase, defaults, &a)) return false;
  char tag[64], name[32];
  snprintf(name, sizeof name, "in-%s-%d", call_name, ++g_case);
  make_tag(tag, sizeof tag, name);
  set_tag(g_inputs, tag, NULL);
  Outcome o = call_with(g_inputs, what, &a);
  if (refused) {
    CHECK(o.status == ISMS_ERR_INVALID_ARGUMENT && o.http_status == 0 && !o.truncated &&
              names_arg(o.message, names) && leak_free(o.message) && !o.uuid.set &&
              !o.sms_id.set && !o.code.set,
          "%s %s: refused naming %s (got %s, http %d: %s)", call_name, label, names,
          isms_status_name((int32_t)o.status), o.http_status, o.message);
    int n = requests_for(tag);
    CHECK(n == 0, "%s %s: nothing reached the gateway (got %d)", call_name, label, n);
  } else {
    CHECK(o.status == (IsmsStatus)want && o.http_status == 200 && leak_free(o.message),
          "%s %s: accepted -> %s, http 200 (got %s, http %d: %s)", call_name, label,
          isms_status_name(want), isms_status_name((int32_t)o.status), o.http_status, o.message);
    char *q = wire_query(tag, 0);
    int n = requests_for(tag);
    CHECK(n == 1 && q, "%s %s: exactly one request (got %d)", call_name, label, n);
    cJSON_ArrayForEach(w, wire) {
      if (cJSON_IsNull(w)) {
        CHECK(q && qcount(q, w->string) == 0, "%s %s: wire has no %s", call_name, label,
              w->string);
      } else {
        CHECK(cJSON_IsString(w) && qhas(q, w->string, w->valuestring), "%s %s: wire %s=%s",
              call_name, label, w->string, cJSON_IsString(w) ? w->valuestring : "(not a string)");
      }
    }
    if (what == SEND)
      CHECK(qhas(q, "message", str_or(a.message)), "%s %s: message arrives unchanged", call_name,
            label);
    free(q);
  }
  free_args(&a);
  return true;
}

/* Every case of one input file on g_inputs. */
static void input_file(enum Call what, const char *file, const char *case_keys) {
  cJSON *root = load_cases(file, case_keys, "status|names|wire");
  const cJSON *kase;
  int ran = 0;
  cJSON_ArrayForEach(kase, field(root, "cases")) {
    ran += input_case(what, kase, field(root, "defaults"));
  }
  if (root)
    CHECK(ran == case_count(root), "%s: %d of %d cases ran", file, ran, case_count(root));
  cJSON_Delete(root);
}

static void test_inputs(void) {
  g_area = "inputs";
  g_inputs = client_for(SB.password, "unused", NULL, SB.ca_file);
  if (!CHECK(g_inputs != NULL, "client")) return;
  input_file(SEND, "send_inputs.json", "name|expect|mobile|country_code|message|type|sender_id");
  input_file(VERIFY, "verify_inputs.json",
             "name|expect|mobile|country_code|code|sms_id|uuid|interval|sender_id");
  isms_client_free(g_inputs);
  g_inputs = NULL;
}

/* ---- 5. replies and fault modes: replies.json, faults.json ------------------------- */

/* The result field `key` of a call's outcome; NULL when the call has no such field. */
static const Text *result_text(const Outcome *o, enum Call what, const char *key) {
  if (what != BALANCE && strcmp(key, "uuid") == 0) return &o->uuid;
  if (what != BALANCE && strcmp(key, "sms_id") == 0) return &o->sms_id;
  if (what != BALANCE && strcmp(key, "mobile") == 0) return &o->mobile;
  if (what == SEND && strcmp(key, "code") == 0) return &o->code;
  if (what == BALANCE && strcmp(key, "balance_text") == 0) return &o->balance_text;
  if (what == BALANCE && strcmp(key, "expiration") == 0) return &o->expiration;
  if (what == BALANCE && strcmp(key, "expiration_iso") == 0) return &o->expiration_iso;
  return NULL;
}

/* One "result" field: a string, null (NULL), or the balance as a number compared exactly. */
static void check_result_field(const char *label, enum Call what, const Outcome *o,
                               const cJSON *want) {
  if (what == BALANCE && strcmp(want->string, "balance") == 0) {
    CHECK(cJSON_IsNumber(want) && o->balance == want->valuedouble,
          "%s: balance = %.17g (got %.17g)", label, cJSON_IsNumber(want) ? want->valuedouble : -1.0,
          o->balance);
    return;
  }
  const Text *got = result_text(o, what, want->string);
  bool ok = got && (cJSON_IsNull(want) ? !got->set
                                       : cJSON_IsString(want) && got->set &&
                                             strcmp(got->text, want->valuestring) == 0);
  CHECK(ok, "%s: %s = %s (got %s)", label, want->string,
        cJSON_IsString(want) ? want->valuestring : cJSON_IsNull(want) ? "NULL" : "(malformed)",
        !got ? "no such field" : got->set ? got->text : "NULL");
}

/* What every reply and fault case checks: the status and HTTP status, the message (NULL on
 * OK, else saying why, with "message_contains"), no password in it, `requests` requests on
 * the tag, and on OK each "result" field. */
static void check_outcome(const char *label, enum Call what, const Outcome *o,
                          const cJSON *expect, const char *tag, int requests) {
  const cJSON *part = field(expect, "message_contains"), *result = field(expect, "result"), *r;
  int want = status_named(field(expect, "status"));
  int64_t http = 0;
  if (want < 0 || !json_whole(field(expect, "http_status"), 0, 999, &http) ||
      (part && !cJSON_IsString(part)) || (result && (want != ISMS_OK || !cJSON_IsObject(result)))) {
    CHECK(false, "%s: expect needs a status name, http_status, a string message_contains and "
                 "a result object only on OK", label);
    return;
  }
  CHECK(o->status == (IsmsStatus)want && o->http_status == http,
        "%s -> %s, http %d (got %s, http %d: %s)", label, isms_status_name(want), (int)http,
        isms_status_name((int32_t)o->status), o->http_status, o->message);
  if (want == ISMS_OK) {
    CHECK(!o->has_message, "%s: message NULL on success (%s)", label, o->message);
  } else {
    CHECK(o->has_message && (!part || strstr(o->message, part->valuestring)),
          "%s: message says why%s%s (%s)", label, part ? ", with " : "",
          part ? part->valuestring : "", o->message);
  }
  CHECK(!o->truncated && leak_free(o->message), "%s: no password in the message", label);
  int n = requests_for(tag);
  CHECK(n == requests, "%s: exactly %d request%s, never repeated (got %d)", label, requests,
        requests == 1 ? "" : "s", n);
  cJSON_ArrayForEach(r, result) check_result_field(label, what, o, r);
}

/* `s` with every `from` replaced by `to` (malloc'd), or NULL. */
static char *replace_all(const char *s, const char *from, const char *to) {
  size_t count = 0, flen = strlen(from), tlen = strlen(to);
  for (const char *p = strstr(s, from); p; p = strstr(p + flen, from)) count++;
  char *out = malloc(strlen(s) + count * tlen + 1), *o = out;
  for (const char *p; out && (p = strstr(s, from)); s = p + flen) {
    memcpy(o, s, (size_t)(p - s));
    o += p - s;
    memcpy(o, to, tlen);
    o += tlen;
  }
  if (out) strcpy(o, s);
  return out;
}

/* The sandbox fault that serves `body` verbatim: body-<its bytes in lower-case hex>. */
static char *body_fault(const char *body) {
  size_t len = strlen(body);
  char *out = malloc(5 + 2 * len + 1);
  if (!out) return NULL;
  memcpy(out, "body-", 5);
  for (size_t i = 0; i < len; i++) snprintf(out + 5 + 2 * i, 3, "%02x", (unsigned char)body[i]);
  out[5 + 2 * len] = '\0';
  return out;
}

/* `body` with every %PASSWORD...% placeholder replaced by that form of the password,
 * JSON-escaped (cJSON's quoting, without the quotes); NULL when out of memory. */
static char *with_password_forms(const char *body) {
  char *text = strdup(body);
  for (int i = 0; text && i < PASSWORD_FORM_COUNT; i++) {
    char form[1024];
    password_form(i, SB.password, form, sizeof form);
    cJSON *s = cJSON_CreateString(form);
    char *quoted = s ? cJSON_PrintUnformatted(s) : NULL;
    cJSON_Delete(s);
    size_t len = quoted ? strlen(quoted) : 0;
    char *escaped = len >= 2 ? strndup(quoted + 1, len - 2) : NULL;
    cJSON_free(quoted);
    char *next = escaped ? replace_all(text, PASSWORD_FORMS[i], escaped) : NULL;
    free(escaped);
    free(text);
    text = next;
  }
  return text;
}

/* Readies `c` for a deadline on `tag` with `fault`: a warm connection first (a balance on
 * "<tag>-warm"), so that the deadline is spent on the reply alone (under memcheck a TLS
 * handshake can take most of it), then the fault and `timeout_ms`. False when a step failed;
 * *warm is the warm-up's outcome. */
static bool warm_up(IsmsClient *c, const char *tag, const char *fault, uint32_t timeout_ms,
                    Outcome *warm) {
  char wtag[80];
  snprintf(wtag, sizeof wtag, "%s-warm", tag);
  set_tag(c, wtag, NULL);
  *warm = call(c, BALANCE);
  return warm->status == ISMS_OK && set_tag(c, tag, fault) == ISMS_OK &&
         isms_client_set_timeout_ms(c, timeout_ms) == ISMS_OK;
}

/* Every case of faults.json, each on a tag of its own, with the password of the sandbox. */
static void fault_cases(const cJSON *file, const CallArgs *args) {
  const cJSON *kase;
  int ran = 0, index = 0;
  cJSON_ArrayForEach(kase, field(file, "cases")) {
    const char *name = field(kase, "name")->valuestring;
    const cJSON *fault = field(kase, "fault"), *timeout = field(kase, "timeout_ms");
    const cJSON *expect = field(kase, "expect");
    int what = call_named(field(kase, "call"));
    int64_t timeout_ms = 0, requests = 0;
    if (what < 0 || !cJSON_IsString(fault) ||
        (timeout && !json_whole(timeout, 1, UINT32_MAX, &timeout_ms)) ||
        !json_whole(field(expect, "requests"), 0, 1000, &requests)) {
      CHECK(false, "%s: needs call, fault, expect.requests (and timeout_ms a number)", name);
      continue;
    }
    char tag[64], tname[40];
    snprintf(tname, sizeof tname, "fault-%d", index++);
    make_tag(tag, sizeof tag, tname);
    IsmsClient *c = client_for(SB.password, tag, fault->valuestring, SB.ca_file);
    if (!CHECK(c != NULL, "%s: client", name)) continue;
    if (timeout) {
      Outcome warm;
      CHECK(warm_up(c, tag, fault->valuestring, (uint32_t)timeout_ms, &warm),
            "%s: warm-up call OK (%s), timeout %u ms set", name, warm.message,
            (uint32_t)timeout_ms);
    }
    double t0 = now_ms();
    Outcome o = call_with(c, (enum Call)what, &args[what]);
    double took = now_ms() - t0;
    check_outcome(name, (enum Call)what, &o, expect, tag, (int)requests);
    if (o.status == ISMS_ERR_TIMEOUT) {
      /* well before the sandbox's delay: no tight bound */
      double bound = timeout ? 4.0 * (double)timeout_ms : 1e9;
      if (strncmp(fault->valuestring, "slow-", 5) == 0 && atof(fault->valuestring + 5) < bound)
        bound = atof(fault->valuestring + 5);
      CHECK(took < bound, "%s: returned after %.0f ms, under %.0f ms", name, took, bound);
    }
    isms_client_free(c);
    ran++;
  }
  CHECK(ran == case_count(file), "faults.json: %d of %d cases ran", ran, case_count(file));
}

/* Every case of replies.json: the body served by the sandbox's body-<hex> fault. */
static void reply_cases(const cJSON *file, const CallArgs *args) {
  const cJSON *kase;
  int ran = 0, index = 0;
  cJSON_ArrayForEach(kase, field(file, "cases")) {
    const char *name = field(kase, "name")->valuestring;
    const cJSON *body = field(kase, "body");
    int what = call_named(field(kase, "call"));
    if (what < 0 || !cJSON_IsString(body)) {
      CHECK(false, "%s: needs call and body", name);
      continue;
    }
    char *text = with_password_forms(body->valuestring);
    char *fault = text ? body_fault(text) : NULL;
    char tag[64], tname[40];
    snprintf(tname, sizeof tname, "reply-%d", index++);
    make_tag(tag, sizeof tag, tname);
    IsmsClient *c = fault ? client_for(SB.password, tag, fault, SB.ca_file) : NULL;
    if (CHECK(c != NULL, "%s: client", name)) {
      Outcome o = call_with(c, (enum Call)what, &args[what]);
      check_outcome(name, (enum Call)what, &o, field(kase, "expect"), tag, 1);
      ran++;
    }
    isms_client_free(c);
    free(fault);
    free(text);
  }
  CHECK(ran == case_count(file), "replies.json: %d of %d cases ran", ran, case_count(file));
}

static void test_faults(void) {
  g_area = "faults";
  cJSON *replies = load_cases("replies.json", "name|call|body|expect",
                              "status|http_status|message_contains|result");
  cJSON *faults = load_cases("faults.json", "name|call|fault|timeout_ms|expect",
                             "status|http_status|message_contains|requests");
  /* Both files call with replies.json's call_args (balance takes none). */
  const cJSON *call_args = field(replies, "call_args");
  CallArgs args[3] = {FIXED_ARGS, FIXED_ARGS, FIXED_ARGS};
  bool have_args = replies && read_args(SEND, "call_args.send", NULL, field(call_args, "send"),
                                        &args[SEND]);
  have_args = have_args && read_args(VERIFY, "call_args.verify", NULL,
                                     field(call_args, "verify"), &args[VERIFY]);
  if (faults && have_args) fault_cases(faults, args);
  else if (faults) CHECK(false, "faults.json not run: replies.json has no usable call_args");

  /* A redirect is not followed: its target (the untagged endpoint) sees nothing. */
  char tag[64];
  make_tag(tag, sizeof tag, "redirect-target");
  int untagged = requests_for(NULL);
  IsmsClient *c = client_for(SB.password, tag, "redirect", SB.ca_file);
  Outcome o = c ? call(c, SEND) : (Outcome){0};
  CHECK(o.status == ISMS_ERR_HTTP_STATUS && o.http_status == 302, "redirect on send -> HTTP 302");
  CHECK(requests_for(NULL) == untagged, "the redirect target saw no request (not followed)");
  cJSON *box = outbox(tag);
  CHECK(cJSON_GetArraySize(box) <= 1, "at most the one SMS of the first request was sent");
  cJSON_Delete(box);
  isms_client_free(c);

  g_area = "replies";
  if (have_args) reply_cases(replies, args);
  free_args(&args[SEND]);
  free_args(&args[VERIFY]);
  cJSON_Delete(faults);
  cJSON_Delete(replies);
}

/* ---- 5b. timeouts -------------------------------------------------------- */

static void test_timeouts(void) {
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
    make_tag(tag, sizeof tag, name);
    IsmsClient *c = client_for(SB.password, tag, NULL, SB.ca_file);
    if (!CHECK(c != NULL, "client")) continue;
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

/* ---- 6. retries and TLS -------------------------------------------------- */

static void test_retries(void) {
  g_area = "retries";
  char url[256];
  IsmsClient *c = isms_client_new(SB.username, MARKER);
  if (!CHECK(c != NULL, "client")) return;
  isms_client_set_ca_file(c, SB.ca_file);

  /* https on the drop port: lost during the TLS handshake, before any request byte. */
  Stats before = stats(NULL);
  endpoint(url, sizeof url, "https", SB.drop, "drop-https", NULL);
  CHECK(isms_client_set_endpoint(c, url) == ISMS_OK, "endpoint on the drop port (https)");
  Outcome o = call(c, SEND);
  Stats after = stats(NULL);
  CHECK(o.status == ISMS_ERR_CONNECT && o.http_status == 0,
        "lost in the TLS handshake -> ISMS_ERR_CONNECT (got %s: %s)",
        isms_status_name((int32_t)o.status), o.message);
  CHECK(after.drop - before.drop == 3, "tried 3 times: 1 + 2 retries (drop listener +%ld)",
        after.drop - before.drop);
  CHECK(leak_free(o.message), "no password in the message");

  /* plain http on the drop port: the request was written, then the connection closed. */
  before = stats(NULL);
  endpoint(url, sizeof url, "http", SB.drop, "drop-http", NULL);
  CHECK(isms_client_set_endpoint(c, url) == ISMS_OK, "endpoint on the drop port (http)");
  o = call(c, SEND);
  after = stats(NULL);
  CHECK(o.status == ISMS_ERR_CONNECT && o.http_status == 0,
        "closed after the request was written -> ISMS_ERR_CONNECT (got %s: %s)",
        isms_status_name((int32_t)o.status), o.message);
  CHECK(after.drop - before.drop == 1, "tried once: a written request is never repeated (+%ld)",
        after.drop - before.drop);
  CHECK(leak_free(o.message), "no password in the message");

  /* nothing listening */
  endpoint(url, sizeof url, "https", closed_port(), "refused", NULL);
  isms_client_set_endpoint(c, url);
  double t0 = now_ms();
  o = call(c, BALANCE);
  CHECK(o.status == ISMS_ERR_CONNECT && o.http_status == 0,
        "connection refused -> ISMS_ERR_CONNECT (got %s: %s, %.0f ms)",
        isms_status_name((int32_t)o.status), o.message, now_ms() - t0);
  CHECK(leak_free(o.message), "no password in the message");
  isms_client_free(c);

  /* TLS: certificates are verified, and a TLS failure is final. */
  g_area = "tls";
  char tag[64];
  make_tag(tag, sizeof tag, "tls-noca");
  c = client_for(MARKER, tag, NULL, NULL);
  before = stats(NULL);
  o = call(c, SEND);
  after = stats(NULL);
  CHECK(o.status == ISMS_ERR_TLS && o.http_status == 0,
        "no CA file: the sandbox's certificate is not trusted -> ISMS_ERR_TLS (got %s: %s)",
        isms_status_name((int32_t)o.status), o.message);
  CHECK(after.https - before.https == 1, "TLS failure not retried (https listener +%ld)",
        after.https - before.https);
  CHECK(requests_for(tag) == 0, "no request was sent over the untrusted connection");
  CHECK(leak_free(o.message), "no password in the message");
  isms_client_free(c);

  make_tag(tag, sizeof tag, "tls-otherca");
  c = client_for(MARKER, tag, NULL, SB.other_ca_file);
  CHECK(c != NULL, "other_ca_file is a valid PEM CA: accepted as a setting");
  before = stats(NULL);
  o = c ? call(c, BALANCE) : (Outcome){0};
  after = stats(NULL);
  CHECK(o.status == ISMS_ERR_TLS, "a CA that did not sign the server -> ISMS_ERR_TLS (got %s: %s)",
        isms_status_name((int32_t)o.status), o.message);
  CHECK(after.https - before.https == 1, "TLS failure not retried (https listener +%ld)",
        after.https - before.https);
  CHECK(requests_for(tag) == 0, "no request was sent");
  isms_client_free(c);
}

/* ---- 7. settings ----------------------------------------------------------- */

/* One setting of settings.json on `c`: endpoint and proxy take a string, {"hex": ..} or
 * null, timeout_ms a uint32. *valid is false when the setting or its value is malformed. */
static IsmsStatus apply_setting(IsmsClient *c, const char *setting, const cJSON *value,
                                bool *valid) {
  int64_t ms = 0;
  char *raw = NULL;
  IsmsStatus st = ISMS_ERR_INTERNAL;
  *valid = true;
  if (strcmp(setting, "timeout_ms") == 0 && json_whole(value, 0, UINT32_MAX, &ms))
    st = isms_client_set_timeout_ms(c, (uint32_t)ms);
  else if (strcmp(setting, "endpoint") == 0 && json_bytes(value, &raw))
    st = isms_client_set_endpoint(c, raw);
  else if (strcmp(setting, "proxy") == 0 && json_bytes(value, &raw))
    st = isms_client_set_proxy(c, raw);
  else
    *valid = false;
  free(raw);
  return st;
}

/* Every case of settings.json, on a client of its own (what it accepts would unsettle
 * `tagged`); each refused value is also given to `tagged`, which must refuse it too and keep
 * its settings. No request is made. */
static void settings_cases(IsmsClient *tagged) {
  cJSON *file = load_cases("settings.json", "name|setting|value|expect",
                           "status|names|must_not_contain");
  IsmsClient *c = file ? isms_client_new(SB.username, SB.password) : NULL;
  if (file) CHECK(c != NULL, "a client for settings.json");
  const cJSON *kase;
  int ran = 0;
  cJSON_ArrayForEach(kase, (c ? field(file, "cases") : NULL)) {
    const char *name = field(kase, "name")->valuestring;
    const cJSON *setting = field(kase, "setting"), *value = field(kase, "value");
    const cJSON *expect = field(kase, "expect"), *secret = field(expect, "must_not_contain");
    int want = status_named(field(expect, "status"));
    char names[256] = "";
    bool valid = cJSON_IsString(setting) && want >= 0 && (!secret || cJSON_IsString(secret)) &&
                 (want == ISMS_OK || join_names(field(expect, "names"), names, sizeof names));
    IsmsStatus st = valid ? apply_setting(c, setting->valuestring, value, &valid) : ISMS_OK;
    const char *why = isms_last_error_message();
    if (!valid) {
      CHECK(false, "%s: needs setting, value, a status name and names when refused", name);
      continue;
    }
    if (want == ISMS_OK) {
      CHECK(st == ISMS_OK && why == NULL, "%s: accepted, last error NULL (got %s: %s)", name,
            isms_status_name((int32_t)st), str_or(why));
    } else {
      CHECK(st == (IsmsStatus)want && names_arg(why, names) && leak_free(why),
            "%s: refused naming %s (got %s: %s)", name, names, isms_status_name((int32_t)st),
            str_or(why));
      if (secret)
        CHECK(why && !strstr(why, secret->valuestring), "%s: the message does not show %s", name,
              secret->valuestring);
      if (st != ISMS_OK) {
        IsmsStatus again = apply_setting(tagged, setting->valuestring, value, &valid);
        CHECK(again == st, "%s: refused by the test's client too (got %s)", name,
              isms_status_name((int32_t)again));
      }
    }
    ran++;
  }
  if (file)
    CHECK(ran == case_count(file), "settings.json: %d of %d cases ran", ran, case_count(file));
  isms_client_free(c);
  cJSON_Delete(file);
}

static void test_settings(void) {
  g_area = "settings";
  char tag[64], url[512];
  make_tag(tag, sizeof tag, "settings");
  IsmsClient *c = client_for(SB.password, tag, NULL, SB.ca_file);
  if (!CHECK(c != NULL, "client")) return;
  CHECK(isms_last_error_message() == NULL, "last error NULL after successful settings");

  settings_cases(c);

  /* a refused setting leaves the previous one in force */
  Outcome o = call(c, BALANCE);
  CHECK(o.status == ISMS_OK && requests_for(tag) == 1,
        "after the refusals the previous endpoint and proxy are still in force (%s)", o.message);

  /* http:// on loopback works end to end */
  char htag[64];
  make_tag(htag, sizeof htag, "settings-http");
  endpoint(url, sizeof url, "http", SB.http, htag, NULL);
  CHECK(isms_client_set_endpoint(c, url) == ISMS_OK, "http://127.0.0.1 endpoint accepted");
  Stats before = stats(NULL);
  o = call(c, BALANCE);
  CHECK(o.status == ISMS_OK && requests_for(htag) == 1, "balance over plain http on loopback (%s)",
        o.message);
  Stats after = stats(NULL);
  CHECK(after.https == before.https, "it did not use https");

  /* NULL restores the default endpoint: the sandbox sees nothing. */
  CHECK(isms_client_set_endpoint(c, NULL) == ISMS_OK && isms_last_error_message() == NULL,
        "endpoint NULL accepted (restores the default)");
  isms_client_set_timeout_ms(c, 2000);
  before = stats("*");
  o = call(c, BALANCE);
  after = stats("*");
  CHECK(o.status != ISMS_OK && after.requests == before.requests,
        "with the default endpoint the sandbox is not contacted (got %s: %s)",
        isms_status_name((int32_t)o.status), o.message);
  set_tag(c, tag, NULL);
  CHECK(isms_client_set_timeout_ms(c, 30000) == ISMS_OK, "timeout back to 30000 ms");

  /* ca_file */
  char missing[512], not_pem[512];
  snprintf(missing, sizeof missing, "%s/missing.pem", g_tmpdir);
  snprintf(not_pem, sizeof not_pem, "%s/not-pem.pem", g_tmpdir);
  write_file(not_pem, "hello, I am not a certificate\n");
  IsmsStatus st = isms_client_set_ca_file(c, missing);
  CHECK(st == ISMS_ERR_INVALID_ARGUMENT && names_arg(isms_last_error_message(), "ca_file"),
        "ca_file on a missing file refused (%s)", str_or(isms_last_error_message()));
  st = isms_client_set_ca_file(c, not_pem);
  CHECK(st == ISMS_ERR_INVALID_ARGUMENT && names_arg(isms_last_error_message(), "ca_file"),
        "ca_file on a non-PEM file refused (%s)", str_or(isms_last_error_message()));
  st = isms_client_set_ca_file(c, g_tmpdir);
  CHECK(st == ISMS_ERR_INVALID_ARGUMENT && names_arg(isms_last_error_message(), "ca_file"),
        "ca_file on a directory refused (%s)", str_or(isms_last_error_message()));
  st = isms_client_set_ca_file(c, "");
  CHECK(st == ISMS_ERR_INVALID_ARGUMENT, "ca_file \"\" refused");
  o = call(c, BALANCE);
  CHECK(o.status == ISMS_OK, "a refused ca_file leaves the previous one in force (%s)", o.message);
  CHECK(isms_client_set_ca_file(c, NULL) == ISMS_OK && isms_last_error_message() == NULL,
        "ca_file NULL accepted");
  o = call(c, BALANCE);
  CHECK(o.status == ISMS_ERR_TLS, "ca_file NULL restores the bundled roots alone (got %s)",
        isms_status_name((int32_t)o.status));
  CHECK(isms_client_set_ca_file(c, SB.ca_file) == ISMS_OK, "ca_file set again");

  /* every setter with a NULL client */
  CHECK(isms_client_set_endpoint(NULL, url) == ISMS_ERR_INVALID_ARGUMENT &&
            names_arg(isms_last_error_message(), "client"),
        "set_endpoint(NULL client) refused, naming the client");
  CHECK(isms_client_set_endpoint(NULL, NULL) == ISMS_ERR_INVALID_ARGUMENT,
        "set_endpoint(NULL, NULL) refused");
  CHECK(isms_client_set_timeout_ms(NULL, 1000) == ISMS_ERR_INVALID_ARGUMENT &&
            names_arg(isms_last_error_message(), "client"),
        "set_timeout_ms(NULL client) refused");
  CHECK(isms_client_set_ca_file(NULL, SB.ca_file) == ISMS_ERR_INVALID_ARGUMENT &&
            names_arg(isms_last_error_message(), "client"),
        "set_ca_file(NULL client) refused");
  CHECK(isms_client_set_ca_file(NULL, NULL) == ISMS_ERR_INVALID_ARGUMENT,
        "set_ca_file(NULL, NULL) refused");
  CHECK(isms_client_set_proxy(NULL, "") == ISMS_ERR_INVALID_ARGUMENT &&
            names_arg(isms_last_error_message(), "client"),
        "set_proxy(NULL client) refused");
  CHECK(isms_client_set_proxy(NULL, NULL) == ISMS_ERR_INVALID_ARGUMENT,
        "set_proxy(NULL, NULL) refused");
  CHECK(requests_for(tag) == 2, "settings tests: 2 requests on the tag (got %d)",
        requests_for(tag));
  isms_client_free(c);
}

/* ---- 8. proxies -------------------------------------------------------------- */

static void test_proxies(void) {
  g_area = "proxy";
  char tag[64], purl[128], dead[128];
  snprintf(dead, sizeof dead, "http://127.0.0.1:%d", closed_port());

  make_tag(tag, sizeof tag, "proxy-http");
  IsmsClient *c = client_for(SB.password, tag, NULL, SB.ca_file);
  if (!CHECK(c != NULL, "client")) return;
  snprintf(purl, sizeof purl, "http://127.0.0.1:%d", SB.proxy);
  CHECK(isms_client_set_proxy(c, purl) == ISMS_OK, "proxy %s accepted", purl);
  Stats before = stats(NULL);
  IsmsSendResult *s = isms_send_otp(c, "0123456789", "60", "Code %OTP%", 0, NULL);
  CHECK_STATUS(s->status, ISMS_OK, s->message, "send through the HTTP CONNECT proxy");
  IsmsVerifyResult *v = isms_verify_otp(c, "0123456789", "60", str_or(s->code), str_or(s->sms_id),
                                        str_or(s->uuid), 5, NULL);
  CHECK_STATUS(v->status, ISMS_OK, v->message, "verify through the HTTP CONNECT proxy");
  isms_verify_result_free(v);
  isms_send_result_free(s);
  Stats after = stats(NULL);
  CHECK(after.proxy > before.proxy, "the HTTP proxy opened a tunnel (+%ld)",
        after.proxy - before.proxy);
  CHECK(requests_for(tag) == 2, "2 requests arrived (got %d)", requests_for(tag));

  make_tag(tag, sizeof tag, "proxy-socks");
  set_tag(c, tag, NULL);
  snprintf(purl, sizeof purl, "socks5://127.0.0.1:%d", SB.socks);
  CHECK(isms_client_set_proxy(c, purl) == ISMS_OK, "proxy %s accepted", purl);
  before = stats(NULL);
  s = isms_send_otp(c, "0123456789", "60", "Code %OTP%", 0, NULL);
  CHECK_STATUS(s->status, ISMS_OK, s->message, "send through the SOCKS5 proxy");
  isms_send_result_free(s);
  Outcome o = call(c, BALANCE);
  CHECK_STATUS(o.status, ISMS_OK, o.message, "balance through the SOCKS5 proxy");
  after = stats(NULL);
  CHECK(after.socks > before.socks, "the SOCKS5 proxy opened a tunnel (+%ld)",
        after.socks - before.socks);
  CHECK(requests_for(tag) == 2, "2 requests arrived (got %d)", requests_for(tag));

  /* A proxy that is down is a connect error, never a silent direct connection. */
  make_tag(tag, sizeof tag, "proxy-dead");
  set_tag(c, tag, NULL);
  isms_client_set_proxy(c, dead);
  o = call(c, BALANCE);
  CHECK(o.status == ISMS_ERR_CONNECT, "a dead proxy -> ISMS_ERR_CONNECT (got %s: %s)",
        isms_status_name((int32_t)o.status), o.message);
  CHECK(requests_for(tag) == 0, "nothing went around the dead proxy");

  /* "" = direct whatever the environment says */
  make_tag(tag, sizeof tag, "proxy-env-direct");
  set_tag(c, tag, NULL);
  setenv("https_proxy", dead, 1);
  setenv("HTTPS_PROXY", dead, 1);
  setenv("ALL_PROXY", dead, 1);
  CHECK(isms_client_set_proxy(c, "") == ISMS_OK, "proxy \"\" with https_proxy set to a dead proxy");
  o = call(c, BALANCE);
  CHECK_STATUS(o.status, ISMS_OK, o.message, "direct connection despite the environment");
  CHECK(requests_for(tag) == 1, "the request arrived directly");

  isms_client_free(c);

  /* NULL = the environment, read when the call starts. Each check uses a pool of its
   * own (pool_ca), so that a kept-alive tunnel of an earlier check cannot hide
   * whether this call went through the proxy. */
  snprintf(purl, sizeof purl, "http://127.0.0.1:%d", SB.proxy);
  unsetenv("HTTPS_PROXY");
  unsetenv("ALL_PROXY");
  make_tag(tag, sizeof tag, "proxy-env");
  static const struct {
    const char *label, *var, *no_proxy;
    bool proxied;
  } envs[] = {
      {"https_proxy is followed", "https_proxy", NULL, true},
      {"HTTPS_PROXY (upper case) is followed", "HTTPS_PROXY", NULL, true},
      {"ALL_PROXY is followed", "ALL_PROXY", NULL, true},
      {"NO_PROXY=127.0.0.1 makes it direct", "https_proxy", "127.0.0.1", false},
      {"NO_PROXY=localhost,127.0.0.0/8 makes it direct", "HTTPS_PROXY", "localhost,127.0.0.0/8",
       false},
  };
  for (size_t i = 0; i < sizeof envs / sizeof envs[0]; i++) {
    c = client_for(SB.password, tag, NULL, pool_ca(5 + (int)i));
    if (!c) continue;
    CHECK(isms_client_set_proxy(c, NULL) == ISMS_OK, "proxy NULL (follow the environment)");
    setenv(envs[i].var, purl, 1);
    if (envs[i].no_proxy) setenv("NO_PROXY", envs[i].no_proxy, 1);
    before = stats(NULL);
    o = call(c, BALANCE);
    after = stats(NULL);
    CHECK(o.status == ISMS_OK && (after.proxy > before.proxy) == envs[i].proxied,
          "%s (%s, proxy tunnels +%ld)", envs[i].label, isms_status_name((int32_t)o.status),
          after.proxy - before.proxy);
    clear_proxy_env();
    isms_client_free(c);
  }
  CHECK(requests_for(tag) == 5, "5 requests arrived (got %d)", requests_for(tag));

  /* "" still beats the environment on a fresh pool */
  make_tag(tag, sizeof tag, "proxy-env-direct2");
  c = client_for(SB.password, tag, NULL, pool_ca(10));
  setenv("https_proxy", purl, 1);
  isms_client_set_proxy(c, "");
  before = stats(NULL);
  o = c ? call(c, BALANCE) : (Outcome){0};
  after = stats(NULL);
  CHECK(o.status == ISMS_OK && after.proxy == before.proxy && requests_for(tag) == 1,
        "proxy \"\" with https_proxy set to a live proxy: no tunnel (+%ld)",
        after.proxy - before.proxy);
  clear_proxy_env();
  isms_client_free(c);
}

/* ---- 9. NULL arguments and static strings ----------------------------------- */

static void test_nulls(void) {
  g_area = "null";
  char tag[64];
  make_tag(tag, sizeof tag, "null");
  IsmsClient *c = client_for(SB.password, tag, NULL, SB.ca_file);
  if (!CHECK(c != NULL, "client")) return;
  const char *m = "0123456789", *cc = "60", *msg = "Code %OTP%";

  struct {
    const char *label, *names;
    IsmsSendResult *r;
  } sends[] = {
      {"client", "client", isms_send_otp(NULL, m, cc, msg, 0, NULL)},
      {"mobile", "mobile", isms_send_otp(c, NULL, cc, msg, 0, NULL)},
      {"country_code", "country_code", isms_send_otp(c, m, NULL, msg, 0, NULL)},
      {"message", "message", isms_send_otp(c, m, cc, NULL, 0, NULL)},
      {"all", "client", isms_send_otp(NULL, NULL, NULL, NULL, 0, NULL)},
  };
  for (size_t i = 0; i < sizeof sends / sizeof sends[0]; i++) {
    IsmsSendResult *r = sends[i].r;
    CHECK(r != NULL && r->status == ISMS_ERR_INVALID_ARGUMENT && r->http_status == 0 &&
              names_arg(r->message, sends[i].names) && !r->code && !r->uuid,
          "send with NULL %s -> INVALID_ARGUMENT naming %s (%s)", sends[i].label, sends[i].names,
          r ? str_or(r->message) : "NULL result");
    isms_send_result_free(r);
  }
  const char *code = "123456", *sid = "1171081025", *uid = "bd9a1ff0";
  struct {
    const char *label;
    IsmsVerifyResult *r;
  } verifies[] = {
      {"client", isms_verify_otp(NULL, m, cc, code, sid, uid, 0, NULL)},
      {"mobile", isms_verify_otp(c, NULL, cc, code, sid, uid, 0, NULL)},
      {"country_code", isms_verify_otp(c, m, NULL, code, sid, uid, 0, NULL)},
      {"code", isms_verify_otp(c, m, cc, NULL, sid, uid, 0, NULL)},
      {"sms_id", isms_verify_otp(c, m, cc, code, NULL, uid, 0, NULL)},
      {"uuid", isms_verify_otp(c, m, cc, code, sid, NULL, 0, NULL)},
  };
  for (size_t i = 0; i < sizeof verifies / sizeof verifies[0]; i++) {
    IsmsVerifyResult *r = verifies[i].r;
    CHECK(r != NULL && r->status == ISMS_ERR_INVALID_ARGUMENT && r->http_status == 0 &&
              names_arg(r->message, verifies[i].label),
          "verify with NULL %s -> INVALID_ARGUMENT naming it (%s)", verifies[i].label,
          r ? str_or(r->message) : "NULL result");
    isms_verify_result_free(r);
  }
  IsmsBalanceResult *b = isms_balance(NULL);
  CHECK(b != NULL && b->status == ISMS_ERR_INVALID_ARGUMENT && b->http_status == 0 &&
            names_arg(b->message, "client") && b->balance == 0.0,
        "balance(NULL) -> INVALID_ARGUMENT naming the client (%s)", b ? str_or(b->message) : "");
  isms_balance_result_free(b);
  CHECK(requests_for(tag) == 0, "no NULL argument reached the gateway");

  /* sender_id NULL means none */
  IsmsSendResult *s = isms_send_otp(c, m, cc, msg, 0, NULL);
  CHECK_STATUS(s->status, ISMS_OK, s->message, "send with sender_id NULL");
  IsmsVerifyResult *v = isms_verify_otp(c, m, cc, str_or(s->code), str_or(s->sms_id),
                                        str_or(s->uuid), 0, NULL);
  CHECK_STATUS(v->status, ISMS_OK, v->message, "verify with sender_id NULL");
  isms_verify_result_free(v);
  isms_send_result_free(s);

  isms_send_result_free(NULL);
  isms_verify_result_free(NULL);
  isms_balance_result_free(NULL);
  isms_client_free(NULL);
  CHECK(true, "every _free(NULL) is a no-op");

  /* isms_client_new */
  struct {
    const char *label, *user, *pass, *names;
  } news[] = {
      {"NULL username", NULL, "pw", "username"},
      {"NULL password", "user", NULL, "password"},
      {"both NULL", NULL, NULL, "username|password"},
      {"empty username", "", "pw", "username"},
      {"empty password", "user", "", "password"},
      {"username not UTF-8", "us\xff" "er", "pw", "username"},
      {"password not UTF-8", "user", "p\xc3(w", "password"},
  };
  for (size_t i = 0; i < sizeof news / sizeof news[0]; i++) {
    IsmsClient *bad = isms_client_new(news[i].user, news[i].pass);
    const char *why = isms_last_error_message();
    CHECK(bad == NULL && names_arg(why, news[i].names),
          "isms_client_new with %s -> NULL, naming %s (%s)", news[i].label, news[i].names,
          str_or(why));
    CHECK(!why || (!strstr(why, "p\xc3(w") && !strstr(why, "pw")),
          "isms_client_new with %s: no password in the reason", news[i].label);
    isms_client_free(bad);
  }
  IsmsClient *good = isms_client_new("user", MARKER);
  CHECK(good != NULL && isms_last_error_message() == NULL,
        "isms_client_new accepts any UTF-8 password; last error NULL after success");
  isms_client_free(good);

  /* static strings */
  static const char *const names[] = {
      "ISMS_OK",           "ISMS_ERR_INVALID_ARGUMENT", "ISMS_ERR_AUTH",
      "ISMS_ERR_INSUFFICIENT_CREDIT", "ISMS_ERR_OTP_INCORRECT", "ISMS_ERR_OTP_EXPIRED",
      "ISMS_ERR_REJECTED", "ISMS_ERR_TIMEOUT",          "ISMS_ERR_CONNECT",
      "ISMS_ERR_TLS",      "ISMS_ERR_HTTP_STATUS",      "ISMS_ERR_BAD_RESPONSE",
      "ISMS_ERR_INTERNAL", "ISMS_ERR_RATE_LIMITED",    "ISMS_ERR_TOO_MANY_ATTEMPTS",
      "ISMS_ERR_NOT_ALLOWED", "ISMS_ERR_GUARD_STORE"};
  for (int32_t i = 0; i <= 16; i++) {
    const char *n = isms_status_name(i);
    CHECK(n && strcmp(n, names[i]) == 0, "isms_status_name(%d) = %s", i, str_or(n));
  }
  const int32_t others[] = {-1, 17, INT32_MAX, INT32_MIN};
  for (size_t i = 0; i < 4; i++) {
    const char *n = isms_status_name(others[i]);
    CHECK(n && strcmp(n, "ISMS_UNKNOWN") == 0, "isms_status_name(%d) = ISMS_UNKNOWN", others[i]);
  }
  CHECK(ISMS_OK == 0 && ISMS_ERR_INVALID_ARGUMENT == 1 && ISMS_ERR_AUTH == 2 &&
            ISMS_ERR_INSUFFICIENT_CREDIT == 3 && ISMS_ERR_OTP_INCORRECT == 4 &&
            ISMS_ERR_OTP_EXPIRED == 5 && ISMS_ERR_REJECTED == 6 && ISMS_ERR_TIMEOUT == 7 &&
            ISMS_ERR_CONNECT == 8 && ISMS_ERR_TLS == 9 && ISMS_ERR_HTTP_STATUS == 10 &&
            ISMS_ERR_BAD_RESPONSE == 11 && ISMS_ERR_INTERNAL == 12 && ISMS_TYPE_AUTO == 0 &&
            ISMS_TYPE_ASCII == 1 && ISMS_TYPE_UNICODE == 2,
        "enum values as in the contract");
  const char *version = isms_version();
  int major = -1, minor = -1, patch = -1;
  CHECK(version && *version && sscanf(version, "%d.%d.%d", &major, &minor, &patch) == 3,
        "isms_version() = %s", str_or(version));
  isms_client_free(c);
}

/* ---- 10. threads and connection reuse ---------------------------------------- */

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

static void test_threads(void) {
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

/* ---- 11. fork ---------------------------------------------------------------- */

static void test_fork(void) {
  g_area = "fork";
  char ptag[64], ctag[64];
  make_tag(ptag, sizeof ptag, "fork-parent");
  make_tag(ctag, sizeof ctag, "fork-child");
  IsmsClient *c = client_for(SB.password, ptag, NULL, pool_ca(4));
  if (!CHECK(c != NULL, "client")) return;
  Outcome o = call(c, BALANCE);
  CHECK_STATUS(o.status, ISMS_OK, o.message, "parent warms its connection");
  int ready[2];
  if (!CHECK(pipe(ready) == 0, "pipe")) {
    isms_client_free(c);
    return;
  }
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid == 0) {
    /* The child: same client, a call of its own; report through the exit status. */
    close(ready[0]);
    int rc = set_tag(c, ctag, NULL) == ISMS_OK ? 0 : 2;
    if (rc == 0) {
      IsmsBalanceResult *b = isms_balance(c);
      rc = b->status == ISMS_OK ? 0 : 10 + (int)b->status;
      isms_balance_result_free(b);
    }
    char byte = (char)rc;
    if (write(ready[1], &byte, 1) != 1) rc = 3;
    close(ready[1]);
    isms_client_free(c);
    _exit(rc);
  }
  close(ready[1]);
  CHECK(pid > 0, "fork");
  char byte = 1;
  bool got = pid > 0 && read(ready[0], &byte, 1) == 1;
  close(ready[0]);
  CHECK(got && byte == 0, "the child's call on the inherited client OK (code %d)", (int)byte);
  /* right after the child's call, before its exit (under memcheck the child's exit is slow) */
  o = call(c, BALANCE);
  CHECK_STATUS(o.status, ISMS_OK, o.message, "parent calls again after the child");
  int status = -1;
  if (pid > 0) waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child exited with status 0 (%d)",
        WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  Stats p = stats(ptag), ch = stats(ctag);
  CHECK(p.n_ids == 2 && ch.n_ids == 1, "2 parent requests, 1 child request (%d, %d)", p.n_ids,
        ch.n_ids);
  if (p.n_ids == 2 && ch.n_ids == 1) {
    CHECK(ch.ids[0] != p.ids[0], "the child used a connection of its own (%ld, parent %ld)",
          ch.ids[0], p.ids[0]);
    CHECK(p.ids[1] == p.ids[0], "the parent reused its original connection (%ld, then %ld)",
          p.ids[0], p.ids[1]);
  }
  isms_client_free(c);
}

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
  setvbuf(stdout, NULL, _IOLBF, 0);
  const char *vg = getenv("ISMS_TEST_UNDER_VALGRIND");
  g_valgrind = vg && *vg && strcmp(vg, "0") != 0;
  g_run = (int)getpid();
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

  remove_tmpdir();
  printf("%d passed, %d failed\n", g_passed, g_failed);
  return g_failed == 0 ? 0 : 1;
}
