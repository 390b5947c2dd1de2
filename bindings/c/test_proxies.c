/* The C test program (main.c): proxies. */
#include "common.h"

void test_proxies(void) {
  g_area = "proxy";
  char tag[64], purl[128], dead[128];
  snprintf(dead, sizeof dead, "http://127.0.0.1:%d", closed_port());

  IsmsClient *c = account_client("proxy-http", tag, sizeof tag, "client");
  if (!c) return;
  snprintf(purl, sizeof purl, "http://127.0.0.1:%d", SB.proxy);
  CHECK(isms_client_set_proxy(c, purl) == ISMS_OK, "proxy %s accepted", purl);
  Stats before = stats(NULL);
  IsmsSendResult *s = isms_send_otp(c, "0123456789", "60", "Code %OTP%", 0, NULL);
  CHECK_STATUS(s->status, ISMS_OK, s->message, "send through the HTTP CONNECT proxy");
  IsmsVerifyResult *v = isms_verify_otp(c, "0123456789", "60", str_or(s->code), str_or(s->sms_id),
                                        str_or(s->uuid), 5, NULL);
  CHECK_STATUS(v->status, ISMS_OK, v->message, "verify through the HTTP CONNECT proxy");
  isms_verify_result_free(v);
  isms_send_result_free(s);
  Stats after = stats(NULL);
  CHECK(after.proxy > before.proxy, "the HTTP proxy opened a tunnel (+%ld)",
        after.proxy - before.proxy);
  CHECK(requests_for(tag) == 2, "2 requests arrived (got %d)", requests_for(tag));

  make_tag(tag, sizeof tag, "proxy-socks");
  set_tag(c, tag, NULL);
  snprintf(purl, sizeof purl, "socks5://127.0.0.1:%d", SB.socks);
  CHECK(isms_client_set_proxy(c, purl) == ISMS_OK, "proxy %s accepted", purl);
  before = stats(NULL);
  s = isms_send_otp(c, "0123456789", "60", "Code %OTP%", 0, NULL);
  CHECK_STATUS(s->status, ISMS_OK, s->message, "send through the SOCKS5 proxy");
  isms_send_result_free(s);
  Outcome o = call(c, BALANCE);
  CHECK_STATUS(o.status, ISMS_OK, o.message, "balance through the SOCKS5 proxy");
  after = stats(NULL);
  CHECK(after.socks > before.socks, "the SOCKS5 proxy opened a tunnel (+%ld)",
        after.socks - before.socks);
  CHECK(requests_for(tag) == 2, "2 requests arrived (got %d)", requests_for(tag));

  /* A proxy that is down is a connect error, never a silent direct connection. */
  make_tag(tag, sizeof tag, "proxy-dead");
  set_tag(c, tag, NULL);
  isms_client_set_proxy(c, dead);
  o = call(c, BALANCE);
  CHECK(o.status == ISMS_ERR_CONNECT, "a dead proxy -> ISMS_ERR_CONNECT (got %s: %s)",
        isms_status_name((int32_t)o.status), o.message);
  CHECK(requests_for(tag) == 0, "nothing went around the dead proxy");

  /* "" = direct whatever the environment says */
  make_tag(tag, sizeof tag, "proxy-env-direct");
  set_tag(c, tag, NULL);
  setenv("https_proxy", dead, 1);
  setenv("HTTPS_PROXY", dead, 1);
  setenv("ALL_PROXY", dead, 1);
  CHECK(isms_client_set_proxy(c, "") == ISMS_OK, "proxy \"\" with https_proxy set to a dead proxy");
  o = call(c, BALANCE);
  CHECK_STATUS(o.status, ISMS_OK, o.message, "direct connection despite the environment");
  CHECK(requests_for(tag) == 1, "the request arrived directly");

  isms_client_free(c);

  /* NULL = the environment, read when the call starts. Each check uses a pool of its
   * own (pool_ca), so that a kept-alive tunnel of an earlier check cannot hide
   * whether this call went through the proxy. */
  snprintf(purl, sizeof purl, "http://127.0.0.1:%d", SB.proxy);
  unsetenv("HTTPS_PROXY");
  unsetenv("ALL_PROXY");
  make_tag(tag, sizeof tag, "proxy-env");
  static const struct {
    const char *label, *var, *no_proxy;
    bool proxied;
  } envs[] = {
      {"https_proxy is followed", "https_proxy", NULL, true},
      {"HTTPS_PROXY (upper case) is followed", "HTTPS_PROXY", NULL, true},
      {"ALL_PROXY is followed", "ALL_PROXY", NULL, true},
      {"NO_PROXY=127.0.0.1 makes it direct", "https_proxy", "127.0.0.1", false},
      {"NO_PROXY=localhost,127.0.0.0/8 makes it direct", "HTTPS_PROXY", "localhost,127.0.0.0/8",
       false},
  };
  for (size_t i = 0; i < sizeof envs / sizeof envs[0]; i++) {
    c = client_for(SB.password, tag, NULL, pool_ca(5 + (int)i));
    if (!c) continue;
    CHECK(isms_client_set_proxy(c, NULL) == ISMS_OK, "proxy NULL (follow the environment)");
    setenv(envs[i].var, purl, 1);
    if (envs[i].no_proxy) setenv("NO_PROXY", envs[i].no_proxy, 1);
    before = stats(NULL);
    o = call(c, BALANCE);
    after = stats(NULL);
    CHECK(o.status == ISMS_OK && (after.proxy > before.proxy) == envs[i].proxied,
          "%s (%s, proxy tunnels +%ld)", envs[i].label, isms_status_name((int32_t)o.status),
          after.proxy - before.proxy);
    clear_proxy_env();
    isms_client_free(c);
  }
  CHECK(requests_for(tag) == 5, "5 requests arrived (got %d)", requests_for(tag));

  /* "" still beats the environment on a fresh pool */
  make_tag(tag, sizeof tag, "proxy-env-direct2");
  c = client_for(SB.password, tag, NULL, pool_ca(10));
  setenv("https_proxy", purl, 1);
  isms_client_set_proxy(c, "");
  before = stats(NULL);
  o = c ? call(c, BALANCE) : (Outcome){0};
  after = stats(NULL);
  CHECK(o.status == ISMS_OK && after.proxy == before.proxy && requests_for(tag) == 1,
        "proxy \"\" with https_proxy set to a live proxy: no tunnel (+%ld)",
        after.proxy - before.proxy);
  clear_proxy_env();
  isms_client_free(c);
}
