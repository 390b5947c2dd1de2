/*
 * No copy of a client's password, or of its proxy's credentials, is left
 * anywhere in the process once the client is freed: this program makes a
 * password and proxy credentials at run time (never in the environment or
 * on the command line), makes 50 rounds of calls with them against the
 * sandbox (some through its HTTP proxy with the credentials), frees the
 * client, wipes its own copies, dumps its own memory with gcore, and counts
 * every encoding of the secrets in the dump: there must be none. A control
 * string that is deliberately kept must be found, so the check can fail.
 *
 * Run by `make coredump-test` under scripts/with-sandbox.sh.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "isms.h"

#define ROUNDS 50

static int failures, passes;

#define CHECK(cond, ...)                         \
  do {                                           \
    if (cond) {                                  \
      printf("ok   ");                           \
      passes++;                                  \
    } else {                                     \
      printf("FAIL ");                           \
      failures++;                                \
    }                                            \
    printf(__VA_ARGS__);                         \
    printf("\n");                                \
  } while (0)

/* Secrets are kept XOR-masked while the dump is taken, so the program's own
 * copy cannot be what is found. */
static unsigned char mask[64];

static void random_bytes(unsigned char *out, size_t n) {
  FILE *f = fopen("/dev/urandom", "rb");
  if (!f || fread(out, 1, n, f) != n) {
    perror("/dev/urandom");
    exit(2);
  }
  fclose(f);
}

static void masked(char *dst, const char *src, size_t n) {
  for (size_t i = 0; i < n; i++) dst[i] = (char)(src[i] ^ mask[i % sizeof mask]);
}

/* A secret made of random letters around characters that every encoding
 * changes (so each form differs from the plain one). */
static void make_secret(char *out, const char *prefix, int with_specials) {
  static const char letters[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  unsigned char r[12];
  random_bytes(r, sizeof r);
  size_t len = strlen(prefix);
  memcpy(out, prefix, len);
  for (size_t i = 0; i < 6; i++) out[len++] = letters[r[i] % (sizeof letters - 1)];
  if (with_specials) {
    memcpy(out + len, "&=% x<\"", 7);
    len += 7;
  }
  for (size_t i = 6; i < 12; i++) out[len++] = letters[r[i] % (sizeof letters - 1)];
  out[len] = '\0';
}

static const char *getenv_or_die(const char *name) {
  const char *v = getenv(name);
  if (!v || !*v) {
    fprintf(stderr, "%s is not set: run under scripts/with-sandbox.sh\n", name);
    exit(2);
  }
  return v;
}

static int sandbox_port(const char *key) {
  const char *path = getenv_or_die("ISMS_SANDBOX_STATE");
  FILE *f = fopen(path, "r");
  char buf[4096] = {0};
  if (!f || fread(buf, 1, sizeof buf - 1, f) == 0) exit(2);
  fclose(f);
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\":", key);
  const char *at = strstr(buf, pat);
  return at ? atoi(at + strlen(pat)) : -1;
}

/* ---- the encodings searched for ----------------------------------------- */

static void pct(char *out, const char *s, int lower, int plus) {
  const char *hex = lower ? "0123456789abcdef" : "0123456789ABCDEF";
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("-._~", c)) {
      *out++ = (char)c;
    } else if (plus && c == ' ') {
      *out++ = '+';
    } else {
      *out++ = '%';
      *out++ = hex[c >> 4];
      *out++ = hex[c & 15];
    }
  }
  *out = '\0';
}

static void html(char *out, const char *s) {
  for (; *s; s++) {
    switch (*s) {
      case '&': out += sprintf(out, "&amp;"); break;
      case '<': out += sprintf(out, "&lt;"); break;
      case '>': out += sprintf(out, "&gt;"); break;
      case '"': out += sprintf(out, "&quot;"); break;
      default: *out++ = *s;
    }
  }
  *out = '\0';
}

