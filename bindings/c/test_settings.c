/* The C test program (main.c): settings. */
#include "common.h"

#include "cases.h"

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

void test_settings(void) {
  g_area = "settings";
  char tag[64], url[512];
  IsmsClient *c = account_client("settings", tag, sizeof tag, "client");
  if (!c) return;
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
