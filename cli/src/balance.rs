//! `isms balance`: the credit and its expiry date as text, JSON, a Nagios
//! check or Prometheus metrics, with optional thresholds.

use isms::{Balance, Status};
use serde_json::json;

use crate::args::{BalanceArgs, BalanceFormat, GlobalOptions};
use crate::days;
use crate::failure::{json_object, Failure};
use crate::settings;

/// Alert levels, in increasing order of gravity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Ok,
    Warning,
    Critical,
}

impl Level {
    fn nagios_name(self) -> &'static str {
        match self {
            Level::Ok => "OK",
            Level::Warning => "WARNING",
            Level::Critical => "CRITICAL",
        }
    }

    fn nagios_exit(self) -> u8 {
        match self {
            Level::Ok => 0,
            Level::Warning => 1,
            Level::Critical => 2,
        }
    }
}

const NAGIOS_UNKNOWN: u8 = 3;

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Thresholds {
    pub warn_below: Option<f64>,
    pub critical_below: Option<f64>,
    pub warn_days: Option<i64>,
    pub critical_days: Option<i64>,
}

impl Thresholds {
    fn any(&self) -> bool {
        *self != Thresholds::default()
    }

    fn any_days(&self) -> bool {
        self.warn_days.is_some() || self.critical_days.is_some()
    }
}

fn parse_credits(text: &Option<String>, option: &str) -> Result<Option<f64>, Failure> {
    let Some(text) = text else { return Ok(None) };
    match text.trim().parse::<f64>() {
        Ok(n) if n.is_finite() => Ok(Some(n)),
        _ => Err(Failure::invalid(format!(
            "{option}: `{text}` is not a number of credits"
        ))),
    }
}

fn parse_days(text: &Option<String>, option: &str) -> Result<Option<i64>, Failure> {
    let Some(text) = text else { return Ok(None) };
    text.trim()
        .parse::<i64>()
        .map(Some)
        .map_err(|_| Failure::invalid(format!("{option}: `{text}` is not a whole number of days")))
}

pub fn thresholds(args: &BalanceArgs) -> Result<Thresholds, Failure> {
    Ok(Thresholds {
        warn_below: parse_credits(&args.warn_below, "--warn-below")?,
        critical_below: parse_credits(&args.critical_below, "--critical-below")?,
        warn_days: parse_days(&args.warn_days, "--warn-days")?,
        critical_days: parse_days(&args.critical_days, "--critical-days")?,
    })
}

/// What the balance reply says, with the day count worked out.
struct Reading {
    balance: Balance,
    /// Days since 1970-01-01 of the expiry date, when it could be read.
    expiry_day: Option<i64>,
    days_left: Option<i64>,
}

impl Reading {
    fn new(balance: Balance, today: i64) -> Reading {
        let expiry_day = balance.expiration_iso.as_deref().and_then(days::iso_day);
        Reading {
            balance,
            expiry_day,
            days_left: expiry_day.map(|day| day - today),
        }
    }

    /// The credit as a number: `81.0`.
    fn credits(&self) -> String {
        format!("{:?}", self.balance.balance)
    }

    /// `expiring 2026-12-05 (148 days left)`, or what is known of it.
    fn expiry_words(&self) -> String {
        match (&self.balance.expiration_iso, self.days_left) {
            (Some(iso), Some(days)) => format!("expiring {iso} ({})", days_words(days)),
            _ => match &self.balance.expiration {
                Some(text) => format!("expiry date unreadable ({text:?})"),
                None => "no expiry date".to_owned(),
            },
        }
    }

    /// The level and the reasons for it. Day thresholds on a reply without a
    /// readable expiry date cannot be judged: a failure.
    fn assess(&self, t: &Thresholds) -> Result<(Level, Vec<String>), Failure> {
        if t.any_days() && self.days_left.is_none() {
            return Err(Failure {
                status: Status::BadResponse,
                message: format!(
                    "day thresholds given, but the credit's {}",
                    self.expiry_words()
                ),
            });
        }
        let mut level = Level::Ok;
        let mut reasons = Vec::new();
        if let Some((as_level, limit)) =
            level_below(self.balance.balance, t.critical_below, t.warn_below)
        {
            level = level.max(as_level);
            reasons.push(format!("credit below {limit}"));
        }
        if let Some(days) = self.days_left {
            if let Some((as_level, limit)) = level_below(days, t.critical_days, t.warn_days) {
                level = level.max(as_level);
                reasons.push(format!("{}, below {limit}", days_words(days)));
            }
        }
        Ok((level, reasons))
    }
}

/// The level a value strictly below a critical or warning limit calls for.
fn level_below<T: PartialOrd + Copy>(
    value: T,
    critical: Option<T>,
    warn: Option<T>,
) -> Option<(Level, T)> {
    if let Some(limit) = critical.filter(|&limit| value < limit) {
        return Some((Level::Critical, limit));
    }
    warn.filter(|&limit| value < limit)
        .map(|limit| (Level::Warning, limit))
}

fn days_words(days: i64) -> String {
    match days {
        1 => "1 day left".to_owned(),
        d if d < 0 => format!("expired {} day(s) ago", -d),
        d => format!("{d} days left"),
    }
}

/// Runs the command; returns the exit code.
pub fn run(options: &GlobalOptions, args: &BalanceArgs) -> u8 {
    let outcome = thresholds(args).and_then(|t| {
        let client = settings::client(options)?;
        let balance = client.balance()?;
        Ok((t, Reading::new(balance, days::today_utc())))
    });
    match args.format {
        BalanceFormat::Text => text(outcome),
        BalanceFormat::Json => json_format(outcome),
        BalanceFormat::Nagios => nagios(outcome),
        BalanceFormat::Prometheus => prometheus(outcome),
    }
}

