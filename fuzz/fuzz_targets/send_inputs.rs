//! The send input rules: any arguments. A call is accepted exactly when the
//! contract's rules accept it (read independently in `common.rs`), a refused
//! one is INVALID_ARGUMENT and gives no query, and an accepted one's query
//! carries the normalized values, every one of them encoded.
//!
//! Input: mobile, country_code, message, type, sender_id, username,
//! password, separated by 0x1F; `\0` alone is an absent sender_id.
#![no_main]

use isms::fuzzing::{prepare_send, MessageType, SendOtp, Status};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let f = common::fields(data);
    let (mobile, cc, message) = (
        common::field(&f, 0),
        common::field(&f, 1),
        common::field(&f, 2),
    );
    let kind = common::number(common::field(&f, 3));
    let sender = common::optional(common::field(&f, 4));
    let (username, password) = (common::field(&f, 5), common::field(&f, 6));
    // The C API refuses a type outside 0-2 before it reaches the rules.
    let Some(message_type) = i32::try_from(kind).ok().and_then(MessageType::from_code) else {
        return;
    };
    let args = SendOtp {
        mobile,
        country_code: cc,
        message,
        message_type,
        sender_id: sender,
    };
    let result = prepare_send(username, password, &args);

    let country = common::country_code(cc);
    let national = country.as_deref().and_then(|c| common::mobile(mobile, c));
    let wire_type = common::message_type(message, kind);
    let sender_id = common::sender_id(sender);
    match (result, country, national, wire_type, sender_id) {
        (Ok(query), Some(country), Some(national), Some(wire_type), Some(sender_id)) => {
            let wire_type = wire_type.to_string();
            let mut want = vec![
                ("un", username),
                ("pass", password),
                ("mobile", national.as_str()),
                ("country_code", country.as_str()),
                ("message", message),
                ("type", wire_type.as_str()),
            ];
            if let Some(id) = sender_id.as_deref() {
                want.push(("sendid", id));
            }
            common::assert_query(&query, &want);
        }
        (Ok(query), ..) => panic!("a query for refused input: {args:?} -> {query:?}"),
        (Err(e), Some(_), Some(_), Some(_), Some(_)) => {
            panic!("valid input refused: {args:?}: {}", e.message())
        }
        (Err(e), ..) => {
            assert_eq!(e.status(), Status::InvalidArgument, "{}", e.message());
            assert_eq!(e.http_status(), 0);
        }
    }
});
