//! The HTTP forward proxy, the SOCKS5 server, and the byte pump both use.
//! Targets are restricted to loopback addresses.

use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Shutdown, SocketAddr, TcpStream};
use std::thread;
use std::time::Duration;

use crate::gateway::{Gateway, Listener};
use crate::http::{read_request, set_linger_zero, text_response, ReadOutcome};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The address to dial for `host`, if it is a loopback target (`localhost` means 127.0.0.1,
/// the address the sandbox listens on).
pub fn loopback_target(host: &str, port: u16) -> Option<SocketAddr> {
    let h = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let ip = if h.eq_ignore_ascii_case("localhost") {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    } else {
        h.parse::<IpAddr>().ok().filter(IpAddr::is_loopback)?
    };
    Some(SocketAddr::new(ip, port))
}

/// `host:port`, `[v6]:port`, or `host` with a default port.
fn split_host_port(s: &str, default_port: Option<u16>) -> Option<(&str, u16)> {
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        return match after.strip_prefix(':') {
            Some(p) => Some((host, p.parse().ok()?)),
            None if after.is_empty() => Some((host, default_port?)),
            None => None,
        };
    }
    match s.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => Some((h, p.parse().ok()?)),
        Some(_) => None,
        None => Some((s, default_port?)),
    }
}

/// Copies `from` to `to` until EOF or error. An RST from `from` is passed on as an RST.
fn pump(mut from: TcpStream, mut to: TcpStream) {
    let mut b = vec![0u8; 16 * 1024];
    loop {
        match from.read(&mut b) {
            Ok(0) => {
                let _ = to.shutdown(Shutdown::Write);
                return;
            }
            Ok(n) => {
                if to.write_all(&b[..n]).is_err() {
                    let _ = from.shutdown(Shutdown::Both);
                    return;
                }
            }
            Err(e) => {
                if e.kind() == io::ErrorKind::ConnectionReset {
                    set_linger_zero(&to);
                    // Wake the other direction without sending a FIN.
                    let _ = to.shutdown(Shutdown::Read);
                } else {
                    let _ = to.shutdown(Shutdown::Both);
                }
                return;
            }
        }
    }
}

/// Relays bytes both ways; when the target side is done, the client side is closed too.
fn tunnel(client: TcpStream, upstream: TcpStream) {
    for s in [&client, &upstream] {
        let _ = s.set_read_timeout(None);
        let _ = s.set_nodelay(true);
    }
    let (Ok(c_read), Ok(u_write), Ok(c_write)) =
        (client.try_clone(), upstream.try_clone(), client.try_clone())
    else {
        return;
    };
    let up = thread::spawn(move || pump(c_read, u_write));
    pump(upstream, c_write);
    // Unblock the client -> target direction (a read returns 0 after SHUT_RD).
    let _ = client.shutdown(Shutdown::Read);
    let _ = up.join();
}

fn refuse(client: &mut TcpStream, status: u16, msg: &str) {
    let _ = client.write_all(&text_response(status, msg, true));
    let _ = client.shutdown(Shutdown::Write);
}

/// One connection to the HTTP proxy: `CONNECT host:port` or an absolute-URI request.
pub fn serve_http_proxy(mut client: TcpStream, sb: &Gateway) {
    let mut buf = Vec::new();
    let req = match read_request(&mut client, &mut buf, false) {
        ReadOutcome::Request(r) => r,
        ReadOutcome::Closed => return,
        ReadOutcome::Bad(status) => return refuse(&mut client, status, "bad request"),
    };
    let connect = req.method.eq_ignore_ascii_case("CONNECT");
    let (authority, path) = if connect {
        (req.target.as_str(), "")
    } else if let Some(rest) = req.target.strip_prefix("http://") {
        rest.split_at(rest.find('/').unwrap_or(rest.len()))
    } else {
        return refuse(
            &mut client,
            400,
            "this proxy takes CONNECT or absolute http:// URIs",
        );
    };
    let Some((host, port)) = split_host_port(authority, (!connect).then_some(80)) else {
        return refuse(&mut client, 400, "bad target");
    };
    let Some(addr) = loopback_target(host, port) else {
        return refuse(&mut client, 403, "only loopback targets are allowed");
    };
    let mut upstream = match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
        Ok(u) => u,
        Err(_) => return refuse(&mut client, 502, "cannot connect to target"),
    };
    sb.counters.tunnel(Listener::Proxy);
    let sent = if connect {
        client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
    } else {
        // Origin-form request line; hop-by-hop and proxy headers dropped.
        let mut head = format!(
            "{} {} {}\r\n",
            req.method,
            if path.is_empty() { "/" } else { path },
            req.version
        );
        let hop = [
            "proxy-authorization",
            "proxy-connection",
            "connection",
            "keep-alive",
        ];
        for (k, v) in &req.headers {
            if !hop.contains(&k.to_ascii_lowercase().as_str()) {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
        }
        head.push_str("Connection: close\r\n\r\n");
        upstream.write_all(head.as_bytes())
    };
    // Bytes the client sent after the head (request body, early TLS ClientHello).
    if sent.is_err() || (!buf.is_empty() && upstream.write_all(&buf).is_err()) {
        return;
    }
    tunnel(client, upstream);
}

