//! Which proxy a request goes through. Pure: the environment is passed in.
//!
//! The default follows the standard variables the way curl reads them:
//! `https_proxy`/`HTTPS_PROXY` for https endpoints, `http_proxy` (lower case
//! only, as curl, since `HTTP_PROXY` can be set by a web server's client in
//! CGI) for http ones, then `all_proxy`/`ALL_PROXY`; `no_proxy`/`NO_PROXY`
//! lists hosts, domain suffixes, IP addresses and CIDR ranges reached
//! directly, `*` meaning all of them.

use std::net::IpAddr;

use crate::error::Error;

/// The proxy setting of a client.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum ProxySetting {
    /// Follow the environment variables (the default).
    #[default]
    FromEnvironment,
    /// Connect directly whatever the environment says.
    Direct,
    /// Always this proxy URL.
    Url(String),
}

const SCHEMES: [&str; 3] = ["http://", "socks5://", "socks5h://"];

impl ProxySetting {
    /// `None` -> the environment, `""` -> direct, else an `http://`,
    /// `socks5://` or `socks5h://` URL. The URL is never echoed in the error:
    /// it may carry credentials.
    pub fn parse(proxy: Option<&str>) -> Result<ProxySetting, Error> {
        let Some(url) = proxy else {
            return Ok(ProxySetting::FromEnvironment);
        };
        if url.is_empty() {
            return Ok(ProxySetting::Direct);
        }
        let lower = url.to_ascii_lowercase();
        if !SCHEMES.iter().any(|s| lower.starts_with(s)) {
            return Err(Error::invalid(
                "proxy: expected an http://, socks5:// or socks5h:// URL, or \"\" for a direct connection",
            ));
        }
        if ureq::Proxy::new(url).is_err() {
            return Err(Error::invalid("proxy: not a valid proxy URL"));
        }
        Ok(ProxySetting::Url(url.to_owned()))
    }

    /// The proxy URL to use for `host`, or `None` for a direct connection.
    pub fn resolve(
        &self,
        https: bool,
        host: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Option<String> {
        match self {
            ProxySetting::Direct => None,
            ProxySetting::Url(url) => Some(url.clone()),
            ProxySetting::FromEnvironment => proxy_from_env(https, host, env),
        }
    }
}

fn first_set(env: &impl Fn(&str) -> Option<String>, names: &[&str]) -> Option<String> {
    names
        .iter()
        .filter_map(|name| env(name))
        .find(|value| !value.trim().is_empty())
}

fn proxy_from_env(https: bool, host: &str, env: impl Fn(&str) -> Option<String>) -> Option<String> {
    let scheme_vars: &[&str] = if https {
        &["https_proxy", "HTTPS_PROXY"]
    } else {
        &["http_proxy"]
    };
    let url =
        first_set(&env, scheme_vars).or_else(|| first_set(&env, &["all_proxy", "ALL_PROXY"]))?;
    if let Some(list) = first_set(&env, &["no_proxy", "NO_PROXY"]) {
        if no_proxy_matches(&list, host) {
            return None;
        }
    }
    let url = url.trim();
    Some(if url.contains("://") {
        url.to_owned()
    } else {
        // curl's default scheme for a proxy given without one.
        format!("http://{url}")
    })
}

/// Whether `host` is listed in a `NO_PROXY` value.
pub fn no_proxy_matches(list: &str, host: &str) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let host_ip: Option<IpAddr> = host.parse().ok();
    list.split([',', ' '])
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            if let (Some(ip), Some((net, bits))) = (host_ip, entry.split_once('/')) {
                return cidr_contains(net, bits, ip);
            }
            let entry = entry
                .trim_start_matches('[')
                .trim_end_matches(']')
                .trim_start_matches('.')
                .trim_end_matches('.')
                .to_ascii_lowercase();
            if let (Some(ip), Ok(entry_ip)) = (host_ip, entry.parse::<IpAddr>()) {
                return ip == entry_ip;
            }
            host == entry
                || (host.len() > entry.len()
                    && host.ends_with(&entry)
                    && host.as_bytes()[host.len() - entry.len() - 1] == b'.')
        })
}

