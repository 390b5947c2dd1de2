//! The guard's decisions, as pure functions of a record, the limits and the
//! time. Every store runs these (the Redis store runs the same rules in its
//! Lua scripts, checked against the same cases), inside one atomic step.
//!
//! Times are milliseconds on the store's clock. "At least N seconds old" and
//! "less than N seconds after" compare exactly; every wait is rounded up to
//! whole seconds, at least 1.

/// Milliseconds in an hour: the span of `FAILURES_PER_HOUR`.
pub const HOUR_MS: u64 = 3_600_000;

/// The limits a call decides with (the client's own; the store keeps none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Wrong codes accepted per sent code, then locked (at least 1).
    pub code_attempts: u32,
    /// A code this old (seconds) is expired without asking (at least 1).
    pub code_lifetime_s: u32,
    /// Least gap between two sends to one number (seconds); 0 = off.
    pub resend_cooldown_s: u32,
    /// Sends to one number per window; 0 = off.
    pub sends_per_window: u32,
    /// That window (seconds); 0 = off.
    pub send_window_s: u32,
    /// Wrong codes per number per hour, all codes together; 0 = off.
    pub failures_per_hour: u32,
}

impl Default for Limits {
    /// Twilio Verify's and OWASP ASVS 5.0's figures: 5 checks per code, at
    /// most 10 minutes of life, 5 sends per 10 minutes.
    fn default() -> Limits {
        Limits {
            code_attempts: 5,
            code_lifetime_s: 600,
            resend_cooldown_s: 30,
            sends_per_window: 5,
            send_window_s: 600,
            failures_per_hour: 20,
        }
    }
}

impl Limits {
    /// How long a send time matters: the longer of the cooldown and the window.
    pub fn send_horizon_ms(&self) -> u64 {
        u64::from(self.resend_cooldown_s.max(self.send_window_s)) * 1000
    }

    /// How long a record may matter under any limits: what stores purge by.
    pub const RECORD_MAX_AGE_MS: u64 = u32::MAX as u64 * 1000;
}

/// Milliseconds rounded up to whole seconds, at least 1.
pub fn wait_seconds(ms: u64) -> u32 {
    u32::try_from(ms.div_ceil(1000).max(1)).unwrap_or(u32::MAX)
}

/// A send refused by a limit: seconds until it would pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimited {
    pub retry_after_s: u32,
}

/// The reserved send times of one number, oldest first, pruned to what the
/// limits can still need. On success `now` is appended.
pub fn reserve_send(sends: &mut Vec<u64>, limits: &Limits, now: u64) -> Result<(), RateLimited> {
    let horizon = limits.send_horizon_ms();
    sends.retain(|&t| now.saturating_sub(t) < horizon.max(1));
    sends.sort_unstable();
    let mut wait = 0u64;
    if limits.resend_cooldown_s > 0 {
        let cooldown = u64::from(limits.resend_cooldown_s) * 1000;
        if let Some(&last) = sends.last() {
            if now.saturating_sub(last) < cooldown {
                wait = wait.max(last + cooldown - now);
            }
        }
    }
    if limits.sends_per_window > 0 && limits.send_window_s > 0 {
        let window = u64::from(limits.send_window_s) * 1000;
        let in_window: Vec<u64> = sends
            .iter()
            .copied()
            .filter(|&t| now.saturating_sub(t) < window)
            .collect();
        let allowed = limits.sends_per_window as usize;
        if in_window.len() >= allowed {
            // The send passes once enough of the oldest have left the window.
            let leaving = in_window[in_window.len() - allowed];
            wait = wait.max(leaving + window - now);
        }
    }
    if wait > 0 {
        return Err(RateLimited {
            retry_after_s: wait_seconds(wait),
        });
    }
    sends.push(now);
    Ok(())
}

/// What the store knows of one sent code (never the code itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeRecord {
    pub sms_id: String,
    /// The normalized number (`+` country code and mobile) it is bound to.
    pub number: String,
    /// When it was sent, or first asked about when another process sent it.
    pub created: u64,
    /// Attempts reserved so far.
    pub attempts: u32,
    pub verified: bool,
}

impl CodeRecord {
    /// A code first known at `now`, no attempt reserved yet.
    pub fn new(sms_id: &str, number: &str, now: u64) -> CodeRecord {
        CodeRecord {
            sms_id: sms_id.to_owned(),
            number: number.to_owned(),
            created: now,
            attempts: 0,
            verified: false,
        }
    }
}

/// A verify refused without asking the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyRefusal {
    /// Another number or sms_id than the code was sent with.
    NotAllowed { attempts_left: i32 },
    /// Used already, or past its lifetime.
    Expired,
    /// No attempts left.
    TooManyAttempts,
    /// The number had too many wrong codes in the last hour.
    RateLimited {
        retry_after_s: u32,
        attempts_left: i32,
    },
}

