/* libisms for C++17: the C API of isms.h with C linkage, and a header-only
 * RAII wrapper in namespace isms.
 * (isms.h itself carries no extern "C" block, so that PHP's FFI can read it.)
 *
 *   isms::Client client("user", "password");   // throws isms::Error on a refused argument
 *   client.set_endpoint(url); client.set_timeout(std::chrono::milliseconds(5000));
 *   client.set_guard("sqlite:/var/lib/app/otp.db");
 *   isms::SendResult s = client.send_otp(mobile, "60", "Code: %OTP%");
 *   isms::VerifyResult v = client.verify_otp(mobile, "60", typed, s.sms_id, s.uuid, 5);
 *   if (v.verified) ...                         // a wrong, expired or locked code: verified == false
 *   isms::Balance b = client.balance();
 *
 * Every C result is copied into std::string / plain values and freed before
 * a call returns or throws. A failed call throws isms::Error (status(),
 * http_status(), retry_after()), except verify_otp's answers about the code
 * (OTP_INCORRECT, OTP_EXPIRED, TOO_MANY_ATTEMPTS), which it returns. The OTP
 * code in SendResult is a secret: keep it server-side. */
#ifndef ISMS_HPP
#define ISMS_HPP
extern "C" {
#include "isms.h"
}

#ifdef __cplusplus
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

namespace isms {

/* IsmsStatus, named as the PHP binding's cases. */
enum class Status : int32_t {
  Ok = ISMS_OK,
  InvalidArgument = ISMS_ERR_INVALID_ARGUMENT,
  Auth = ISMS_ERR_AUTH,
  InsufficientCredit = ISMS_ERR_INSUFFICIENT_CREDIT,
  OtpIncorrect = ISMS_ERR_OTP_INCORRECT,
  OtpExpired = ISMS_ERR_OTP_EXPIRED,
  Rejected = ISMS_ERR_REJECTED,
  Timeout = ISMS_ERR_TIMEOUT,
  Connect = ISMS_ERR_CONNECT,
  Tls = ISMS_ERR_TLS,
  HttpStatus = ISMS_ERR_HTTP_STATUS,
  BadResponse = ISMS_ERR_BAD_RESPONSE,
  Internal = ISMS_ERR_INTERNAL,
  RateLimited = ISMS_ERR_RATE_LIMITED,
  TooManyAttempts = ISMS_ERR_TOO_MANY_ATTEMPTS,
  NotAllowed = ISMS_ERR_NOT_ALLOWED,
  GuardStore = ISMS_ERR_GUARD_STORE,
};

/* The C name of a status, e.g. "ISMS_ERR_AUTH". */
inline const char *status_name(Status status) { return isms_status_name(static_cast<int32_t>(status)); }

enum class MessageType : int32_t {
  Auto = ISMS_TYPE_AUTO,
  Ascii = ISMS_TYPE_ASCII,
  Unicode = ISMS_TYPE_UNICODE,
};

enum class GuardLimit : int32_t {
  CodeAttempts = ISMS_LIMIT_CODE_ATTEMPTS,
  CodeLifetimeS = ISMS_LIMIT_CODE_LIFETIME_S,
  ResendCooldownS = ISMS_LIMIT_RESEND_COOLDOWN_S,
  SendsPerWindow = ISMS_LIMIT_SENDS_PER_WINDOW,
  SendWindowS = ISMS_LIMIT_SEND_WINDOW_S,
  FailuresPerHour = ISMS_LIMIT_FAILURES_PER_HOUR,
};

/* A failed call. what() is the library's message (never the password). */
class Error : public std::runtime_error {
 public:
  Error(Status status, const std::string &message, int http_status = 0, double retry_after = 0.0)
      : std::runtime_error(message), status_(status), http_status_(http_status), retry_after_(retry_after) {}
  Status status() const noexcept { return status_; }
  int http_status() const noexcept { return http_status_; }
  /* RateLimited: seconds until the call may pass; else 0. */
  double retry_after() const noexcept { return retry_after_; }

