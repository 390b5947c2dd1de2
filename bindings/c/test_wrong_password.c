/* The C test program (main.c): wrong password. */
#include "common.h"

void test_wrong_password(void) {
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
