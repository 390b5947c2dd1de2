//! One GET with a whole-call deadline, tried again only while the request
//! provably never left this process.

use std::cell::Cell;
use std::time::{Duration, Instant};

use ureq::http::Uri;
use ureq::Agent;
use zeroize::Zeroizing;

use super::classify::{classify, timeout_error, Failure};
use super::connect::REQUEST_WRITTEN;
use super::{Reply, MAX_REPLY_BYTES, MAX_RETRIES, RETRY_BACKOFF};
use crate::error::Error;
use crate::log::{self, LogLevel};
use crate::status::Status;

/// One GET of `url` (which holds the password: never put it in an error),
/// retried only while the request provably never left this process.
pub fn get(agent: &Agent, url: &str, timeout: Duration, deadline: Instant) -> Result<Reply, Error> {
    let mut retries = 0;
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(timeout_error(timeout));
        }
        REQUEST_WRITTEN.with(|written| written.set(false));
        let failure = match attempt(agent, url, remaining, timeout) {
            Ok(reply) => return Ok(reply),
            Err(failure) => failure,
        };
        let written = REQUEST_WRITTEN.with(Cell::get);
        if !failure.retryable || written || retries >= MAX_RETRIES {
            return Err(failure.error);
        }
        let pause = RETRY_BACKOFF * 2u32.pow(retries);
        if Instant::now() + pause >= deadline {
            return Err(failure.error);
        }
        log::log(LogLevel::Warn, || {
            format!(
                "retrying in {} ms ({}; it never reached the gateway), try {} of {}",
                pause.as_millis(),
                failure.error.message(),
                retries + 2,
                MAX_RETRIES + 1
            )
        });
        std::thread::sleep(pause);
        retries += 1;
    }
}

/// The request's URI with its authority in a buffer of its own. Parsed in one
/// piece, every part of a `Uri` shares one buffer, and ureq keeps the
/// authority of each pooled connection: the whole URL, password included,
/// would live on in the pool after the client is freed.
fn request_uri(url: &str) -> Result<Uri, Error> {
    let bad = || Error::new(Status::InvalidArgument, "endpoint: not a usable URL");
    let whole: Uri = url.parse().map_err(|_| bad())?;
    let (Some(scheme), Some(authority), Some(path_and_query)) = (
        whole.scheme_str(),
        whole.authority(),
        whole.path_and_query(),
    ) else {
        return Err(bad());
    };
    Uri::builder()
        .scheme(scheme)
        .authority(authority.as_str())
        .path_and_query(path_and_query.as_str())
        .build()
        .map_err(|_| bad())
}

fn attempt(
    agent: &Agent,
    url: &str,
    remaining: Duration,
    timeout: Duration,
) -> Result<Reply, Failure> {
    let mut response = agent
        .get(request_uri(url)?)
        .config()
        .timeout_global(Some(remaining))
        .build()
        .call()
        .map_err(|e| classify(e, timeout))?;
    let http_status = response.status().as_u16();
    if !(200..300).contains(&http_status) {
        let error = Error::new(
            Status::HttpStatus,
            format!("the gateway answered HTTP {http_status}"),
        );
        return Err(error.with_http_status(http_status).into());
    }
    let too_large = || {
        Error::new(
            Status::BadResponse,
            format!("the gateway's reply is larger than {MAX_REPLY_BYTES} bytes"),
        )
        .with_http_status(http_status)
    };
    let body = response.body_mut();
    if body
        .content_length()
        .is_some_and(|len| len > MAX_REPLY_BYTES)
    {
        return Err(too_large().into());
    }
    let bytes = body
        .with_config()
        .limit(MAX_REPLY_BYTES)
        .read_to_vec()
        .map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(_) => too_large(),
            other => classify(other, timeout).error.with_http_status(http_status),
        })?;
    let body = String::from_utf8(bytes).map_err(|_| {
        Error::new(Status::BadResponse, "the gateway's reply is not UTF-8 text")
            .with_http_status(http_status)
    })?;
    Ok(Reply {
        http_status,
        body: Zeroizing::new(body),
    })
}
