/* The C test program (main.c): the OTP flow. */
#include "common.h"

static const char *sms_field(const cJSON *sms, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(sms, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
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

void test_flow(void) {
  g_area = "flow";
  char tag[64];
  IsmsClient *c = account_client("flow", tag, sizeof tag, "client for the sandbox account");
  if (!c) return;

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
