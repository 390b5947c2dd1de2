// The C++ wrapper (include/isms.hpp) against the sandbox: RAII, exceptions,
// std::string results, the answers-versus-errors rule of verify, the guard.
// Built with -std=c++17 -Wall -Wextra -Werror; `make cpp-test` runs it, and
// again under Valgrind (every C result freed, nothing leaked).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <type_traits>
#include <utility>

#include "isms.hpp"

static int passed, failed;

#define CHECK(cond, what)                                        \
  do {                                                           \
    if (cond) {                                                  \
      ++passed;                                                  \
      std::printf("ok   %s\n", what);                            \
    } else {                                                     \
      ++failed;                                                  \
      std::printf("FAIL %s (line %d)\n", what, __LINE__);        \
    }                                                            \
  } while (0)

template <typename F>
static bool throws_status(F f, isms::Status want, double *retry_after = nullptr) {
  try {
    f();
  } catch (const isms::Error &e) {
    if (retry_after) *retry_after = e.retry_after();
    return e.status() == want && std::string(e.what()).size() > 0;
  }
  return false;
}

static std::string env(const char *name) {
  const char *v = std::getenv(name);
  if (!v) {
    std::fprintf(stderr, "%s is not set: run under scripts/with-sandbox.sh\n", name);
    std::exit(2);
  }
  return v;
}

static std::string wrong(const std::string &code) {
  std::string w = code;
  w[5] = w[5] == '9' ? '0' : static_cast<char>(w[5] + 1);
  return w;
}

int main() {
  static_assert(!std::is_copy_constructible_v<isms::Client>, "Client is not copyable");
  static_assert(std::is_nothrow_move_constructible_v<isms::Client>, "Client is movable");
  static_assert(std::is_base_of_v<std::runtime_error, isms::Error>, "Error is a runtime_error");
  static_assert(static_cast<int>(isms::Status::GuardStore) == ISMS_ERR_GUARD_STORE, "statuses mirror IsmsStatus");

  const std::string password = env("ISMS_PASSWORD");
  CHECK(throws_status([] { isms::Client("user", ""); }, isms::Status::InvalidArgument),
        "a refused constructor argument throws InvalidArgument");

  isms::Client client(env("ISMS_USERNAME"), password);
  client.set_endpoint(env("ISMS_ENDPOINT"));
  client.set_ca_file(env("ISMS_CA_FILE"));
  client.set_proxy("");
  client.set_timeout(std::chrono::milliseconds(10000));
  CHECK(throws_status([&] { client.set_endpoint("ftp://x"); }, isms::Status::InvalidArgument),
        "a refused setting throws InvalidArgument");
  try {
    client.set_ca_file("/nonexistent/ca.pem");
  } catch (const isms::Error &e) {
    CHECK(std::string(e.what()).rfind("ca_file:", 0) == 0, "the exception names the setting");
  }
  CHECK(throws_status([&] { client.set_timeout(std::chrono::milliseconds(0)); }, isms::Status::InvalidArgument),
        "timeout 0 refused");

  // Literals work for every string argument.
  isms::SendResult sent = client.send_otp("012-345 6789", "60", "Code: %OTP%");
  CHECK(!sent.uuid.empty() && !sent.sms_id.empty() && sent.code.size() == 6, "send gives uuid, sms_id and code");
  CHECK(sent.http_status == 200, "send: http_status 200");

  isms::VerifyResult bad = client.verify_otp("012-345 6789", "60", wrong(sent.code), sent.sms_id, sent.uuid, 5);
  CHECK(!bad.verified && bad.status == isms::Status::OtpIncorrect, "a wrong code is an answer, not an exception");
  CHECK(bad.attempts_left == -1, "attempts_left is -1 with the guard off");
  isms::VerifyResult good = client.verify_otp("012-345 6789", "60", sent.code, sent.sms_id, sent.uuid, 5);
  CHECK(good.verified && good.status == isms::Status::Ok && good.message.empty(), "the right code verifies");

  isms::Balance balance = client.balance();
  CHECK(balance.balance > 0 && !balance.balance_text.empty() && balance.expiration_iso.size() == 10,
        "balance, its text and its ISO date");
  CHECK(throws_status([&] { client.send_otp("12", "60", "Code: %OTP%"); }, isms::Status::InvalidArgument),
        "a refused send argument throws InvalidArgument");

  // Failures other than the code's own throw, with the HTTP status.
  isms::Client broken(env("ISMS_USERNAME"), password + "-wrong");
  broken.set_endpoint(env("ISMS_ENDPOINT"));
  broken.set_ca_file(env("ISMS_CA_FILE"));
  broken.set_proxy("");
  try {
    broken.balance();
    CHECK(false, "a wrong password throws");
  } catch (const isms::Error &e) {
    CHECK(e.status() == isms::Status::Auth, "a wrong password throws Auth");
    CHECK(std::string(e.what()).find(password) == std::string::npos, "the password is not in what()");
  }

  // The guard: a quick resend is refused with its wait; a code locks.
  client.set_guard("memory:");
  client.set_guard_limit(isms::GuardLimit::CodeAttempts, 2);
  isms::SendResult guarded = client.send_otp("012-345 6790", "60", "Code: %OTP%");
  double wait = 0;
  CHECK(throws_status([&] { client.send_otp("012-345 6790", "60", "Code: %OTP%"); }, isms::Status::RateLimited,
                      &wait) &&
            wait >= 29 && wait <= 30,
        "a quick resend throws RateLimited with retry_after() in seconds");
  isms::VerifyResult first = client.verify_otp("012-345 6790", "60", wrong(guarded.code), guarded.sms_id, guarded.uuid);
  CHECK(!first.verified && first.attempts_left == 1, "attempts_left counts down");
  client.verify_otp("012-345 6790", "60", wrong(guarded.code), guarded.sms_id, guarded.uuid);
  isms::VerifyResult locked = client.verify_otp("012-345 6790", "60", guarded.code, guarded.sms_id, guarded.uuid);
  CHECK(!locked.verified && locked.status == isms::Status::TooManyAttempts && locked.attempts_left == 0,
        "a locked code is an answer: TooManyAttempts");
  CHECK(throws_status([&] { client.set_guard("mysql://x"); }, isms::Status::InvalidArgument),
        "a refused store URL throws");
  client.set_allowed_countries("65");
  CHECK(throws_status([&] { client.send_otp("012-345 6791", "60", "Code: %OTP%"); }, isms::Status::NotAllowed),
        "a country not allowed throws NotAllowed");

  // Moves.
  isms::Client moved = std::move(client);
  moved.set_allowed_countries("");
  moved.set_guard("");
  CHECK(moved.balance().balance > 0, "a moved-to client works");
  client = std::move(moved);
  CHECK(client.balance().balance > 0, "move assignment back works");
  CHECK(std::string(isms::status_name(isms::Status::RateLimited)) == "ISMS_ERR_RATE_LIMITED", "status_name");

  std::printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
