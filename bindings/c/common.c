/* The shared part of the C test program: see common.h. */
#include "common.h"

#include <stdarg.h>
#include <time.h>

/* ---- checks ------------------------------------------------------------ */

int g_passed, g_failed;
const char *g_area = "";
bool g_valgrind;

bool check_at(bool ok, const char *file, int line, const char *fmt, ...) {
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

int g_skipped;

void skip(const char *what, const char *reason) {
  printf("skip [%s] %s: %s\n", g_area, what, reason);
  fflush(stdout);
  g_skipped++;
}

const char *str_or(const char *s) { return s ? s : "(null)"; }

/* ---- the platform (platform.h) ------------------------------------------ */

#ifdef _WIN32
bool platform_init(void) {
  WSADATA wsa;
  return WSAStartup(MAKEWORD(2, 2), &wsa) == 0;
}

void set_recv_timeout(socket_t fd, int seconds) {
  DWORD ms = (DWORD)seconds * 1000; /* Winsock takes milliseconds, not a timeval */
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, (const char *)&ms, sizeof ms);
}

/* _putenv_s changes the process environment too, which the library reads. */
int test_setenv(const char *name, const char *value, int overwrite) {
  if (!overwrite && getenv(name)) return 0;
  return _putenv_s(name, value) == 0 ? 0 : -1;
}

int test_unsetenv(const char *name) { return _putenv_s(name, "") == 0 ? 0 : -1; }

char *test_mkdtemp(char *template_path) {
  size_t len = strlen(template_path);
  if (_mktemp_s(template_path, len + 1) != 0 || _mkdir(template_path) != 0) return NULL;
  return template_path;
}

char *test_strndup(const char *s, size_t n) {
  size_t len = strnlen(s, n);
  char *out = malloc(len + 1);
  if (!out) return NULL;
  memcpy(out, s, len);
  out[len] = '\0';
  return out;
}
#else
bool platform_init(void) { return true; }

void set_recv_timeout(socket_t fd, int seconds) {
  struct timeval tv = {.tv_sec = seconds};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}
#endif

double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* ---- the sandbox ------------------------------------------------------- */

Sandbox SB;

/* Bad password with every character that needs encoding; must leak nowhere. */
const char MARKER[] = "Pw-Marker&%=9 +x";

char g_tmpdir[256];
int g_run; /* suffix that makes tags unique to this run */

