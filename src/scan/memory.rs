//! Handing freed memory back to the operating system during long scans.

/// Return the allocator's free memory to the operating system.
///
/// glibc keeps what a thread frees in that thread's arena, scattered between
/// live blocks; over thousands of parses each arena settles at its thread's
/// high-water mark. `malloc_trim` releases the free pages of every arena
/// (measured on a 10,000-file scan: 40 MB peak without, 32 MB with, for about
/// 1% more CPU time).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub(super) fn release_free_memory() {
    unsafe extern "C" {
        fn malloc_trim(pad: usize) -> std::ffi::c_int;
    }
    // SAFETY: `malloc_trim` only returns free pages to the kernel; it takes the
    // arena locks itself and is safe to call from any thread at any time.
    unsafe {
        malloc_trim(0);
    }
}

/// Other allocators return memory on their own terms.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub(super) fn release_free_memory() {}
