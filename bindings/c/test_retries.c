/* The C test program (main.c): retries and TLS. */
#include "common.h"

void test_retries(void) {
  g_area = "retries";
  char url[256];
  IsmsClient *c = isms_client_new(SB.username, MARKER);
  if (!CHECK(c != NULL, "client")) return;
  isms_client_set_ca_file(c, SB.ca_file);

  /* https on the drop port: lost during the TLS handshake, before any request byte. */
  Stats before = stats(NULL);
  endpoint(url, sizeof url, "https", SB.drop, "drop-https", NULL);
  CHECK(isms_client_set_endpoint(c, url) == ISMS_OK, "endpoint on the drop port (https)");
  Outcome o = call(c, SEND);
  Stats after = stats(NULL);
  CHECK(o.status == ISMS_ERR_CONNECT && o.http_status == 0,
        "lost in the TLS handshake -> ISMS_ERR_CONNECT (got %s: %s)",
        isms_status_name((int32_t)o.status), o.message);
  CHECK(after.drop - before.drop == 3, "tried 3 times: 1 + 2 retries (drop listener +%ld)",
        after.drop - before.drop);
  CHECK(leak_free(o.message), "no password in the message");

  /* plain http on the drop port: the request was written, then the connection closed. */
  before = stats(NULL);
  endpoint(url, sizeof url, "http", SB.drop, "drop-http", NULL);
  CHECK(isms_client_set_endpoint(c, url) == ISMS_OK, "endpoint on the drop port (http)");
  o = call(c, SEND);
  after = stats(NULL);
  CHECK(o.status == ISMS_ERR_CONNECT && o.http_status == 0,
        "closed after the request was written -> ISMS_ERR_CONNECT (got %s: %s)",
        isms_status_name((int32_t)o.status), o.message);
  CHECK(after.drop - before.drop == 1, "tried once: a written request is never repeated (+%ld)",
        after.drop - before.drop);
  CHECK(leak_free(o.message), "no password in the message");

  /* nothing listening */
  endpoint(url, sizeof url, "https", closed_port(), "refused", NULL);
  isms_client_set_endpoint(c, url);
  double t0 = now_ms();
  o = call(c, BALANCE);
  CHECK(o.status == ISMS_ERR_CONNECT && o.http_status == 0,
        "connection refused -> ISMS_ERR_CONNECT (got %s: %s, %.0f ms)",
        isms_status_name((int32_t)o.status), o.message, now_ms() - t0);
  CHECK(leak_free(o.message), "no password in the message");
  isms_client_free(c);

  /* TLS: certificates are verified, and a TLS failure is final. */
  g_area = "tls";
  char tag[64];
  make_tag(tag, sizeof tag, "tls-noca");
  c = client_for(MARKER, tag, NULL, NULL);
  before = stats(NULL);
  o = call(c, SEND);
  after = stats(NULL);
  CHECK(o.status == ISMS_ERR_TLS && o.http_status == 0,
        "no CA file: the sandbox's certificate is not trusted -> ISMS_ERR_TLS (got %s: %s)",
        isms_status_name((int32_t)o.status), o.message);
  CHECK(after.https - before.https == 1, "TLS failure not retried (https listener +%ld)",
        after.https - before.https);
  CHECK(requests_for(tag) == 0, "no request was sent over the untrusted connection");
  CHECK(leak_free(o.message), "no password in the message");
  isms_client_free(c);

  make_tag(tag, sizeof tag, "tls-otherca");
  c = client_for(MARKER, tag, NULL, SB.other_ca_file);
  CHECK(c != NULL, "other_ca_file is a valid PEM CA: accepted as a setting");
  before = stats(NULL);
  o = c ? call(c, BALANCE) : (Outcome){0};
  after = stats(NULL);
  CHECK(o.status == ISMS_ERR_TLS, "a CA that did not sign the server -> ISMS_ERR_TLS (got %s: %s)",
        isms_status_name((int32_t)o.status), o.message);
  CHECK(after.https - before.https == 1, "TLS failure not retried (https listener +%ld)",
        after.https - before.https);
  CHECK(requests_for(tag) == 0, "no request was sent");
  isms_client_free(c);
}