static void json(char *out, const char *s) {
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') {
      *out++ = '\\';
      *out++ = *s;
    } else if (*s == '&' || *s == '<' || *s == '>' || *s == '=') {
      out += sprintf(out, "\\u%04x", (unsigned char)*s);
    } else {
      *out++ = *s;
    }
  }
  *out = '\0';
}

static void base64(char *out, const char *s) {
  static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t n = strlen(s), i = 0;
  for (; i + 2 < n; i += 3) {
    uint32_t v = ((uint32_t)(unsigned char)s[i] << 16) | ((uint32_t)(unsigned char)s[i + 1] << 8) | (unsigned char)s[i + 2];
    *out++ = t[v >> 18];
    *out++ = t[(v >> 12) & 63];
    *out++ = t[(v >> 6) & 63];
    *out++ = t[v & 63];
  }
  /* The tail is left out: the full groups are unique enough to search. */
  *out = '\0';
}

static size_t count_in(const unsigned char *hay, size_t n, const char *needle) {
  size_t len = strlen(needle), found = 0;
  const unsigned char *p = hay, *end = hay + n;
  while (len && p < end) {
    const unsigned char *hit = memmem(p, (size_t)(end - p), needle, len);
    if (!hit) break;
    found++;
    p = hit + 1;
  }
  return found;
}

static unsigned char *read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  struct stat st;
  if (fstat(fileno(f), &st) != 0) exit(2);
  unsigned char *data = malloc((size_t)st.st_size);
  if (!data || fread(data, 1, (size_t)st.st_size, f) != (size_t)st.st_size) exit(2);
  fclose(f);
  *size = (size_t)st.st_size;
  return data;
}

