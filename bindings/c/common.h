/*
 * What every part of the C test program shares (common.c): the checks and
 * their counters, the sandbox's state and its admin endpoints (read with a
 * tiny HTTP/1.1 client), the query-string codec and the forms of a secret,
 * clients on a tag's endpoint, and one call with what it gave back.
 *
 * Include it first: it asks for POSIX 2008 before any system header.
 */
#ifndef ISMS_C_TEST_COMMON_H
#define ISMS_C_TEST_COMMON_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "isms.h"
#include "platform.h"

/* ---- checks ------------------------------------------------------------ */

extern int g_passed, g_failed;
extern const char *g_area; /* the group running, shown on every check */
extern bool g_valgrind;    /* under memcheck: slower, some budgets wider */
extern int g_skipped;      /* checks not run on this platform (skip) */

bool check_at(bool ok, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define CHECK(cond, ...) check_at((cond), __FILE__, __LINE__, __VA_ARGS__)

/* A check this platform cannot run: one "skip" line with the reason, counted. */
void skip(const char *what, const char *reason);

const char *str_or(const char *s);

/* A status check that shows what came back. */
#define CHECK_STATUS(got, want, message, what)                                       \
  CHECK((int)(got) == (int)(want), "%s -> %s (got %s: %s)", (what),                \
        isms_status_name((int32_t)(want)), isms_status_name((int32_t)(got)),        \
        str_or(message))

double now_ms(void);

/* ---- the sandbox ------------------------------------------------------- */

typedef struct {
  int https, http, proxy, socks, drop;
  char ca_file[1024], other_ca_file[1024], username[256], password[256];
} Sandbox;

extern Sandbox SB;
extern const char MARKER[];
extern char g_tmpdir[256];
extern int g_run;

char *read_file(const char *path);
bool write_file(const char *path, const char *data);
bool load_sandbox(void);
cJSON *admin(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

typedef struct {
  int requests, connections; /* -1 when the sandbox could not be asked */
  long https, http, proxy, socks, drop;
  int n_ids;
  long ids[256];
} Stats;

Stats stats(const char *tag);
int requests_for(const char *tag);
char *wire_query(const char *tag, int index);
cJSON *outbox(const char *tag);

/* ---- query strings and secrets ----------------------------------------- */

int hexval(char c);
int qcount(const char *query, const char *key);
bool qhas(const char *query, const char *key, const char *value);

extern const char *const PASSWORD_FORMS[];
enum { PASSWORD_FORM_COUNT = 7 };
void password_form(int i, const char *secret, char *out, size_t size);
bool leak_free(const char *message);
bool in_list(const char *list, const char *word, size_t len);
bool names_arg(const char *message, const char *names);

/* ---- clients and endpoints --------------------------------------------- */

void make_tag(char *out, size_t size, const char *name);
void endpoint(char *out, size_t size, const char *scheme, int port, const char *tag,
              const char *fault);
IsmsStatus set_tag(IsmsClient *c, const char *tag, const char *fault);
IsmsClient *client_for(const char *password, const char *tag, const char *fault,
                       const char *ca);
IsmsClient *account_client(const char *name, char *tag, size_t size, const char *what);
char *pool_ca(int k);
int closed_port(void);
void clear_proxy_env(void);

/* ---- calls and outcomes -------------------------------------------------- */

enum Call { SEND, VERIFY, BALANCE };
extern const char *const CALL_NAMES[];

/* The arguments of a send or a verify; any string may be NULL. */
typedef struct {
  const char *mobile, *country_code, *message, *code, *sms_id, *uuid, *sender_id;
  int32_t type;
  uint32_t interval;
  char *owned[6]; /* the strings read_args allocated (free_args) */
} CallArgs;

extern const CallArgs FIXED_ARGS;

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

bool keep(Outcome *o, char *to, size_t size, const char *from);
Outcome call_with(IsmsClient *c, enum Call what, const CallArgs *a);
Outcome call(IsmsClient *c, enum Call what);
bool warm_up(IsmsClient *c, const char *tag, const char *fault, uint32_t timeout_ms,
             Outcome *warm);

/* ---- the test groups (test_<group>.c), in the order main.c runs them ------- */

void test_nulls(void);
void test_settings(void);
void test_flow(void);
void test_expiry(void);
void test_wrong_password(void);
void test_inputs(void);
void test_faults(void);
void test_timeouts(void);
void test_retries(void);
void test_proxies(void);
void test_threads(void);
void test_fork(void);
void test_guard(void);

#endif
