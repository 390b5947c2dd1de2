/* The C test program (main.c): replies and fault modes: replies.json, faults.json. */
#include "common.h"

#include "cases.h"

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

void test_faults(void) {
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
