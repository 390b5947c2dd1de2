/* The C test program (main.c): the guard, from tests/cases/guard.json (format: its "about"). */
#include "common.h"

#include <time.h>

#include "cases.h"

static const struct {
  const char *key;
  int32_t limit;
} LIMITS[] = {
    {"code_attempts", ISMS_LIMIT_CODE_ATTEMPTS},     {"code_lifetime", ISMS_LIMIT_CODE_LIFETIME_S},
    {"resend_cooldown", ISMS_LIMIT_RESEND_COOLDOWN_S}, {"sends_per_window", ISMS_LIMIT_SENDS_PER_WINDOW},
    {"send_window", ISMS_LIMIT_SEND_WINDOW_S},       {"failures_per_hour", ISMS_LIMIT_FAILURES_PER_HOUR},
};

/* Applies a case's guard settings; the first refusal's status (ISMS_OK when none). */
static IsmsStatus guard_settings(IsmsClient *c, const cJSON *kase) {
  const cJSON *limits = field(kase, "limits"), *item;
  cJSON_ArrayForEach(item, limits) {
    int32_t limit = -1;
    for (size_t i = 0; i < sizeof LIMITS / sizeof LIMITS[0]; i++) {
      if (strcmp(item->string, LIMITS[i].key) == 0) limit = LIMITS[i].limit;
    }
    IsmsStatus st = isms_client_set_guard_limit(c, limit, (uint32_t)item->valuedouble);
    if (st != ISMS_OK) return st;
  }
  const cJSON *guard = field(kase, "guard");
  if (cJSON_IsString(guard)) {
    IsmsStatus st = isms_client_set_guard(c, guard->valuestring);
    if (st != ISMS_OK) return st;
  }
  const cJSON *allowed = field(kase, "allowed_countries");
  if (cJSON_IsString(allowed)) return isms_client_set_allowed_countries(c, allowed->valuestring);
  return ISMS_OK;
}

static void wrong_code(const char *right, char *out) {
  snprintf(out, 16, "%s", right);
  if (strlen(out) == 6) out[5] = out[5] == '9' ? '0' : (char)(out[5] + 1);
}

typedef struct {
  char code[16], sms_id[32], uuid[80];
} Sent;

