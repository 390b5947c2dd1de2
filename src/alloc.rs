//! The shared library's allocator: the system's, with every block zeroed
//! before it is freed.
//!
//! The password travels through code the library does not own (ureq builds
//! the request line, rustls encrypts it, the URL is parsed into `http`
//! types), and each of those copies is freed without being zeroed. With this
//! allocator no freed block of the library's heap keeps a secret: after
//! `isms_client_free` nothing of the client's password is left in the
//! process (checked with a core dump by `bindings/c/test_coredump.c`).
//! Growing a block copies it to a new one and zeroes the old (the default
//! `realloc` of [`GlobalAlloc`] goes through `dealloc`).
//!
//! It is the global allocator of every Rust program that links this crate,
//! except its unit tests, which scan freed blocks with their own.

use std::alloc::{GlobalAlloc, Layout, System};

pub struct ZeroingAllocator;

// SAFETY: forwards to the system allocator; `dealloc` writes only inside
// the block being freed, which the caller still owns.
unsafe impl GlobalAlloc for ZeroingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` is a live block of `layout.size()` bytes until freed
        // below. The pointer escapes through `black_box` after the memset, so
        // the compiler cannot drop the zeroing as a dead store before free.
        unsafe {
            std::ptr::write_bytes(ptr, 0, layout.size());
            std::hint::black_box(ptr);
            std::sync::atomic::compiler_fence(std::sync::atomic::Ordering::SeqCst);
            System.dealloc(ptr, layout)
        }
    }
}
