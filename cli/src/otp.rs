//! `isms send` and `isms verify`.

use isms::{MessageType, SendOtp, Status, VerifyOtp};
use serde_json::json;

use crate::args::{Format, GlobalOptions, SendArgs, SmsType, VerifyArgs};
use crate::failure::{json_object, Failure};
use crate::settings;

/// Runs `send`; returns the exit code: 0 sent, 1 any failure.
pub fn send(options: &GlobalOptions, args: &SendArgs) -> u8 {
    let message_type = match args.sms_type {
        SmsType::Auto => MessageType::Auto,
        SmsType::Ascii => MessageType::Ascii,
        SmsType::Unicode => MessageType::Unicode,
    };
    let outcome = settings::client(options).and_then(|client| {
        Ok(client.send_otp(&SendOtp {
            mobile: &args.mobile,
            country_code: &args.country,
            message: &args.message,
            message_type,
            sender_id: args.sender_id.as_deref(),
        })?)
    });
    let sent = match outcome {
        Ok(sent) => sent,
        Err(failure) => {
            failure.print(args.format);
            return 1;
        }
    };
    let code = if args.show_code {
        sent.code.as_ref().map(|c| c.as_str())
    } else {
        None
    };
    match args.format {
        Format::Text => {
            println!("uuid: {}", sent.uuid);
            println!("sms_id: {}", sent.sms_id);
            if let Some(mobile) = &sent.mobile {
                println!("mobile: {mobile}");
            }
            if args.show_code {
                println!("code: {}", code.unwrap_or("(not in the reply)"));
            }
        }
        Format::Json => {
            let mut fields = vec![
                ("status", json!(Status::Ok.name())),
                ("uuid", json!(sent.uuid)),
                ("sms_id", json!(sent.sms_id)),
                ("mobile", json!(sent.mobile)),
            ];
            if args.show_code {
                fields.push(("code", json!(code)));
            }
            println!("{}", json_object(&fields));
        }
    }
    0
}

/// Statuses that mean the gateway judged the code and said no: exit 1.
fn code_refused(status: Status) -> bool {
    matches!(status, Status::OtpIncorrect | Status::OtpExpired)
        // The attempt limit's status, once the library has it.
        || status.name() == "ISMS_ERR_TOO_MANY_ATTEMPTS"
}

fn parse_interval(text: &Option<String>) -> Result<u32, Failure> {
    let Some(text) = text else { return Ok(0) };
    match text.trim().parse::<u32>() {
        Ok(minutes) if minutes > 0 => Ok(minutes),
        _ => Err(Failure::invalid(format!(
            "--interval: `{text}` is not a number of minutes (1 to 1440)"
        ))),
    }
}

/// Runs `verify`; returns the exit code: 0 verified, 1 code wrong, expired
/// or locked, 2 any other failure.
pub fn verify(options: &GlobalOptions, args: &VerifyArgs) -> u8 {
    let outcome = parse_interval(&args.interval).and_then(|interval_minutes| {
        let client = settings::client(options)?;
        Ok(client.verify_otp(&VerifyOtp {
            mobile: &args.mobile,
            country_code: &args.country,
            code: &args.code,
            sms_id: &args.sms_id,
            uuid: &args.uuid,
            interval_minutes,
            sender_id: None,
        })?)
    });
    let (verified, failure) = match outcome {
        Ok(_) => (true, None),
        Err(failure) if code_refused(failure.status) => (false, Some(failure)),
        Err(failure) => {
            failure.print(args.format);
            return 2;
        }
    };
    match (args.format, &failure) {
        (Format::Text, None) => println!("verified"),
        (Format::Text, Some(failure)) => eprintln!("isms: {}", failure.line()),
        (Format::Json, _) => {
            let (status, message) = match &failure {
                None => (Status::Ok.name(), "verified"),
                Some(f) => (f.status_name(), f.message.as_str()),
            };
            let object = json_object(&[
                ("status", json!(status)),
                ("verified", json!(verified)),
                ("message", json!(message)),
                ("attempts_left", json!(null)),
            ]);
            println!("{object}");
        }
    }
    if verified {
        0
    } else {
        1
    }
}