type Outcome = Result<(Thresholds, Reading), Failure>;

fn text(outcome: Outcome) -> u8 {
    let assessed = outcome.and_then(|(t, r)| {
        let level = if t.any() { Some(r.assess(&t)?) } else { None };
        Ok((r, level))
    });
    match assessed {
        Ok((reading, level)) => {
            println!("balance: {} credits", reading.credits());
            match (&reading.balance.expiration, &reading.balance.expiration_iso) {
                (Some(_), Some(iso)) => println!(
                    "expires: {iso} ({})",
                    days_words(reading.days_left.unwrap_or_default())
                ),
                (Some(text), None) => println!("expires: {text} (date unreadable)"),
                (None, _) => println!("expires: unknown"),
            }
            if let Some((level, reasons)) = level {
                let why = if reasons.is_empty() {
                    String::new()
                } else {
                    format!(": {}", reasons.join(", "))
                };
                println!("state: {}{why}", level.nagios_name());
            }
            0
        }
        Err(failure) => {
            eprintln!("isms: {}", failure.line());
            1
        }
    }
}

fn json_format(outcome: Outcome) -> u8 {
    match outcome {
        Ok((_, reading)) => {
            let b = &reading.balance;
            let object = json_object(&[
                ("balance", json!(b.balance)),
                ("expiration", json!(b.expiration)),
                ("expiration_iso", json!(b.expiration_iso)),
                ("days_left", json!(reading.days_left)),
                ("status", json!(Status::Ok.name())),
            ]);
            println!("{object}");
            0
        }
        Err(failure) => {
            println!("{}", failure.json());
            1
        }
    }
}

/// A perfdata threshold in Nagios range syntax: `10:` alerts below 10.
fn range<T: std::fmt::Display>(limit: Option<T>) -> String {
    limit.map(|n| format!("{n}:")).unwrap_or_default()
}

/// A Nagios status line is one line: no newline or `|` from a message.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c == '|' || c.is_control() { ' ' } else { c })
        .collect()
}

fn nagios(outcome: Outcome) -> u8 {
    let assessed = outcome.and_then(|(t, r)| {
        let (level, reasons) = r.assess(&t)?;
        Ok((t, r, level, reasons))
    });
    match assessed {
        Ok((t, reading, level, reasons)) => {
            let mut summary = format!("{} credits, {}", reading.credits(), reading.expiry_words());
            if !reasons.is_empty() {
                summary.push_str(&format!(": {}", reasons.join(", ")));
            }
            let mut perfdata = format!(
                "balance={};{};{}",
                reading.credits(),
                range(t.warn_below),
                range(t.critical_below)
            );
            if let Some(days) = reading.days_left {
                perfdata.push_str(&format!(
                    " expiry_days={days};{};{}",
                    range(t.warn_days),
                    range(t.critical_days)
                ));
            }
            println!(
                "ISMS {} - {} | {perfdata}",
                level.nagios_name(),
                one_line(&summary)
            );
            level.nagios_exit()
        }
        Err(failure) => {
            println!("ISMS UNKNOWN - {}", one_line(&failure.line()));
            NAGIOS_UNKNOWN
        }
    }
}

fn prometheus(outcome: Outcome) -> u8 {
    let up = outcome.is_ok();
    println!("# HELP isms_up Whether the iSMS account's balance could be read (1) or not (0).");
    println!("# TYPE isms_up gauge");
    println!("isms_up {}", u8::from(up));
    match outcome {
        Ok((_, reading)) => {
            println!("# HELP isms_balance_credits The iSMS account's credit.");
            println!("# TYPE isms_balance_credits gauge");
            println!("isms_balance_credits {}", reading.credits());
            if let Some(day) = reading.expiry_day {
                println!(
                    "# HELP isms_credit_expiry_timestamp_seconds When the credit expires: midnight UTC of the expiry date, in Unix seconds."
                );
                println!("# TYPE isms_credit_expiry_timestamp_seconds gauge");
                println!(
                    "isms_credit_expiry_timestamp_seconds {}",
                    day * days::SECONDS_PER_DAY
                );
            }
            0
        }
        Err(failure) => {
            eprintln!("isms: {}", failure.line());
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(balance: f64, days_left: i64) -> Reading {
        let today = days::days_from_civil(2026, 1, 1);
        let mut r = Reading::new(
            Balance {
                http_status: 200,
                balance,
                balance_text: format!("{balance:?}"),
                expiration: Some("01 Jan 2026".into()),
                expiration_iso: Some("2026-01-01".into()),
            },
            today - days_left,
        );
        r.days_left = Some(days_left);
        r
    }

    #[test]
    fn below_is_strict_and_critical_wins() {
        let t = Thresholds {
            warn_below: Some(10.0),
            critical_below: Some(5.0),
            warn_days: Some(30),
            critical_days: Some(7),
        };
        let level = |b, d| reading(b, d).assess(&t).unwrap().0;
        assert_eq!(level(10.0, 30), Level::Ok);
        assert_eq!(level(9.9, 30), Level::Warning);
        assert_eq!(level(5.0, 30), Level::Warning);
        assert_eq!(level(4.9, 30), Level::Critical);
        assert_eq!(level(100.0, 29), Level::Warning);
        assert_eq!(level(100.0, 7), Level::Warning);
        assert_eq!(level(100.0, 6), Level::Critical);
        assert_eq!(level(9.0, 6), Level::Critical);
        assert_eq!(level(100.0, -1), Level::Critical);
        assert_eq!(
            reading(0.0, 0).assess(&Thresholds::default()).unwrap().0,
            Level::Ok
        );
    }
}
