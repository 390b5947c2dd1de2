//! `redis://` and `rediss://`: the guard's records in a Redis server shared
//! by many hosts.
//!
//! * Each decision is one Lua script run with EVALSHA (loaded with SCRIPT
//!   LOAD when the server does not know it, then retried once), so it is
//!   atomic on the server. The scripts run `policy.rs`'s rules line for line,
//!   with the limits passed in by the caller (the server keeps counts and
//!   times, never limits) and the server's clock (`TIME`, to the
//!   millisecond), so hosts with skewed clocks agree.
//! * Keys are `isms:{<username in hex>}:send:<number>` (sorted set of send
//!   times), `...:fail:<number>` (sorted set of wrong-code times) and
//!   `...:code:<uuid>` (hash), each with a TTL: sends live the longer of the
//!   cooldown and the window, failures an hour, codes a day (or their
//!   lifetime, if longer). The username is hex-encoded, so any character is
//!   safe in it; the braces keep one account's keys in one cluster slot.
//! * Connecting and every command finish within the call's deadline (connect
//!   timeout, read and write timeouts from the time left); a script that
//!   keeps the server busy is waited out within it.
//! * Any failure is a [`StoreError`] with our own words: the crate's error
//!   text may hold the URL or parts of it, so it is never passed on.
//! * Connections are kept per process for reuse, taken and returned inside
//!   fork-safe sections ([`IdleConnections`]); a failed one is dropped and
//!   the next call connects anew.
//!   A forked child never touches them: the registry in `mod.rs` sets the
//!   parent's store aside, and the `redis::Client` itself holds no socket.

use std::time::{Duration, Instant};

use redis::{
    Connection, ErrorKind, IntoConnectionInfo, RedisConnectionInfo, RedisError, ServerErrorKind,
    Value,
};
use zeroize::Zeroizing;

use super::policy::{wait_seconds, Limits, RateLimited, VerifyAnswer, VerifyRefusal};
use super::store::{IdleConnections, Namespace, Store, StoreError};
use crate::url::UrlParts;

/// The shared prelude: the server's time in milliseconds, a time set read
/// and pruned, a unique member for a new time, a TTL that only grows.
const PRELUDE: &str = r#"
local HOUR = 3600000
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function age(now, t)
  if t >= now then return 0 end
  return now - t
