/* The C test program (main.c): input rules: send_inputs.json, verify_inputs.json. */
#include "common.h"

#include "cases.h"

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

void test_inputs(void) {
  g_area = "inputs";
  g_inputs = client_for(SB.password, "unused", NULL, SB.ca_file);
  if (!CHECK(g_inputs != NULL, "client")) return;
  input_file(SEND, "send_inputs.json", "name|expect|mobile|country_code|message|type|sender_id");
  input_file(VERIFY, "verify_inputs.json",
             "name|expect|mobile|country_code|code|sms_id|uuid|interval|sender_id");
  isms_client_free(g_inputs);
  g_inputs = NULL;
}
