//! The process-wide pools are bounded. In a test binary of its own: the
//! twenty pools it makes would evict those of tests running beside it.

mod common;

use common::Sandbox;

#[test]
fn pools_are_bounded_least_recently_used_first() {
    let sandbox = Sandbox::start();
    let ca = std::fs::read_to_string(sandbox.ca_file()).unwrap();
    let other = std::fs::read_to_string(sandbox.str("other_ca_file")).unwrap();
    // Twenty CA bundles with the same trust and different bytes: twenty pools.
    let dir = sandbox.ca_file().parent().unwrap().to_owned();
    let bundles: Vec<_> = (0..20)
        .map(|i| {
            let path = dir.join(format!("bundle-{i}.pem"));
            std::fs::write(&path, format!("{ca}{}", other.repeat(i + 1))).unwrap();
            path
        })
        .collect();
    let call = |bundle: &std::path::Path| {
        let client = sandbox.client("bounded");
        client.set_ca_file(Some(bundle)).unwrap();
        client.balance().unwrap();
    };
    call(&bundles[0]);
    call(&bundles[0]);
    assert_eq!(sandbox.connections("bounded"), 1);
    for bundle in &bundles[1..] {
        call(bundle);
    }
    assert_eq!(sandbox.connections("bounded"), 20);
    // The first pool was dropped for newer ones: its connection is gone.
    call(&bundles[0]);
    assert_eq!(sandbox.connections("bounded"), 21);
    // The most recent one is still there.
    call(&bundles[19]);
    assert_eq!(sandbox.connections("bounded"), 21);
}