char *read_file(const char *path) {
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

bool write_file(const char *path, const char *data) {
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

bool load_sandbox(void) {
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
  socket_t fd = socket(AF_INET, SOCK_STREAM, 0);
  if (!SOCKET_OK(fd)) return NULL;
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  set_recv_timeout(fd, 30);
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    close_socket(fd);
    return NULL;
  }
  char req[2048];
  int n = snprintf(req, sizeof req,
                   "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n", target,
                   port);
  if (n < 0 || (size_t)n >= sizeof req || send(fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
    close_socket(fd);
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
    long got = (long)recv(fd, buf + len, (int)(cap - len - 1), 0);
    if (got <= 0) break;
    len += (size_t)got;
  }
  close_socket(fd);
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
cJSON *admin(const char *fmt, ...) {
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

Stats stats(const char *tag) {
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

int requests_for(const char *tag) { return stats(tag).requests; }

/* The raw query string of the tag's request number `index` (malloc'd), or NULL. */
char *wire_query(const char *tag, int index) {
  cJSON *j = admin("/_sandbox/requests?tag=%s", tag);
  char *out = NULL;
  const cJSON *item = cJSON_GetArrayItem(j, index);
  const cJSON *q = cJSON_GetObjectItemCaseSensitive(item, "query");
  if (cJSON_IsString(q)) out = strdup(q->valuestring);
  cJSON_Delete(j);
  return out;
}

/* The tag's outbox (array of SMS), or NULL. */
cJSON *outbox(const char *tag) {
  cJSON *j = admin("/_sandbox/outbox?tag=%s", tag);
  if (j && !cJSON_IsArray(j)) {
    cJSON_Delete(j);
    j = NULL;
  }
  return j;
}

/* ---- query strings and secrets ----------------------------------------- */

int hexval(char c) {
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
int qcount(const char *query, const char *key) {
  struct ParamQuery q = {.key = key};
  each_param(query, count_param, &q);
  return q.count;
}

/* Whether the raw query has key=<value> once decoded (exactly one such key). */
bool qhas(const char *query, const char *key, const char *value) {
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
const char *const PASSWORD_FORMS[] = {
    "%PASSWORD%",      "%PASSWORD_PCT%",       "%PASSWORD_PCT_LOWER%", "%PASSWORD_FORM%",
    "%PASSWORD_HTML%", "%PASSWORD_JSON_HEX%", "%PASSWORD_HEAD%",
};
_Static_assert(sizeof PASSWORD_FORMS / sizeof PASSWORD_FORMS[0] == PASSWORD_FORM_COUNT,
               "PASSWORD_FORM_COUNT counts PASSWORD_FORMS");

void password_form(int i, const char *secret, char *out, size_t size) {
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
bool leak_free(const char *message) {
  return secret_absent(message, MARKER) && secret_absent(message, SB.password);
}

static bool ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Whether `word` (its first `len` bytes) is one of `list` ("a|b|c"). */
bool in_list(const char *list, const char *word, size_t len) {
  for (const char *n = list; n && *n;) {
    const char *bar = strchr(n, '|');
    size_t nlen = bar ? (size_t)(bar - n) : strlen(n);
    if (nlen == len && strncmp(n, word, len) == 0) return true;
    n = bar ? bar + 1 : NULL;
  }
  return false;
}

/* The message names one of `names` ("a|b"), and does not open with another argument's name. */
bool names_arg(const char *message, const char *names) {
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

void make_tag(char *out, size_t size, const char *name) {
  snprintf(out, size, "%s-%d", name, g_run);
}

/* https://127.0.0.1:<port>/t/<tag>[/fault/<mode>]/2FA/request.php */
void endpoint(char *out, size_t size, const char *scheme, int port, const char *tag,
              const char *fault) {
  snprintf(out, size, "%s://127.0.0.1:%d%s%s%s%s/2FA/request.php", scheme, port,
           tag ? "/t/" : "", tag ? tag : "", fault ? "/fault/" : "", fault ? fault : "");
}

IsmsStatus set_tag(IsmsClient *c, const char *tag, const char *fault) {
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
IsmsClient *client_for(const char *password, const char *tag, const char *fault,
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

/* The sandbox account's client on the https endpoint for the tag "<name>-<run>" (written
 * into `tag`), trusting the sandbox's CA; a check named `what` says whether it was made. */
IsmsClient *account_client(const char *name, char *tag, size_t size, const char *what) {
  make_tag(tag, size, name);
  IsmsClient *c = client_for(SB.password, tag, NULL, SB.ca_file);
  CHECK(c != NULL, "%s", what);
  return c;
}

/* A CA bundle trusted like the sandbox's CA, made unique by `k` copies of the other CA:
 * a client using it gets a connection pool of its own. */
char *pool_ca(int k) {
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
int closed_port(void) {
  socket_t fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 1;
  if (SOCKET_OK(fd) && bind(fd, (struct sockaddr *)&addr, sizeof addr) == 0 &&
      getsockname(fd, (struct sockaddr *)&addr, &len) == 0)
    port = ntohs(addr.sin_port);
  if (SOCKET_OK(fd)) close_socket(fd);
  return port;
}

static const char *const PROXY_VARS[] = {"http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy",
                                         "ALL_PROXY",  "no_proxy",    "NO_PROXY",    "HTTP_PROXY"};

void clear_proxy_env(void) {
  for (size_t i = 0; i < sizeof PROXY_VARS / sizeof PROXY_VARS[0]; i++) unsetenv(PROXY_VARS[i]);
}

/* ---- calls and outcomes ---------------------------------------------------- */

const char *const CALL_NAMES[] = {"send", "verify", "balance"};

/* What most tests call with: a valid send, and a verify of made-up ids. */
const CallArgs FIXED_ARGS = {.mobile = "0123456789",
                             .country_code = "60",
                             .message = "Code %OTP%",
                             .code = "123456",
                             .sms_id = "1171081025",
                             .uuid = "bd9a1ff0-4f2c-11eb",
                             .type = ISMS_TYPE_AUTO,
                             .interval = 5};

/* Copies `from` (NULL: "") into `to`; whether it was set. */
bool keep(Outcome *o, char *to, size_t size, const char *from) {
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
Outcome call_with(IsmsClient *c, enum Call what, const CallArgs *a) {
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
Outcome call(IsmsClient *c, enum Call what) { return call_with(c, what, &FIXED_ARGS); }

/* Readies `c` for a deadline on `tag` with `fault`: a warm connection first (a balance on
 * "<tag>-warm"), so that the deadline is spent on the reply alone (under memcheck a TLS
 * handshake can take most of it), then the fault and `timeout_ms`. False when a step failed;
 * *warm is the warm-up's outcome. */
bool warm_up(IsmsClient *c, const char *tag, const char *fault, uint32_t timeout_ms,
             Outcome *warm) {
  char wtag[80];
  snprintf(wtag, sizeof wtag, "%s-warm", tag);
  set_tag(c, wtag, NULL);
  *warm = call(c, BALANCE);
  return warm->status == ISMS_OK && set_tag(c, tag, fault) == ISMS_OK &&
         isms_client_set_timeout_ms(c, timeout_ms) == ISMS_OK;
}
