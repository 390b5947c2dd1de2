/* The C test program (main.c): NULL arguments and static strings. */
#include "common.h"

void test_nulls(void) {
  g_area = "null";
  char tag[64];
  IsmsClient *c = account_client("null", tag, sizeof tag, "client");
  if (!c) return;
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
      "ISMS_ERR_INTERNAL", "ISMS_ERR_RATE_LIMITED",     "ISMS_ERR_TOO_MANY_ATTEMPTS",
      "ISMS_ERR_NOT_ALLOWED", "ISMS_ERR_GUARD_STORE"};
  const int32_t count = (int32_t)(sizeof names / sizeof names[0]);
  for (int32_t i = 0; i < count; i++) {
    const char *n = isms_status_name(i);
    CHECK(n && strcmp(n, names[i]) == 0, "isms_status_name(%d) = %s", i, str_or(n));
  }
  /* the first value past the table, then values far outside it */
  const int32_t others[] = {-1, count, INT32_MAX, INT32_MIN};
  for (size_t i = 0; i < 4; i++) {
    const char *n = isms_status_name(others[i]);
    CHECK(n && strcmp(n, "ISMS_UNKNOWN") == 0, "isms_status_name(%d) = ISMS_UNKNOWN", others[i]);
  }
  CHECK(ISMS_OK == 0 && ISMS_ERR_INVALID_ARGUMENT == 1 && ISMS_ERR_AUTH == 2 &&
            ISMS_ERR_INSUFFICIENT_CREDIT == 3 && ISMS_ERR_OTP_INCORRECT == 4 &&
            ISMS_ERR_OTP_EXPIRED == 5 && ISMS_ERR_REJECTED == 6 && ISMS_ERR_TIMEOUT == 7 &&
            ISMS_ERR_CONNECT == 8 && ISMS_ERR_TLS == 9 && ISMS_ERR_HTTP_STATUS == 10 &&
            ISMS_ERR_BAD_RESPONSE == 11 && ISMS_ERR_INTERNAL == 12 &&
            ISMS_ERR_RATE_LIMITED == 13 && ISMS_ERR_TOO_MANY_ATTEMPTS == 14 &&
            ISMS_ERR_NOT_ALLOWED == 15 && ISMS_ERR_GUARD_STORE == 16 && ISMS_TYPE_AUTO == 0 &&
            ISMS_TYPE_ASCII == 1 && ISMS_TYPE_UNICODE == 2,
        "enum values as in the contract");
  const char *version = isms_version();
  int major = -1, minor = -1, patch = -1;
  CHECK(version && *version && sscanf(version, "%d.%d.%d", &major, &minor, &patch) == 3,
        "isms_version() = %s", str_or(version));
  isms_client_free(c);
}
