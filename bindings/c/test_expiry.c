/* The C test program (main.c): expiry. */
#include "common.h"

void test_expiry(void) {
  g_area = "expiry";
  char tag[64];
  IsmsClient *c = account_client("expiry", tag, sizeof tag, "client");
  if (!c) return;
  IsmsSendResult *s = isms_send_otp(c, "0123456789", "60", "Code %OTP%", ISMS_TYPE_ASCII, NULL);
  CHECK_STATUS(s->status, ISMS_OK, s->message, "send");
  cJSON *ok = admin("/_sandbox/advance?seconds=400");
  CHECK(ok != NULL, "sandbox clock moved 400 s on");
  cJSON_Delete(ok);
  IsmsVerifyResult *v = isms_verify_otp(c, "0123456789", "60", str_or(s->code), str_or(s->sms_id),
                                        str_or(s->uuid), 5, NULL);
  CHECK_STATUS(v->status, ISMS_ERR_OTP_EXPIRED, v->message, "verify 400 s later, interval 5");
  CHECK(v->http_status == 200 && v->message && strstr(v->message, "OTP Code Expired"),
        "expired: http 200, gateway message kept (%s)", str_or(v->message));
  isms_verify_result_free(v);
  /* interval 0 = not sent: the gateway applies no expiry, and the code is right. */
  v = isms_verify_otp(c, "0123456789", "60", str_or(s->code), str_or(s->sms_id), str_or(s->uuid), 0,
                      NULL);
  CHECK_STATUS(v->status, ISMS_OK, v->message, "verify with interval 0 (not sent)");
  isms_verify_result_free(v);
  char *q = wire_query(tag, 2);
  CHECK(q && qcount(q, "interval") == 0, "wire: interval 0 is not sent");
  free(q);
  isms_send_result_free(s);
  CHECK(requests_for(tag) == 3, "3 requests (got %d)", requests_for(tag));
  isms_client_free(c);
}
