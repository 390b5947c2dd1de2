// The OTP flow in C++ with isms.hpp, against the gateway named by
// ISMS_ENDPOINT (the sandbox in `make demo`).
#include <cstdio>
#include <cstdlib>
#include <string>

#include "isms.hpp"

int main() {
  auto env = [](const char *name) -> std::string {
    const char *v = std::getenv(name);
    return v ? v : "";
  };
  try {
    isms::Client client(env("ISMS_USERNAME"), env("ISMS_PASSWORD"));
    if (!env("ISMS_ENDPOINT").empty()) client.set_endpoint(env("ISMS_ENDPOINT"));
    if (!env("ISMS_CA_FILE").empty()) client.set_ca_file(env("ISMS_CA_FILE"));
    client.set_guard("memory:");

    isms::SendResult sent = client.send_otp("012-345 6789", "60", "Your login code is %OTP%");
    std::printf("C++: sent, sms_id %s (keep uuid, sms_id and code server-side)\n", sent.sms_id.c_str());
    isms::VerifyResult wrong = client.verify_otp("012-345 6789", "60", "000000", sent.sms_id, sent.uuid, 5);
    std::printf("C++: a wrong code: verified=%s (%s, %d attempts left)\n", wrong.verified ? "true" : "false",
                isms::status_name(wrong.status), wrong.attempts_left);
    isms::VerifyResult right = client.verify_otp("012-345 6789", "60", sent.code, sent.sms_id, sent.uuid, 5);
    std::printf("C++: the right code: verified=%s\n", right.verified ? "true" : "false");
    isms::Balance balance = client.balance();
    std::printf("C++: balance %.1f credits, expires %s\n", balance.balance, balance.expiration_iso.c_str());
  } catch (const isms::Error &e) {
    std::fprintf(stderr, "C++: %s: %s\n", isms::status_name(e.status()), e.what());
    return 1;
  }
  return 0;
}