int main(void) {
  /* gdb attaches to this process from a child. */
  prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
  random_bytes(mask, sizeof mask);

  char password[64], proxy_pw[64], control[64];
  make_secret(password, "Pw", 1);
  make_secret(proxy_pw, "Px", 0);
  make_secret(control, "Ctl", 0);
  size_t pw_len = strlen(password), proxy_len = strlen(proxy_pw), control_len = strlen(control);
  char kept_password[64], kept_proxy[64];
  masked(kept_password, password, pw_len);
  masked(kept_proxy, proxy_pw, proxy_len);
  /* The control stays in the heap on purpose. */
  char *control_copy = strdup(control);

  const char *endpoint = getenv_or_die("ISMS_ENDPOINT");
  const char *ca = getenv_or_die("ISMS_CA_FILE");
  int proxy_port = sandbox_port("proxy_port");
  CHECK(proxy_port > 0, "the sandbox's proxy port is %d", proxy_port);

  char proxy_url[160];
  snprintf(proxy_url, sizeof proxy_url, "http://otp-proxy-user:%s@127.0.0.1:%d", proxy_pw, proxy_port);

  IsmsClient *client = isms_client_new(getenv_or_die("ISMS_USERNAME"), password);
  CHECK(client != NULL, "client made with a password made at run time");
  CHECK(isms_client_set_endpoint(client, endpoint) == ISMS_OK, "endpoint set");
  CHECK(isms_client_set_ca_file(client, ca) == ISMS_OK, "CA file set");
  int auth = 0, through_proxy = 0;
  for (int round = 0; round < ROUNDS; round++) {
    int proxied = (round / 10) % 2 == 1;
    CHECK(isms_client_set_proxy(client, proxied ? proxy_url : "") == ISMS_OK, "round %d: proxy %s", round,
          proxied ? "with credentials" : "none");
    through_proxy += proxied;
    /* The password is wrong for the sandbox's account: every call is a full
     * request that the gateway refuses. */
    IsmsBalanceResult *b = isms_balance(client);
    auth += b->status == ISMS_ERR_AUTH;
    isms_balance_result_free(b);
    IsmsSendResult *s = isms_send_otp(client, "0123456789", "60", "Code %OTP%", ISMS_TYPE_AUTO, NULL);
    auth += s->status == ISMS_ERR_AUTH;
    isms_send_result_free(s);
    IsmsVerifyResult *v = isms_verify_otp(client, "0123456789", "60", "123456", "1171081025", "uuid-1", 5, NULL);
    auth += v->status == ISMS_ERR_AUTH;
    isms_verify_result_free(v);
  }
  CHECK(auth == 3 * ROUNDS, "%d of %d calls reached the gateway and were refused as ISMS_ERR_AUTH", auth, 3 * ROUNDS);
  CHECK(through_proxy == 20, "%d rounds went through the proxy with credentials", through_proxy);
  isms_client_free(client);

  /* Our own copies go. */
  explicit_bzero(password, sizeof password);
  explicit_bzero(proxy_pw, sizeof proxy_pw);
  explicit_bzero(proxy_url, sizeof proxy_url);
  explicit_bzero(control, sizeof control);

  char core_base[128], command[256], core_path[160];
  snprintf(core_base, sizeof core_base, "%s/isms-core", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  snprintf(command, sizeof command, "gcore -o %s %d >/dev/null 2>&1", core_base, (int)getpid());
  int rc = system(command);
  snprintf(core_path, sizeof core_path, "%s.%d", core_base, (int)getpid());
  size_t core_size = 0;
  unsigned char *core = read_file(core_path, &core_size);
  CHECK(rc == 0 && core != NULL, "gcore dumped this process (%zu bytes)", core_size);
  if (!core) return 1;
  unlink(core_path);

  /* Unmask the secrets to search for them. */
  char secret[64] = {0}, proxy_secret[64] = {0};
  masked(secret, kept_password, pw_len);
  masked(proxy_secret, kept_proxy, proxy_len);
  char forms[8][256], label[8][32];
  int n = 0;
  snprintf(forms[n], sizeof forms[n], "%s", secret), snprintf(label[n++], 32, "plain");
  pct(forms[n], secret, 0, 0), snprintf(label[n++], 32, "percent-encoded");
  pct(forms[n], secret, 1, 0), snprintf(label[n++], 32, "percent, lower case");
  pct(forms[n], secret, 0, 1), snprintf(label[n++], 32, "form-encoded");
  html(forms[n], secret), snprintf(label[n++], 32, "HTML-escaped");
  json(forms[n], secret), snprintf(label[n++], 32, "JSON-escaped");
  size_t total = 0;
  for (int i = 0; i < n; i++) {
    size_t c = count_in(core, core_size, forms[i]);
    total += c;
    CHECK(c == 0, "password, %s: %zu copies in the dump", label[i], c);
    if (c && getenv("ISMS_COREDUMP_SHOW")) {
      const unsigned char *hit = memmem(core, core_size, forms[i], strlen(forms[i]));
      size_t from = (size_t)(hit - core) > 200 ? (size_t)(hit - core) - 200 : 0;
      fwrite(core + from, 1, 400, stdout);
      printf("\n");
    }
  }
  char credentials[128], b64[256];
  snprintf(credentials, sizeof credentials, "otp-proxy-user:%s", proxy_secret);
  base64(b64, credentials);
  size_t c = count_in(core, core_size, proxy_secret);
  CHECK(c == 0, "proxy password, plain: %zu copies in the dump", c);
  total += c;
  c = count_in(core, core_size, b64);
  CHECK(c == 0, "proxy credentials, Basic (base64): %zu copies in the dump", c);
  total += c;
  c = count_in(core, core_size, control_copy);
  CHECK(c >= 1, "the control string that was kept is found (%zu copies): the scan works", c);
  printf("core dump: %zu bytes, %zu copies of the secrets\n", core_size, total);
  free(core);
  free(control_copy);
  (void)control_len;
  printf("%d passed, %d failed\n", passes, failures);
  return failures ? 1 : 0;
}
