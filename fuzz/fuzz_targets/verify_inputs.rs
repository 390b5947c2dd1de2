//! The verify input rules: any arguments. Accepted exactly when the
//! contract's rules accept them (read independently in `common.rs`), a
//! refused call is INVALID_ARGUMENT and gives no query, an accepted one's
//! query carries the normalized values, every one of them encoded.
//!
//! Input: mobile, country_code, code, sms_id, uuid, interval, sender_id,
//! username, password, separated by 0x1F; `\0` alone is an absent sender_id.
#![no_main]

use isms::fuzzing::{prepare_verify, Status, VerifyOtp};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let f = common::fields(data);
    let (mobile, cc, code) = (
        common::field(&f, 0),
        common::field(&f, 1),
        common::field(&f, 2),
    );
    let (sms_id, uuid) = (common::field(&f, 3), common::field(&f, 4));
    // The C API takes the interval as a uint32_t.
    let Ok(interval) = u32::try_from(common::number(common::field(&f, 5))) else {
        return;
    };
    let sender = common::optional(common::field(&f, 6));
    let (username, password) = (common::field(&f, 7), common::field(&f, 8));
    let args = VerifyOtp {
        mobile,
        country_code: cc,
        code,
        sms_id,
        uuid,
        interval_minutes: interval,
        sender_id: sender,
    };
    let result = prepare_verify(username, password, &args);

    let country = common::country_code(cc);
    let national = country.as_deref().and_then(|c| common::mobile(mobile, c));
    let typed = common::code(code);
    let ids_ok = common::sms_id_ok(sms_id) && common::uuid_ok(uuid);
    let interval_ok = interval <= 1440;
    let sender_id = common::sender_id(sender);
    match (result, country, national, typed, sender_id) {
        (Ok(query), Some(country), Some(national), Some(typed), Some(sender_id))
            if ids_ok && interval_ok =>
        {
            let minutes = interval.to_string();
            let mut want = vec![
                ("un", username),
                ("pass", password),
                ("mobile", national.as_str()),
                ("country_code", country.as_str()),
                ("method", "verify"),
                ("code", typed.as_str()),
                ("sms_id", sms_id),
                ("uuid", uuid),
            ];
            if interval > 0 {
                want.push(("interval", minutes.as_str()));
            }
            if let Some(id) = sender_id.as_deref() {
                want.push(("sendid", id));
            }
            common::assert_query(&query, &want);
        }
        (Ok(query), ..) => panic!("a query for refused input: {args:?} -> {query:?}"),
        (Err(e), Some(_), Some(_), Some(_), Some(_)) if ids_ok && interval_ok => {
            panic!("valid input refused: {args:?}: {}", e.message())
        }
        (Err(e), ..) => {
            assert_eq!(e.status(), Status::InvalidArgument, "{}", e.message());
            assert_eq!(e.http_status(), 0);
        }
    }
});