end
local function fmt(n) return string.format('%.0f', n) end
-- The times of a sorted set younger than `keep` ms, oldest first; older ones removed.
local function times(key, now, keep)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', fmt(now - keep))
  local all = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
  local kept = {}
  for i = 2, #all, 2 do
    local t = tonumber(all[i])
    if age(now, t) < keep then kept[#kept + 1] = t end
  end
  return kept
end
local function add_time(key, now)
  local same = redis.call('ZCOUNT', key, fmt(now), fmt(now))
  redis.call('ZADD', key, fmt(now), fmt(now) .. '.' .. same)
end
local function expire_at_least(key, ms)
  ms = math.max(ms, 1000)
  local ttl = redis.call('PTTL', key)
  if ttl < ms then redis.call('PEXPIRE', key, fmt(ms)) end
end
"#;

/// KEYS: sends. ARGV: cooldown_s, sends_per_window, window_s.
/// Returns {0, wait_ms} refused, or {1, 0} reserved.
const RESERVE_SEND: &str = r#"
local now = now_ms()
local cooldown = tonumber(ARGV[1]) * 1000
local per = tonumber(ARGV[2])
local window = tonumber(ARGV[3]) * 1000
local horizon = math.max(cooldown, window)
local sends = times(KEYS[1], now, math.max(horizon, 1))
local wait = 0
if cooldown > 0 and #sends > 0 then
  local last = sends[#sends]
  if age(now, last) < cooldown then wait = math.max(wait, last + cooldown - now) end
end
if per > 0 and window > 0 then
  local inside = {}
  for _, t in ipairs(sends) do
    if age(now, t) < window then inside[#inside + 1] = t end
  end
  if #inside >= per then
    local leaving = inside[#inside - per + 1]
    wait = math.max(wait, leaving + window - now)
  end
end
if wait > 0 then return {0, wait} end
add_time(KEYS[1], now)
expire_at_least(KEYS[1], horizon)
return {1, 0}
"#;

/// KEYS: code. ARGV: sms_id, number, lifetime_s, code_row_age_ms.
const RECORD_SENT: &str = r#"
local now = now_ms()
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'sms_id', ARGV[1], 'number', ARGV[2], 'created', fmt(now),
  'attempts', 0, 'verified', 0)
redis.call('PEXPIRE', KEYS[1], fmt(math.max(tonumber(ARGV[3]) * 1000, tonumber(ARGV[4]))))
return 1
"#;

/// KEYS: code, failures. ARGV: number, sms_id, code_attempts, lifetime_s,
/// failures_per_hour, code_row_age_ms.
/// Returns {0, attempts_left} reserved; {1, left} not allowed; {2, 0}
/// expired; {3, 0} too many attempts; {4, left, wait_ms} rate limited.
const RESERVE_VERIFY: &str = r#"
local now = now_ms()
local number, sms_id = ARGV[1], ARGV[2]
local max_attempts = tonumber(ARGV[3])
local lifetime = tonumber(ARGV[4]) * 1000
local per_hour = tonumber(ARGV[5])
local row_age = math.max(lifetime, tonumber(ARGV[6]))
local failures = times(KEYS[2], now, HOUR)
local c = redis.call('HMGET', KEYS[1], 'sms_id', 'number', 'created', 'attempts', 'verified')
local known = c[1] ~= false and c[2] ~= false and c[3] ~= false and c[4] ~= false
local used = 0
if known then used = tonumber(c[4]) end
local left = math.max(max_attempts - used, 0)
if known then
  if c[2] ~= number or c[1] ~= sms_id then return {1, left} end
  if c[5] == '1' then return {2, 0} end
  if age(now, tonumber(c[3])) >= lifetime then return {2, 0} end
  if used >= max_attempts then return {3, 0} end
end
if per_hour > 0 and #failures >= per_hour then
  local leaving = failures[#failures - per_hour + 1]
  return {4, left, leaving + HOUR - now}
end
if known then
  redis.call('HINCRBY', KEYS[1], 'attempts', 1)
  expire_at_least(KEYS[1], tonumber(c[3]) + row_age - now)
else
  redis.call('HSET', KEYS[1], 'sms_id', sms_id, 'number', number, 'created', fmt(now),
    'attempts', 1, 'verified', 0)
  redis.call('PEXPIRE', KEYS[1], fmt(row_age))
end
return {0, math.max(max_attempts - used - 1, 0)}
"#;

/// KEYS: code, failures. ARGV: 'verified' or 'incorrect'.
const RECORD_ANSWER: &str = r#"
local now = now_ms()
if ARGV[1] == 'verified' then
  if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'verified', 1) end
else
  times(KEYS[2], now, HOUR)
  add_time(KEYS[2], now)
  redis.call('PEXPIRE', KEYS[2], HOUR)
end
return 1
"#;

/// Code records are kept at least this long (as the SQLite store does).
const CODE_ROW_AGE_MS: u64 = 24 * super::policy::HOUR_MS;

/// How long to wait before asking again while a script keeps the server busy.
const BUSY_PAUSE: Duration = Duration::from_millis(20);

/// One script: its whole text (prelude included) and SHA-1.
struct Script {
    source: String,
    sha: String,
}

impl Script {
    fn new(body: &str) -> Script {
        let source = format!("{PRELUDE}{body}");
        let sha = redis::Script::new(&source).get_hash().to_owned();
        Script { source, sha }
    }
}

struct Scripts {
    reserve_send: Script,
    record_sent: Script,
    reserve_verify: Script,
    record_answer: Script,
}

pub struct RedisStore {
    /// The address only (no credentials, no database); it never holds a socket.
    client: redis::Client,
    /// From the URL: sent by [`RedisStore::connect`] itself, so that each
    /// step of a new connection waits only for the time left.
    username: Option<Zeroizing<String>>,
    password: Option<Zeroizing<String>>,
    db: i64,
    /// Idle connections of this process.
    idle: IdleConnections<Connection>,
    scripts: Scripts,
}

fn remaining(deadline: Instant) -> Duration {
    deadline.saturating_duration_since(Instant::now())
}

fn out_of_time() -> StoreError {
    StoreError("the Redis store did not answer before the deadline".into())
}

/// Our own words for a crate error (its text may quote the URL).
fn store_error(e: &RedisError) -> StoreError {
    let why = if e.is_timeout() {
        return out_of_time();
    } else if e.is_connection_refusal() {
        "the Redis store refused the connection".to_owned()
    } else if e.kind() == ErrorKind::AuthenticationFailed
        || e.code().is_some_and(|c| c == "WRONGPASS" || c == "NOAUTH")
    {
        "the Redis store refused the credentials".to_owned()
    } else if e.is_io_error() || e.is_connection_dropped() {
        "the connection to the Redis store failed".to_owned()
    } else if let Some(code) = e
        .code()
        .filter(|c| c.len() <= 20 && c.bytes().all(|b| b.is_ascii_uppercase()))
    {
        format!("the Redis store answered with an error ({code})")
    } else {
        "the Redis store could not be used".to_owned()
    };
    StoreError(why)
}

/// The URL with 127.0.0.1 as the host when it names none (`redis://`,
/// `redis://:6380/1`, `redis://:pw@/0`).
fn with_default_host(url: &str) -> Zeroizing<String> {
    let Some(UrlParts {
        scheme,
        userinfo,
        host_port,
        tail,
    }) = UrlParts::split(url)
    else {
        return Zeroizing::new(url.to_owned());
    };
    if !(host_port.is_empty() || host_port.starts_with(':')) {
        return Zeroizing::new(url.to_owned());
    }
    let mut fixed = Zeroizing::new(String::with_capacity(url.len() + 10));
    fixed.push_str(scheme);
    fixed.push_str("://");
    if let Some(userinfo) = userinfo {
        fixed.push_str(userinfo);
        fixed.push('@');
    }
    fixed.push_str("127.0.0.1");
    fixed.push_str(host_port);
    fixed.push_str(tail);
    fixed
}

impl RedisStore {
    /// Reads the URL and connects once (so a wrong address or password is
    /// known now); the connection is kept for the first call.
    pub fn open(url: &Zeroizing<String>, deadline: Instant) -> Result<RedisStore, StoreError> {
        let url = with_default_host(url);
        let info = url
            .as_str()
            .into_connection_info()
            .map_err(|_| StoreError("the Redis URL could not be read".into()))?;
        let settings = info.redis_settings();
        let username = settings.username().map(|u| Zeroizing::new(u.to_owned()));
        let password = settings.password().map(|p| Zeroizing::new(p.to_owned()));
        let db = settings.db();
        // The crate's copy of the credentials is dropped here (its heap is
        // wiped by the library's zeroing allocator).
        let info = info.set_redis_settings(RedisConnectionInfo::default().set_skip_set_lib_name());
        let client = redis::Client::open(info).map_err(|e| store_error(&e))?;
        let store = RedisStore {
            client,
            username,
            password,
            db,
            idle: IdleConnections::new(),
            scripts: Scripts {
                reserve_send: Script::new(RESERVE_SEND),
                record_sent: Script::new(RECORD_SENT),
                reserve_verify: Script::new(RESERVE_VERIFY),
                record_answer: Script::new(RECORD_ANSWER),
            },
        };
        let conn = store.connect(deadline)?;
        store.idle.put_back(conn);
        Ok(store)
    }

    fn connect(&self, deadline: Instant) -> Result<Connection, StoreError> {
        let left = remaining(deadline);
        if left.is_zero() {
            return Err(out_of_time());
        }
        let mut conn = self
            .client
            .get_connection_with_timeout(left)
            .map_err(|e| store_error(&e))?;
        if let Some(password) = &self.password {
            let mut auth = redis::cmd("AUTH");
            if let Some(username) = &self.username {
                auth.arg(username.as_str());
            }
            auth.arg(password.as_str());
            command(&mut conn, &auth, deadline)?;
        }
        if self.db != 0 {
            command(&mut conn, redis::cmd("SELECT").arg(self.db), deadline)?;
        }
        Ok(conn)
    }

    /// Runs one script within `deadline`: EVALSHA, and on NOSCRIPT, SCRIPT
    /// LOAD and EVALSHA once more. A busy server is asked again until the
    /// deadline. A connection that failed in any way is dropped.
    fn run(
        &self,
        script: &Script,
        keys: &[&str],
        args: &[String],
        deadline: Instant,
    ) -> Result<Vec<i64>, StoreError> {
        let mut conn = self.idle.take(|| self.connect(deadline))?;
        let outcome = self.run_on(&mut conn, script, keys, args, deadline);
        if outcome.is_ok() {
            self.idle.put_back(conn);
        }
        outcome
    }

    fn run_on(
        &self,
        conn: &mut Connection,
        script: &Script,
        keys: &[&str],
        args: &[String],
        deadline: Instant,
    ) -> Result<Vec<i64>, StoreError> {
        let mut loaded = false;
        loop {
            time_left(conn, deadline)?;
            let reply: Result<Value, RedisError> = redis::cmd("EVALSHA")
                .arg(&script.sha)
                .arg(keys.len())
                .arg(keys)
                .arg(args)
                .query(conn);
            match reply {
                Ok(value) => return integers(value),
                Err(e) if e.kind() == ErrorKind::Server(ServerErrorKind::NoScript) && !loaded => {
                    loaded = true;
                    time_left(conn, deadline)?;
                    let _: String = redis::cmd("SCRIPT")
                        .arg("LOAD")
                        .arg(&script.source)
                        .query(conn)
                        .map_err(|e| store_error(&e))?;
                }
                Err(e) if e.code() == Some("BUSY") => {
                    let pause = BUSY_PAUSE.min(remaining(deadline));
                    if pause.is_zero() {
                        return Err(out_of_time());
                    }
                    std::thread::sleep(pause);
                }
                Err(e) => return Err(store_error(&e)),
            }
        }
    }
}

/// Sets the connection's timeouts to the time left before `deadline`.
fn time_left(conn: &mut Connection, deadline: Instant) -> Result<(), StoreError> {
    let left = remaining(deadline);
    if left.is_zero() {
        return Err(out_of_time());
    }
    conn.set_read_timeout(Some(left))
        .and_then(|()| conn.set_write_timeout(Some(left)))
        .map_err(|e| store_error(&e))
}

/// One command whose reply is only checked for an error, within `deadline`.
fn command(conn: &mut Connection, cmd: &redis::Cmd, deadline: Instant) -> Result<(), StoreError> {
    time_left(conn, deadline)?;
    cmd.query::<Value>(conn)
        .map(drop)
        .map_err(|e| store_error(&e))
}

fn integers(value: Value) -> Result<Vec<i64>, StoreError> {
    let unexpected = || StoreError("the Redis store gave an unexpected answer".into());
    match value {
        Value::Array(items) => items
            .into_iter()
            .map(|v| match v {
                Value::Int(n) => Ok(n),
                _ => Err(unexpected()),
            })
            .collect(),
        Value::Int(n) => Ok(vec![n]),
        _ => Err(unexpected()),
    }
}

/// `isms:{<username as hex>}:`: any username is safe in a key.
fn prefix(ns: Namespace) -> String {
    let mut p = String::with_capacity(8 + ns.len() * 2);
    p.push_str("isms:{");
    for b in ns.bytes() {
        p.push_str(&format!("{b:02x}"));
    }
    p.push_str("}:");
    p
}

fn ms_to_u64(ms: i64) -> u64 {
    u64::try_from(ms).unwrap_or(0)
}

fn left_of(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl Store for RedisStore {
    fn reserve_send(
        &self,
        ns: Namespace,
        number: &str,
        limits: &Limits,
        deadline: Instant,
    ) -> Result<Result<(), RateLimited>, StoreError> {
        let key = format!("{}send:{number}", prefix(ns));
        let reply = self.run(
            &self.scripts.reserve_send,
            &[&key],
            &[
                limits.resend_cooldown_s.to_string(),
                limits.sends_per_window.to_string(),
                limits.send_window_s.to_string(),
            ],
            deadline,
        )?;
        match reply.as_slice() {
            [1, _] => Ok(Ok(())),
            [0, wait] => Ok(Err(RateLimited {
                retry_after_s: wait_seconds(ms_to_u64(*wait)),
            })),
            _ => Err(StoreError(
                "the Redis store gave an unexpected answer".into(),
            )),
        }
    }

    fn record_sent(
        &self,
        ns: Namespace,
        uuid: &str,
        sms_id: &str,
        number: &str,
        limits: &Limits,
        deadline: Instant,
    ) -> Result<(), StoreError> {
        let key = format!("{}code:{uuid}", prefix(ns));
        self.run(
            &self.scripts.record_sent,
            &[&key],
            &[
                sms_id.to_owned(),
                number.to_owned(),
                limits.code_lifetime_s.to_string(),
                CODE_ROW_AGE_MS.to_string(),
            ],
            deadline,
        )?;
        Ok(())
    }

    fn reserve_verify(
        &self,
        ns: Namespace,
        uuid: &str,
        sms_id: &str,
        number: &str,
        limits: &Limits,
        deadline: Instant,
    ) -> Result<Result<i32, VerifyRefusal>, StoreError> {
        let p = prefix(ns);
        let (code_key, fail_key) = (format!("{p}code:{uuid}"), format!("{p}fail:{number}"));
        let reply = self.run(
            &self.scripts.reserve_verify,
            &[&code_key, &fail_key],
            &[
                number.to_owned(),
                sms_id.to_owned(),
                limits.code_attempts.to_string(),
                limits.code_lifetime_s.to_string(),
                limits.failures_per_hour.to_string(),
                CODE_ROW_AGE_MS.to_string(),
            ],
            deadline,
        )?;
        Ok(match reply.as_slice() {
            [0, left] => Ok(left_of(*left)),
            [1, left] => Err(VerifyRefusal::NotAllowed {
                attempts_left: left_of(*left),
            }),
            [2, _] => Err(VerifyRefusal::Expired),
            [3, _] => Err(VerifyRefusal::TooManyAttempts),
            [4, left, wait] => Err(VerifyRefusal::RateLimited {
                retry_after_s: wait_seconds(ms_to_u64(*wait)),
                attempts_left: left_of(*left),
            }),
            _ => {
                return Err(StoreError(
                    "the Redis store gave an unexpected answer".into(),
                ))
            }
        })
    }

    fn record_answer(
        &self,
        ns: Namespace,
        uuid: &str,
        number: &str,
        answer: VerifyAnswer,
        _limits: &Limits,
        deadline: Instant,
    ) -> Result<(), StoreError> {
        let p = prefix(ns);
        let (code_key, fail_key) = (format!("{p}code:{uuid}"), format!("{p}fail:{number}"));
        let answer = match answer {
            VerifyAnswer::Verified => "verified",
            VerifyAnswer::Incorrect => "incorrect",
        };
        self.run(
            &self.scripts.record_answer,
            &[&code_key, &fail_key],
            &[answer.to_owned()],
            deadline,
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_host() {
        for (url, want) in [
            ("redis://", "redis://127.0.0.1"),
            ("redis://:6380/1", "redis://127.0.0.1:6380/1"),
            ("redis://:pw@/0", "redis://:pw@127.0.0.1/0"),
            ("rediss://u:p@h:6380/2", "rediss://u:p@h:6380/2"),
            ("redis://[::1]:6379/0", "redis://[::1]:6379/0"),
        ] {
            assert_eq!(with_default_host(url).as_str(), want, "{url}");
        }
    }

    #[test]
    fn usernames_are_hex_in_keys() {
        assert_eq!(prefix("a}:b"), "isms:{617d3a62}:");
        assert_ne!(prefix("ab"), prefix("a:b"));
    }
}