/// Attempts a code has left, for `attempts_left`.
pub fn attempts_left(code: Option<&CodeRecord>, limits: &Limits) -> i32 {
    let used = code.map_or(0, |c| c.attempts);
    i32::try_from(limits.code_attempts.saturating_sub(used)).unwrap_or(i32::MAX)
}

/// Decides a verify and, when it may go to the gateway, reserves an attempt:
/// `code` is the uuid's record (created, bound to this number and sms_id,
/// when unknown), `failures` the number's wrong-code times (pruned to the
/// last hour). On `Ok` the attempts left after this one are returned.
pub fn reserve_verify(
    code: &mut Option<CodeRecord>,
    failures: &mut Vec<u64>,
    number: &str,
    sms_id: &str,
    limits: &Limits,
    now: u64,
) -> Result<i32, VerifyRefusal> {
    failures.retain(|&t| now.saturating_sub(t) < HOUR_MS);
    failures.sort_unstable();
    if let Some(known) = code.as_ref() {
        if known.number != number || known.sms_id != sms_id {
            return Err(VerifyRefusal::NotAllowed {
                attempts_left: attempts_left(Some(known), limits),
            });
        }
        if known.verified {
            return Err(VerifyRefusal::Expired);
        }
        if now.saturating_sub(known.created) >= u64::from(limits.code_lifetime_s) * 1000 {
            return Err(VerifyRefusal::Expired);
        }
        if known.attempts >= limits.code_attempts {
            return Err(VerifyRefusal::TooManyAttempts);
        }
    }
    if limits.failures_per_hour > 0 && failures.len() >= limits.failures_per_hour as usize {
        let leaving = failures[failures.len() - limits.failures_per_hour as usize];
        return Err(VerifyRefusal::RateLimited {
            retry_after_s: wait_seconds(leaving + HOUR_MS - now),
            attempts_left: attempts_left(code.as_ref(), limits),
        });
    }
    let record = code.get_or_insert_with(|| CodeRecord::new(sms_id, number, now));
    record.attempts += 1;
    Ok(attempts_left(Some(record), limits))
}

/// What the gateway said to a reserved verify, as far as the guard cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyAnswer {
    /// Verified: the code is used.
    Verified,
    /// A wrong code: counts toward `FAILURES_PER_HOUR`.
    Incorrect,
}

