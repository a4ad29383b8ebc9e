//! Keeping the memory of long scans low: allocator settings, handing freed
//! memory back to the operating system, and a budget on how much source is
//! parsed at once.
//!
//! Figures below are from `handoff scan --all-files` of the 10,000-file
//! benchmark repository (`benches/generate.rs`, seed 7) on 2 cores, peak RSS
//! as GNU `time` reports it, median of 3 or more runs.

use std::sync::{Condvar, Mutex, Once, PoisonError};

/// Allocations at least this large get pages of their own, returned to the
/// operating system as soon as they are freed. glibc's default threshold
/// starts at 128 KiB and rises to the largest block freed so far, after which
/// the texts, syntax-tree arrays and model vectors of big files are carved
/// out of the heap and leave holes that pin its pages. A fixed 32 KiB: about
/// 0.5 MB less peak than glibc's sliding threshold, with no measurable
/// change in CPU time (8 KiB was no better; smaller blocks waste the rest of
/// their last page).
const MMAP_THRESHOLD_BYTES: std::ffi::c_int = 32 * 1024;

/// Set the allocator up for a scan that spans many files on `threads`
/// threads (once per process; later calls do nothing).
///
/// glibc gives every thread that allocates concurrently a heap of its own
/// (up to 8 per core), and each settles at its own high-water mark. As many
/// heaps as analysis threads (the calling thread, idle while they work,
/// shares the main one): about 0.3 MB less peak than the default with two
/// threads. A single heap for all saved another 0.4 MB, but two threads
/// contending for it cost up to 20% more CPU time.
pub(super) fn configure_allocator(threads: usize) {
    static CONFIGURED: Once = Once::new();
    CONFIGURED.call_once(|| set_allocator_options(threads));
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn set_allocator_options(threads: usize) {
    /// `M_MMAP_THRESHOLD` in glibc's `malloc.h`.
    const M_MMAP_THRESHOLD: std::ffi::c_int = -3;
    /// `M_ARENA_MAX` in glibc's `malloc.h`.
    const M_ARENA_MAX: std::ffi::c_int = -8;
    unsafe extern "C" {
        fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
    }
    let arenas = std::ffi::c_int::try_from(threads.max(1)).unwrap_or(std::ffi::c_int::MAX);
    // SAFETY: `mallopt` takes the allocator's locks itself and may be called
    // from any thread at any time; these options only change where future
    // blocks come from. A refused option (return value 0) leaves glibc's
    // default, which is correct, only larger.
    unsafe {
        mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES);
        mallopt(M_ARENA_MAX, arenas);
    }
}

/// Other allocators have their own policies.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn set_allocator_options(_threads: usize) {}

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

/// How many bytes of source are parsed at the same time, at most.
///
/// Parsing a file takes about sixty times its size while the syntax tree and
/// the model are both alive (10 MB for the benchmark's largest file, 171 KB
/// of JavaScript), so the peak of a scan is set by the biggest files in
/// flight together. A file larger than the budget is parsed alone.
#[derive(Debug)]
pub(super) struct ParseBudget {
    limit: usize,
    in_flight: Mutex<usize>,
    freed: Condvar,
}

impl ParseBudget {
    /// A budget of `limit` bytes of source.
    pub(super) fn new(limit: usize) -> ParseBudget {
        ParseBudget {
            limit,
            in_flight: Mutex::new(0),
            freed: Condvar::new(),
        }
    }

    /// Wait until `bytes` more fit in the budget (or nothing else is being
    /// parsed), and take them until the returned guard is dropped.
    pub(super) fn take(&self, bytes: usize) -> BudgetGuard<'_> {
        let mut in_flight = self
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        while *in_flight > 0 && in_flight.saturating_add(bytes) > self.limit {
            in_flight = self
                .freed
                .wait(in_flight)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *in_flight = in_flight.saturating_add(bytes);
        BudgetGuard {
            budget: self,
            bytes,
        }
    }
}

/// Bytes taken from a [`ParseBudget`]; given back when dropped, also when the
/// parse panics.
#[derive(Debug)]
pub(super) struct BudgetGuard<'b> {
    budget: &'b ParseBudget,
    bytes: usize,
}

impl Drop for BudgetGuard<'_> {
    fn drop(&mut self) {
        let mut in_flight = self
            .budget
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *in_flight = in_flight.saturating_sub(self.bytes);
        self.budget.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[test]
    fn files_within_the_budget_are_parsed_together() {
        let budget = ParseBudget::new(100);
        let first = budget.take(40);
        let second = budget.take(60);
        assert_eq!(*budget.in_flight.lock().expect("not poisoned"), 100);
        drop((first, second));
        assert_eq!(*budget.in_flight.lock().expect("not poisoned"), 0);
    }

    #[test]
    fn a_file_larger_than_the_budget_is_parsed_when_nothing_else_is() {
        let budget = ParseBudget::new(100);
        let alone = budget.take(500);
        assert_eq!(*budget.in_flight.lock().expect("not poisoned"), 500);
        drop(alone);
    }

    #[test]
    fn a_file_that_does_not_fit_waits_for_the_others_to_finish() {
        let budget = ParseBudget::new(100);
        let parsed_alongside = AtomicUsize::new(usize::MAX);
        std::thread::scope(|scope| {
            let small = budget.take(30);
            scope.spawn(|| {
                let _big = budget.take(90);
                // Whatever else was in flight has been given back by now.
                parsed_alongside.store(
                    *budget.in_flight.lock().expect("not poisoned") - 90,
                    Ordering::SeqCst,
                );
            });
            std::thread::sleep(Duration::from_millis(50));
            assert_eq!(parsed_alongside.load(Ordering::SeqCst), usize::MAX);
            drop(small);
        });
        assert_eq!(parsed_alongside.load(Ordering::SeqCst), 0);
    }
}