fn cidr_contains(net: &str, bits: &str, ip: IpAddr) -> bool {
    let (Ok(net), Ok(bits)) = (net.parse::<IpAddr>(), bits.parse::<u32>()) else {
        return false;
    };
    match (net, ip) {
        (IpAddr::V4(net), IpAddr::V4(ip)) if bits <= 32 => {
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            u32::from(net) & mask == u32::from(ip) & mask
        }
        (IpAddr::V6(net), IpAddr::V6(ip)) if bits <= 128 => {
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            u128::from(net) & mask == u128::from(ip) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::Status;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn parse_settings() {
        assert_eq!(
            ProxySetting::parse(None).unwrap(),
            ProxySetting::FromEnvironment
        );
        assert_eq!(ProxySetting::parse(Some("")).unwrap(), ProxySetting::Direct);
        for ok in [
            "http://127.0.0.1:3128",
            "socks5://127.0.0.1:1080",
            "SOCKS5h://u:p@proxy:1080",
        ] {
            assert!(
                matches!(ProxySetting::parse(Some(ok)), Ok(ProxySetting::Url(_))),
                "{ok}"
            );
        }
        for bad in ["ftp://x", "127.0.0.1:3128", "http://", "gopher://h:1"] {
            let err = ProxySetting::parse(Some(bad)).unwrap_err();
            assert_eq!(err.status(), Status::InvalidArgument, "{bad}");
            assert!(err.message().starts_with("proxy:"));
        }
        let err = ProxySetting::parse(Some("ftp://user:hunter2@host")).unwrap_err();
        assert!(!err.message().contains("hunter2"));
    }

    #[test]
    fn environment_like_curl() {
        let env = env_of(&[
            ("HTTPS_PROXY", "proxy:3128"),
            ("HTTP_PROXY", "http://cgi:1"),
        ]);
        let from_env = ProxySetting::FromEnvironment;
        assert_eq!(
            from_env.resolve(true, "www.isms.com.my", &env).as_deref(),
            Some("http://proxy:3128")
        );
        // Upper-case HTTP_PROXY is ignored, as curl does.
        assert_eq!(from_env.resolve(false, "127.0.0.1", &env), None);
        let env = env_of(&[
            ("https_proxy", "http://lower:1"),
            ("HTTPS_PROXY", "http://upper:1"),
        ]);
        assert_eq!(
            from_env.resolve(true, "h", &env).as_deref(),
            Some("http://lower:1")
        );
        let env = env_of(&[("ALL_PROXY", "socks5://s:1080"), ("https_proxy", "")]);
        assert_eq!(
            from_env.resolve(true, "h", &env).as_deref(),
            Some("socks5://s:1080")
        );
        assert_eq!(
            from_env.resolve(false, "h", &env).as_deref(),
            Some("socks5://s:1080")
        );
        let env = env_of(&[("https_proxy", "http://p:1"), ("NO_PROXY", "isms.com.my")]);
        assert_eq!(from_env.resolve(true, "www.isms.com.my", &env), None);
        assert_eq!(
            from_env.resolve(true, "isms.com.my.evil", &env).as_deref(),
            Some("http://p:1")
        );
        assert_eq!(ProxySetting::Direct.resolve(true, "h", &env), None);
        let fixed = ProxySetting::Url("socks5://x:1".into());
        assert_eq!(
            fixed
                .resolve(true, "h", env_of(&[("NO_PROXY", "*")]))
                .as_deref(),
            Some("socks5://x:1")
        );
    }

    #[test]
    fn no_proxy_lists() {
        let cases = [
            ("*", "anything", true),
            ("localhost,127.0.0.1", "127.0.0.1", true),
            ("localhost, .example.com", "www.example.com", true),
            (".example.com", "example.com", true),
            ("example.com", "notexample.com", false),
            ("EXAMPLE.com", "www.Example.COM", true),
            ("10.0.0.0/8", "10.1.2.3", true),
            ("10.0.0.0/8", "11.1.2.3", false),
            ("127.0.0.0/8", "localhost", false),
            ("::1", "[::1]", true),
            ("fd00::/8", "[fd12::1]", true),
            ("0.0.0.0/0", "192.0.2.1", true),
            ("", "h", false),
        ];
        for (list, host, want) in cases {
            assert_eq!(no_proxy_matches(list, host), want, "{list} / {host}");
        }
    }
}
