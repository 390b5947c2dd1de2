//! A plain-HTTP endpoint (loopback only) is always reached directly: the
//! request carries the password, which must never cross a proxy in clear.
//! Its own test binary, since it sets the proxy environment variables.

mod common;

use common::Sandbox;
use isms::Status;

const PROXY_VARIABLES: [&str; 4] = ["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"];

#[test]
fn plain_http_is_never_proxied() {
    let sandbox = Sandbox::start();
    let proxy = format!("http://127.0.0.1:{}", sandbox.port("proxy_port"));
    let socks = format!("socks5://127.0.0.1:{}", sandbox.port("socks_port"));
    let client = sandbox.client("direct");
    // The test client connects directly by default: follow the environment.
    client.set_proxy(None).unwrap();
    client
        .set_endpoint(Some(&sandbox.http_endpoint("direct", None)))
        .unwrap();

    // Every variable, one at a time, pointing at the sandbox's own proxies.
    for (round, variable) in PROXY_VARIABLES.iter().enumerate() {
        for url in [&proxy, &socks] {
            // SAFETY (edition 2021: a safe call): this binary runs this one
            // test, on one thread, so nothing reads the environment meanwhile.
            std::env::set_var(variable, url);
            let (via_proxy, via_socks) = (sandbox.listener("proxy"), sandbox.listener("socks"));
            client.balance().unwrap();
            assert_eq!(sandbox.listener("proxy"), via_proxy, "{variable}={url}");
            assert_eq!(sandbox.listener("socks"), via_socks, "{variable}={url}");
            std::env::remove_var(variable);
        }
        assert_eq!(sandbox.requests("direct"), 2 * (round as u64 + 1));
    }

    // An explicit proxy with an http:// endpoint is refused, whichever comes second.
    let err = client.set_proxy(Some(&proxy)).unwrap_err();
    assert_eq!(err.status(), Status::InvalidArgument);
    assert!(err.message().starts_with("proxy:"), "{}", err.message());
    client.set_endpoint(None).unwrap();
    client.set_proxy(Some(&proxy)).unwrap();
    let err = client
        .set_endpoint(Some(&sandbox.http_endpoint("direct", None)))
        .unwrap_err();
    assert_eq!(err.status(), Status::InvalidArgument);
    assert!(err.message().starts_with("endpoint:"), "{}", err.message());
    // The refused setting changed nothing: still the https default with the proxy.
    assert!(format!("{client:?}").contains("www.isms.com.my"));
    // "" (direct) and NULL (the environment) go with http:// as before.
    client.set_proxy(Some("")).unwrap();
    client
        .set_endpoint(Some(&sandbox.http_endpoint("direct", None)))
        .unwrap();
    client.set_proxy(None).unwrap();
    let before = sandbox.listener("proxy");
    client.balance().unwrap();
    assert_eq!(sandbox.listener("proxy"), before);
}
