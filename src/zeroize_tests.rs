//! The library's own copies of the password are zeroed before their memory
//! is freed. A counting allocator scans every block freed in this test binary
//! for the password, plain or percent-encoded. (Copies inside the HTTP stack,
//! made once a request is handed to it, are beyond the library's reach, so
//! no request is sent here.)
//!
//! The allocator is this crate's unit-test allocator; it scans only blocks
//! freed by a thread that asked for it, so the other unit tests running at
//! the same time neither count nor are slowed.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::request::{prepare_balance, prepare_send, prepare_verify, redact, request_url};
use crate::{Client, MessageType, SendOtp, VerifyOtp};

/// Unusual enough to appear nowhere else; `&`, `=`, ` ` and `%` encode.
const PASSWORD: &str = "Zq9&Secret=Pw 7%x";
const ENCODED: &str = "Zq9%26Secret%3DPw%207%25x";

static FREED_WITH_PASSWORD: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Whether blocks freed on this thread are scanned. `const` and without
    /// a destructor, so reading it never allocates.
    static SCANNING: Cell<bool> = const { Cell::new(false) };
}

struct ScanningAllocator;

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

// SAFETY: forwards to the system allocator; the scan only reads the block
// being freed, which is still owned here.
unsafe impl GlobalAlloc for ScanningAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` is a live block of `layout.size()` bytes until freed below.
        let block = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
        let scanning = SCANNING.try_with(Cell::get).unwrap_or(false);
        if scanning && (contains(block, PASSWORD.as_bytes()) || contains(block, ENCODED.as_bytes()))
        {
            FREED_WITH_PASSWORD.fetch_add(1, Ordering::SeqCst);
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: ScanningAllocator = ScanningAllocator;

#[test]
fn password_copies_are_zeroed_before_they_are_freed() {
    SCANNING.with(|s| s.set(true));
    // A message long enough that a growing query string would reallocate.
    let message = format!("{} %OTP%", "Kod pengesahan anda ialah ".repeat(25));
    let send = SendOtp {
        mobile: "012-345 6789",
        country_code: "60",
        message: &message,
        message_type: MessageType::Auto,
        sender_id: Some("MyApp"),
    };
    let verify = VerifyOtp {
        mobile: "012-345 6789",
        country_code: "60",
        code: "123456",
        sms_id: "1171081605",
        uuid: "1a1e1b86-4f2d-11eb",
        interval_minutes: 5,
        sender_id: None,
    };
    for _ in 0..3 {
        let client = Client::new("demo", PASSWORD).unwrap();
        client
            .set_timeout(std::time::Duration::from_secs(5))
            .unwrap();
        drop(client);

        let (_, prepared) = prepare_send("demo", PASSWORD, &send).unwrap();
        assert!(prepared.contains(ENCODED));
        let url = request_url("https://127.0.0.1:1/2FA/request.php", &prepared);
        assert!(url.len() > 512, "long enough to outgrow a small buffer");
        drop(url);
        drop(prepared);
        drop(prepare_verify("demo", PASSWORD, &verify).unwrap());
        drop(prepare_balance("demo", PASSWORD));
        // An error message that echoes the password, as a gateway page might.
        let echoed: &str = "<p>bad request un=demo&pass=Zq9%26Secret%3DPw%207%25x</p>";
        let shown = redact(echoed, PASSWORD);
        assert!(!shown.contains(ENCODED), "{shown}");
        let shown = redact(
            "pass=Zq9&Secret=Pw 7%x and Zq9%26Secret%3DPw+7%25x",
            PASSWORD,
        );
        assert_eq!(shown, "pass=[redacted] and [redacted]");
    }
    assert_eq!(FREED_WITH_PASSWORD.load(Ordering::SeqCst), 0);

    // The check must be able to fail: an ordinary String is found.
    drop(std::hint::black_box(format!("x{PASSWORD}x")));
    assert!(FREED_WITH_PASSWORD.load(Ordering::SeqCst) > 0);
}
