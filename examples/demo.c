/*
 * The OTP login flow in C: send a code, read the SMS (here: the sandbox's
 * outbox, as a person reads their phone), verify a wrong code, verify the
 * right one, check the balance.
 *
 * Run it with `make demo`, which starts the local sandbox gateway and sets:
 *   ISMS_ENDPOINT, ISMS_CA_FILE, ISMS_USERNAME, ISMS_PASSWORD, ISMS_OUTBOX
 * Without ISMS_ENDPOINT it would talk to the real gateway.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isms.h"

static const char *env_or(const char *name, const char *fallback) {
  const char *value = getenv(name);
  return value && *value ? value : fallback;
}

/* The code in the last SMS of the outbox file (one JSON object per line). */
static int read_code_from_phone(const char *outbox, char *code, size_t size) {
  FILE *f = fopen(outbox, "r");
  char line[4096], last[4096] = "";
  if (!f) return -1;
  while (fgets(line, sizeof line, f)) memcpy(last, line, sizeof last);
  fclose(f);
  const char *key = strstr(last, "\"code\":\"");
  if (!key) return -1;
  key += strlen("\"code\":\"");
  size_t n = strcspn(key, "\"");
  if (n == 0 || n >= size) return -1;
  memcpy(code, key, n);
  code[n] = '\0';
  return 0;
}

static int fail(const char *step, IsmsStatus status, const char *message) {
  fprintf(stderr, "%s failed: %s: %s\n", step, isms_status_name(status),
          message ? message : "");
  return 1;
}

int main(void) {
  const char *mobile = "012-345 6789", *country = "60";
  int rc = 0;

  printf("libisms %s\n", isms_version());
  IsmsClient *client = isms_client_new(env_or("ISMS_USERNAME", "demo"),
                                       env_or("ISMS_PASSWORD", "demo-secret"));
  if (!client) {
    fprintf(stderr, "isms_client_new: %s\n", isms_last_error_message());
    return 1;
  }
  if (isms_client_set_endpoint(client, getenv("ISMS_ENDPOINT")) != ISMS_OK ||
      isms_client_set_ca_file(client, getenv("ISMS_CA_FILE")) != ISMS_OK ||
      isms_client_set_timeout_ms(client, 10000) != ISMS_OK) {
    fprintf(stderr, "settings: %s\n", isms_last_error_message());
    isms_client_free(client);
    return 1;
  }

  /* 1. Send. Keep uuid, sms_id (and code) on the server, never in the page. */
  IsmsSendResult *sent = isms_send_otp(client, mobile, country,
                                       "Your demo login code is %OTP%. It expires in 5 minutes.",
                                       ISMS_TYPE_AUTO, NULL);
  if (sent->status != ISMS_OK) {
    rc = fail("send", sent->status, sent->message);
    isms_send_result_free(sent);
    isms_client_free(client);
    return rc;
  }
  printf("1. sent an OTP to %s (sms_id %s, uuid %s)\n", sent->mobile ? sent->mobile : mobile,
         sent->sms_id, sent->uuid);

  /* 2. The user reads the SMS on their phone. */
  char typed[16];
  if (read_code_from_phone(env_or("ISMS_OUTBOX", "outbox.jsonl"), typed, sizeof typed) != 0) {
    fprintf(stderr, "could not read the SMS from the outbox\n");
    rc = 1;
    goto out;
  }
  printf("2. the phone shows the code %s\n", typed);

  /* 3. A wrong code is refused. */
  const char *wrong = strcmp(typed, "000000") == 0 ? "111111" : "000000";
  IsmsVerifyResult *check = isms_verify_otp(client, mobile, country, wrong, sent->sms_id,
                                            sent->uuid, 5, NULL);
  printf("3. verify %s -> %s (%s)\n", wrong, isms_status_name(check->status),
         check->message ? check->message : "");
  if (check->status != ISMS_ERR_OTP_INCORRECT) rc = 1;
  isms_verify_result_free(check);

  /* 4. The right code is accepted. */
  check = isms_verify_otp(client, mobile, country, typed, sent->sms_id, sent->uuid, 5, NULL);
  printf("4. verify %s -> %s\n", typed, isms_status_name(check->status));
  if (check->status != ISMS_OK) rc = fail("verify", check->status, check->message);
  isms_verify_result_free(check);

  /* 5. What is left on the account. */
  IsmsBalanceResult *balance = isms_balance(client);
  if (balance->status == ISMS_OK) {
    printf("5. balance: %.1f credits, expiring %s (%s)\n", balance->balance,
           balance->expiration ? balance->expiration : "?",
           balance->expiration_iso ? balance->expiration_iso : "unparsed");
  } else {
    rc = fail("balance", balance->status, balance->message);
  }
  isms_balance_result_free(balance);

out:
  isms_send_result_free(sent);
  isms_client_free(client);
  printf(rc == 0 ? "demo: the whole flow worked\n" : "demo: something went wrong\n");
  return rc;
}