/// SOCKS5 reply: `code` and the bound address (zeros when unknown).
fn socks_reply(client: &mut TcpStream, code: u8, bound: Option<SocketAddr>) -> io::Result<()> {
    let mut r = vec![5, code, 0];
    match bound {
        Some(SocketAddr::V6(a)) => {
            r.push(4);
            r.extend_from_slice(&a.ip().octets());
            r.extend_from_slice(&a.port().to_be_bytes());
        }
        Some(SocketAddr::V4(a)) => {
            r.push(1);
            r.extend_from_slice(&a.ip().octets());
            r.extend_from_slice(&a.port().to_be_bytes());
        }
        None => r.extend_from_slice(&[1, 0, 0, 0, 0, 0, 0]),
    }
    client.write_all(&r)
}

/// One SOCKS5 connection: no-auth method, CONNECT command, IPv4 / domain / IPv6.
pub fn serve_socks(mut client: TcpStream, sb: &Gateway) {
    let _ = socks(&mut client, sb);
}

fn socks(client: &mut TcpStream, sb: &Gateway) -> io::Result<()> {
    let mut hello = [0u8; 2];
    client.read_exact(&mut hello)?;
    if hello[0] != 5 {
        return Ok(());
    }
    let mut methods = vec![0u8; usize::from(hello[1])];
    client.read_exact(&mut methods)?;
    if !methods.contains(&0) {
        return client.write_all(&[5, 0xff]);
    }
    client.write_all(&[5, 0])?;

    let mut req = [0u8; 4];
    client.read_exact(&mut req)?;
    if req[0] != 5 {
        return Ok(());
    }
    let host = match req[3] {
        1 => {
            let mut a = [0u8; 4];
            client.read_exact(&mut a)?;
            Ipv4Addr::from(a).to_string()
        }
        3 => {
            let mut len = [0u8; 1];
            client.read_exact(&mut len)?;
            let mut name = vec![0u8; usize::from(len[0])];
            client.read_exact(&mut name)?;
            String::from_utf8_lossy(&name).into_owned()
        }
        4 => {
            let mut a = [0u8; 16];
            client.read_exact(&mut a)?;
            std::net::Ipv6Addr::from(a).to_string()
        }
        _ => return socks_reply(client, 8, None), // address type not supported
    };
    let mut port = [0u8; 2];
    client.read_exact(&mut port)?;
    let port = u16::from_be_bytes(port);
    if req[1] != 1 {
        return socks_reply(client, 7, None); // command not supported
    }
    let Some(addr) = loopback_target(&host, port) else {
        return socks_reply(client, 2, None); // not allowed by ruleset
    };
    let upstream = match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
        Ok(u) => u,
        Err(e) => {
            let code = match e.kind() {
                io::ErrorKind::ConnectionRefused => 5,
                io::ErrorKind::TimedOut => 4, // host unreachable
                _ => 1,
            };
            return socks_reply(client, code, None);
        }
    };
    socks_reply(client, 0, upstream.local_addr().ok())?;
    sb.counters.tunnel(Listener::Socks);
    let client = client.try_clone()?;
    tunnel(client, upstream);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(
            split_host_port("127.0.0.1:443", None),
            Some(("127.0.0.1", 443))
        );
        assert_eq!(split_host_port("[::1]:8443", None), Some(("::1", 8443)));
        assert_eq!(
            split_host_port("localhost", Some(80)),
            Some(("localhost", 80))
        );
        assert_eq!(split_host_port("localhost", None), None);
        assert!(loopback_target("localhost", 1).is_some());
        assert!(loopback_target("[::1]", 1).is_some());
        assert!(loopback_target("127.0.0.1", 1).is_some());
        assert!(loopback_target("10.0.0.1", 1).is_none());
        assert!(loopback_target("www.isms.com.my", 1).is_none());
    }
}
