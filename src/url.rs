//! The parts of a `scheme://[userinfo@]host[:port][/path][?query][#fragment]`
//! URL, split once for every place that reads a proxy's or a store's URL
//! (which may carry credentials: the parts borrow, nothing is copied).

/// A URL split at its authority.
#[derive(Clone, Copy)]
pub struct UrlParts<'a> {
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub scheme: &'a str,
    /// What precedes the last `@` of the authority (`user:password`).
    pub userinfo: Option<&'a str>,
    /// `host[:port]`; may be empty.
    pub host_port: &'a str,
    /// From the first `/`, `?` or `#` after the authority, else empty.
    pub tail: &'a str,
}

impl<'a> UrlParts<'a> {
    /// `None` without `://`.
    pub fn split(url: &'a str) -> Option<UrlParts<'a>> {
        let (scheme, rest) = url.split_once("://")?;
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let (userinfo, host_port) = match authority.rsplit_once('@') {
            Some((user, host)) => (Some(user), host),
            None => (None, authority),
        };
        Some(UrlParts {
            scheme,
            userinfo,
            host_port,
            tail,
        })
    }

    /// The port, when one is written (`None` for `host` or `[::1]`).
    pub fn port(&self) -> Option<&'a str> {
        if self.host_port.starts_with('[') {
            self.host_port.rsplit_once("]:").map(|(_, p)| p)
        } else {
            self.host_port.rsplit_once(':').map(|(_, p)| p)
        }
    }

    /// The password of the userinfo, as written (still percent-encoded).
    pub fn password(&self) -> Option<&'a str> {
        self.userinfo?.split_once(':').map(|(_, p)| p)
    }
}

#[cfg(test)]
mod tests {
    use super::UrlParts;

    #[test]
    fn parts() {
        let p = UrlParts::split("redis://u:p@ss@[::1]:6380/2?x#y").unwrap();
        assert_eq!(p.scheme, "redis");
        assert_eq!(p.userinfo, Some("u:p@ss"));
        assert_eq!(p.host_port, "[::1]:6380");
        assert_eq!(p.port(), Some("6380"));
        assert_eq!(p.tail, "/2?x#y");
        assert_eq!(p.password(), Some("p@ss"));
        let p = UrlParts::split("http://h").unwrap();
        assert_eq!(
            (p.userinfo, p.host_port, p.tail, p.port()),
            (None, "h", "", None)
        );
        assert_eq!(UrlParts::split("redis://:s@/0").unwrap().host_port, "");
        assert_eq!(UrlParts::split("[::1]").map(|p| p.scheme), None);
        assert_eq!(UrlParts::split("http://[::1]/").unwrap().port(), None);
    }
}