static void run_case(int index, const cJSON *kase) {
  const char *name = cJSON_GetStringValue(field(kase, "name"));
  char tag[64], label[32];
  snprintf(label, sizeof label, "guard-%d", index);
  IsmsClient *guarded = account_client(label, tag, sizeof tag, "guarded client");
  IsmsClient *plain = client_for(SB.password, tag, NULL, SB.ca_file);
  if (!guarded || !plain) {
    isms_client_free(guarded);
    isms_client_free(plain);
    return;
  }
  CHECK(guard_settings(guarded, kase) == ISMS_OK, "%s: settings accepted (%s)", name,
        str_or(isms_last_error_message()));
  Sent sent[8];
  int n_sent = 0;
  const cJSON *step;
  cJSON_ArrayForEach(step, field(kase, "steps")) {
    const cJSON *sleep_ms = field(step, "sleep_ms");
    if (cJSON_IsNumber(sleep_ms)) {
      struct timespec ts = {(time_t)(sleep_ms->valueint / 1000), (long)(sleep_ms->valueint % 1000) * 1000000L};
      nanosleep(&ts, NULL);
      continue;
    }
    IsmsClient *c = cJSON_IsString(field(step, "client")) ? plain : guarded;
    char mobile[32];
    const char *letter = cJSON_GetStringValue(field(step, "number"));
    snprintf(mobile, sizeof mobile, "01%02d%02d%d000", g_run % 90 + 10, index, letter[0] - 'a');
    int before = requests_for(tag);
    int status, attempts_left = -2;
    uint32_t retry_after = 0;
    if (strcmp(cJSON_GetStringValue(field(step, "call")), "send") == 0) {
      IsmsSendResult *s = isms_send_otp(c, mobile, "60", "Your code is %OTP%", ISMS_TYPE_AUTO, NULL);
      status = s->status;
      retry_after = s->retry_after_s;
      if (s->status == ISMS_OK && n_sent < 8) {
        snprintf(sent[n_sent].code, sizeof sent[0].code, "%s", str_or(s->code));
        snprintf(sent[n_sent].sms_id, sizeof sent[0].sms_id, "%s", str_or(s->sms_id));
        snprintf(sent[n_sent].uuid, sizeof sent[0].uuid, "%s", str_or(s->uuid));
        n_sent++;
      }
      isms_send_result_free(s);
    } else {
      const cJSON *of_v = field(step, "of");
      int of = cJSON_IsNumber(of_v) ? of_v->valueint : 0;
      if (of >= n_sent) {
        CHECK(false, "%s: a verify of send %d, which did not happen", name, of);
        continue;
      }
      char code[16];
      if (strcmp(cJSON_GetStringValue(field(step, "code")), "right") == 0) {
        snprintf(code, sizeof code, "%s", sent[of].code);
      } else {
        wrong_code(sent[of].code, code);
      }
      const cJSON *sms = field(step, "sms_id");
      const char *sms_id = cJSON_IsString(sms) && strcmp(sms->valuestring, "other") == 0 ? "1" : sent[of].sms_id;
      IsmsVerifyResult *v = isms_verify_otp(c, mobile, "60", code, sms_id, sent[of].uuid, 0, NULL);
      status = v->status;
      retry_after = v->retry_after_s;
      attempts_left = v->attempts_left;
      isms_verify_result_free(v);
    }
    const cJSON *expect = field(step, "expect");
    char *shown = cJSON_PrintUnformatted(step);
    int want = status_named(field(expect, "status"));
    CHECK(status == want, "%s: %s -> %s (got %s)", name, shown, isms_status_name(want),
          isms_status_name(status));
    bool reached = requests_for(tag) > before;
    CHECK(reached == cJSON_IsTrue(field(expect, "reached")), "%s: %s: reached the gateway: %s", name, shown,
          reached ? "yes" : "no");
    const cJSON *left = field(expect, "attempts_left");
    if (left && attempts_left != -2) {
      int want_left = cJSON_IsNumber(left) ? left->valueint : -1;
      CHECK(attempts_left == want_left, "%s: %s: attempts_left %d (got %d)", name, shown, want_left,
            attempts_left);
    }
    const cJSON *range = field(expect, "retry_after");
    if (cJSON_IsArray(range)) {
      int lo = cJSON_GetArrayItem(range, 0)->valueint, hi = cJSON_GetArrayItem(range, 1)->valueint;
      CHECK((int)retry_after >= lo && (int)retry_after <= hi, "%s: %s: retry_after %u in [%d, %d]", name, shown,
            retry_after, lo, hi);
    }
    cJSON_free(shown);
  }
  isms_client_free(guarded);
  isms_client_free(plain);
}

void test_guard(void) {
  g_area = "guard";
  const char *dir = getenv("ISMS_CASES_DIR");
  char path[1024];
  snprintf(path, sizeof path, "%s/guard.json", dir && *dir ? dir : "tests/cases");
  char *text = read_file(path);
  cJSON *root = text ? cJSON_Parse(text) : NULL;
  free(text);
  const cJSON *cases = field(root, "cases"), *refusals = field(root, "refusals"), *kase;
  CHECK(cJSON_IsArray(cases) && cJSON_GetArraySize(cases) > 0 && cJSON_IsArray(refusals),
        "%s: readable, with cases and refusals", path);
  int index = 0;
  cJSON_ArrayForEach(kase, cases) { run_case(index++, kase); }
  cJSON_ArrayForEach(kase, refusals) {
    const char *name = cJSON_GetStringValue(field(kase, "name"));
    char tag[64];
    IsmsClient *c = account_client("guard-refused", tag, sizeof tag, "client for a refused setting");
    if (!c) continue;
    IsmsStatus st = guard_settings(c, kase);
    char names[256] = "";
    bool named = false;
    const cJSON *n;
    cJSON_ArrayForEach(n, field(kase, "names")) {
      const char *msg = isms_last_error_message();
      named = named || (msg && cJSON_IsString(n) && strstr(msg, n->valuestring));
      snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", names[0] ? "|" : "",
               cJSON_GetStringValue(n));
    }
    CHECK(st == ISMS_ERR_INVALID_ARGUMENT && named,
          "refused: %s -> ISMS_ERR_INVALID_ARGUMENT naming %s (got %s: %s)", name, names,
          isms_status_name(st), str_or(isms_last_error_message()));
    isms_client_free(c);
  }
  cJSON_Delete(root);
}