/// Records the gateway's answer to a reserved verify.
pub fn record_answer(
    code: &mut Option<CodeRecord>,
    failures: &mut Vec<u64>,
    answer: VerifyAnswer,
    now: u64,
) {
    match answer {
        VerifyAnswer::Verified => {
            if let Some(record) = code.as_mut() {
                record.verified = true;
            }
        }
        VerifyAnswer::Incorrect => {
            failures.retain(|&t| now.saturating_sub(t) < HOUR_MS);
            failures.push(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = 1000;

    fn limits() -> Limits {
        Limits::default()
    }

    #[test]
    fn waits_round_up_to_a_second_at_least() {
        for (ms, s) in [(0, 1), (1, 1), (999, 1), (1000, 1), (1001, 2), (29_999, 30)] {
            assert_eq!(wait_seconds(ms), s, "{ms} ms");
        }
    }

    #[test]
    fn sends() {
        // (previous send times, limits, now, expected: Ok or retry_after_s)
        let l = limits();
        let no_cooldown = Limits {
            resend_cooldown_s: 0,
            ..l
        };
        type Case<'a> = (&'a [u64], Limits, u64, Result<(), u32>);
        let cases: &[Case] = &[
            (&[], l, 100 * S, Ok(())),
            // cooldown 30 s: "less than 30 s after" compares exactly
            (&[100 * S], l, 100 * S, Err(30)),
            (&[100 * S], l, 129 * S + 999, Err(1)),
            (&[100 * S], l, 130 * S, Ok(())),
            (&[100 * S], l, 101 * S + 1, Err(29)),
            // 5 per 600 s, sliding
            (&[0, 1, 2, 3, 4], no_cooldown, 10 * S, Err(590)),
            (&[0, 1, 2, 3, 4], no_cooldown, 600 * S, Ok(())),
            (
                &[0, S, 2 * S, 3 * S, 4 * S],
                no_cooldown,
                600 * S - 1,
                Err(1),
            ),
            (&[0, S, 2 * S, 3 * S, 4 * S], no_cooldown, 600 * S, Ok(())),
            (&[1, 2, 3, 4], no_cooldown, 10 * S, Ok(())),
            // both: the longer wait wins
            (&[0, 1, 2, 3, 590 * S], l, 595 * S, Err(25)),
            // limits off
            (
                &[0, 1, 2, 3, 4, 5, 6],
                Limits {
                    resend_cooldown_s: 0,
                    sends_per_window: 0,
                    ..l
                },
                7,
                Ok(()),
            ),
            (
                &[0, 1, 2, 3, 4, 5, 6],
                Limits {
                    resend_cooldown_s: 0,
                    send_window_s: 0,
                    ..l
                },
                7,
                Ok(()),
            ),
        ];
        for (i, (before, limits, now, expected)) in cases.iter().enumerate() {
            let mut sends = before.to_vec();
            let got = reserve_send(&mut sends, limits, *now).map_err(|r| r.retry_after_s);
            assert_eq!(got, *expected, "case {i}");
            if got.is_ok() {
                assert_eq!(sends.last(), Some(now), "case {i}: reserved");
            } else {
                assert!(
                    !sends.contains(now) || before.contains(now),
                    "case {i}: nothing reserved"
                );
            }
        }
    }

    fn code(number: &str, created: u64, attempts: u32, verified: bool) -> Option<CodeRecord> {
        Some(CodeRecord {
            sms_id: "42".into(),
            number: number.into(),
            created,
            attempts,
            verified,
        })
    }

    #[test]
    fn verifies() {
        use VerifyRefusal::*;
        let l = limits();
        let n = "+60123456789";
        let hour_of_failures: Vec<u64> = (0..20).map(|i| 1000 * S + i * S).collect();
        type Case = (
            Option<CodeRecord>,
            Vec<u64>,
            &'static str,
            &'static str,
            u64,
            Result<i32, VerifyRefusal>,
        );
        let cases: Vec<Case> = vec![
            // unknown code: recorded, bound, one attempt spent
            (None, vec![], n, "42", 0, Ok(4)),
            (code(n, 0, 0, false), vec![], n, "42", 1, Ok(4)),
            (code(n, 0, 4, false), vec![], n, "42", 1, Ok(0)),
            (
                code(n, 0, 5, false),
                vec![],
                n,
                "42",
                1,
                Err(TooManyAttempts),
            ),
            // another number or sms_id
            (
                code(n, 0, 2, false),
                vec![],
                "+60999",
                "42",
                1,
                Err(NotAllowed { attempts_left: 3 }),
            ),
            (
                code(n, 0, 2, false),
                vec![],
                n,
                "43",
                1,
                Err(NotAllowed { attempts_left: 3 }),
            ),
            // single use, lifetime (at least 600 s old is expired)
            (code(n, 0, 1, true), vec![], n, "42", 1, Err(Expired)),
            (code(n, 0, 1, false), vec![], n, "42", 599 * S + 999, Ok(3)),
            (code(n, 0, 1, false), vec![], n, "42", 600 * S, Err(Expired)),
            // expiry before attempts
            (code(n, 0, 5, false), vec![], n, "42", 600 * S, Err(Expired)),
            // 20 wrong codes in the last hour, then the oldest ages out
            (
                None,
                hour_of_failures.clone(),
                n,
                "42",
                1019 * S,
                Err(RateLimited {
                    retry_after_s: 3581,
                    attempts_left: 5,
                }),
            ),
            (
                None,
                hour_of_failures.clone(),
                n,
                "42",
                1000 * S + HOUR_MS,
                Ok(4),
            ),
        ];
        for (i, (mut code, mut failures, number, sms_id, now, expected)) in
            cases.into_iter().enumerate()
        {
            let before = code.clone();
            let got = reserve_verify(&mut code, &mut failures, number, sms_id, &l, now);
            assert_eq!(got, expected, "case {i}");
            match got {
                Ok(_) => {
                    let record = code.unwrap();
                    assert_eq!(
                        record.attempts,
                        before.as_ref().map_or(0, |c| c.attempts) + 1
                    );
                    assert_eq!(
                        record.number, number,
                        "case {i}: bound to the number first given"
                    );
                }
                Err(_) => assert_eq!(code, before, "case {i}: a refusal spends nothing"),
            }
        }
    }

    #[test]
    fn answers() {
        let mut code = code("+60123", 0, 1, false);
        let mut failures = vec![];
        record_answer(&mut code, &mut failures, VerifyAnswer::Incorrect, 5 * S);
        assert_eq!(failures, [5 * S]);
        assert!(!code.as_ref().unwrap().verified);
        record_answer(&mut code, &mut failures, VerifyAnswer::Verified, 6 * S);
        assert!(code.unwrap().verified);
        assert_eq!(failures, [5 * S], "only a wrong code counts as a failure");
    }
}