 private:
  Status status_;
  int http_status_;
  double retry_after_;
};

struct SendResult {
  std::string uuid, sms_id, mobile;
  std::string code; /* the OTP itself: a secret */
  int http_status = 0;
};

struct VerifyResult {
  bool verified = false;
  Status status = Status::Ok;
  std::string message; /* empty when verified */
  std::string uuid, sms_id, mobile;
  int attempts_left = -1; /* -1 with the guard off */
  int http_status = 0;
};

struct Balance {
  double balance = 0.0;
  std::string balance_text, expiration;
  std::string expiration_iso; /* empty when the date could not be read */
  int http_status = 0;
};

namespace detail {
inline std::string str(const char *s) { return s ? std::string(s) : std::string(); }

/* Throws for a refused setting or constructor argument. */
inline void check_setting(IsmsStatus status) {
  if (status != ISMS_OK) {
    throw Error(static_cast<Status>(status), str(isms_last_error_message()));
  }
}

template <typename R, void (*Free)(R *)>
struct Owned {
  R *p;
  explicit Owned(R *r) : p(r) {}
  ~Owned() { Free(p); }
  Owned(const Owned &) = delete;
  Owned &operator=(const Owned &) = delete;
};
}  // namespace detail

/* A client for one iSMS account: movable, not copyable; frees its handle in
 * its destructor. A moved-from Client may only be destroyed or assigned to.
 * One Client may be used by many threads at once. */
class Client {
 public:
  Client(const std::string &username, const std::string &password)
      : handle_(isms_client_new(username.c_str(), password.c_str())) {
    if (!handle_) {
      throw Error(Status::InvalidArgument, detail::str(isms_last_error_message()));
    }
  }
  ~Client() { isms_client_free(handle_); }
  Client(Client &&other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  Client &operator=(Client &&other) noexcept {
    if (this != &other) {
      isms_client_free(handle_);
      handle_ = std::exchange(other.handle_, nullptr);
    }
    return *this;
  }
  Client(const Client &) = delete;
  Client &operator=(const Client &) = delete;

  void set_endpoint(const std::string &url) { detail::check_setting(isms_client_set_endpoint(handle_, url.c_str())); }
  void reset_endpoint() { detail::check_setting(isms_client_set_endpoint(handle_, nullptr)); }
  void set_timeout(std::chrono::milliseconds timeout) {
    auto ms = timeout.count();
    if (ms <= 0 || ms > static_cast<decltype(ms)>(UINT32_MAX)) {
      throw Error(Status::InvalidArgument, "timeout: must be 1 to 4294967295 ms");
    }
    detail::check_setting(isms_client_set_timeout_ms(handle_, static_cast<uint32_t>(ms)));
  }
  void set_ca_file(const std::string &path) { detail::check_setting(isms_client_set_ca_file(handle_, path.c_str())); }
  /* "" means a direct connection whatever the environment says. */
  void set_proxy(const std::string &url) { detail::check_setting(isms_client_set_proxy(handle_, url.c_str())); }
  /* "" turns the guard off. */
  void set_guard(const std::string &store_url) {
    detail::check_setting(isms_client_set_guard(handle_, store_url.c_str()));
  }
  void set_guard_limit(GuardLimit limit, uint32_t value) {
    detail::check_setting(isms_client_set_guard_limit(handle_, static_cast<int32_t>(limit), value));
  }
  /* e.g. "60,65"; "" allows every country. */
  void set_allowed_countries(const std::string &country_codes) {
    detail::check_setting(isms_client_set_allowed_countries(handle_, country_codes.c_str()));
  }

  SendResult send_otp(const std::string &mobile, const std::string &country_code, const std::string &message,
                      MessageType type = MessageType::Auto, const std::string &sender_id = std::string()) const {
    detail::Owned<IsmsSendResult, isms_send_result_free> r(
        isms_send_otp(handle_, mobile.c_str(), country_code.c_str(), message.c_str(), static_cast<int32_t>(type),
                      sender_id.empty() ? nullptr : sender_id.c_str()));
    if (r.p->status != ISMS_OK) {
      throw Error(static_cast<Status>(r.p->status), detail::str(r.p->message), r.p->http_status,
                  static_cast<double>(r.p->retry_after_s));
    }
    SendResult out;
    out.uuid = detail::str(r.p->uuid);
    out.sms_id = detail::str(r.p->sms_id);
    out.mobile = detail::str(r.p->mobile);
    out.code = detail::str(r.p->code);
    out.http_status = r.p->http_status;
    return out;
  }

  /* interval: minutes, 0 = not sent. A wrong, expired or locked code is an
   * answer (verified == false, status says which); anything else throws. */
  VerifyResult verify_otp(const std::string &mobile, const std::string &country_code, const std::string &code,
                          const std::string &sms_id, const std::string &uuid, unsigned interval = 0,
                          const std::string &sender_id = std::string()) const {
    detail::Owned<IsmsVerifyResult, isms_verify_result_free> r(
        isms_verify_otp(handle_, mobile.c_str(), country_code.c_str(), code.c_str(), sms_id.c_str(), uuid.c_str(),
                        interval, sender_id.empty() ? nullptr : sender_id.c_str()));
    Status status = static_cast<Status>(r.p->status);
    bool answer = status == Status::Ok || status == Status::OtpIncorrect || status == Status::OtpExpired ||
                  status == Status::TooManyAttempts;
    if (!answer) {
      throw Error(status, detail::str(r.p->message), r.p->http_status, static_cast<double>(r.p->retry_after_s));
    }
    VerifyResult out;
    out.verified = status == Status::Ok;
    out.status = status;
    out.message = detail::str(r.p->message);
    out.uuid = detail::str(r.p->uuid);
    out.sms_id = detail::str(r.p->sms_id);
    out.mobile = detail::str(r.p->mobile);
    out.attempts_left = r.p->attempts_left;
    out.http_status = r.p->http_status;
    return out;
  }

  Balance balance() const {
    detail::Owned<IsmsBalanceResult, isms_balance_result_free> r(isms_balance(handle_));
    if (r.p->status != ISMS_OK) {
      throw Error(static_cast<Status>(r.p->status), detail::str(r.p->message), r.p->http_status);
    }
    Balance out;
    out.balance = r.p->balance;
    out.balance_text = detail::str(r.p->balance_text);
    out.expiration = detail::str(r.p->expiration);
    out.expiration_iso = detail::str(r.p->expiration_iso);
    out.http_status = r.p->http_status;
    return out;
  }

  /* The C handle, for calls the wrapper does not cover. */
  IsmsClient *handle() const noexcept { return handle_; }

 private:
  IsmsClient *handle_;
};

}  // namespace isms
#endif /* __cplusplus */
#endif /* ISMS_HPP */
