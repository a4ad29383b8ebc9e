//! The configuration loader on arbitrary text: a configuration or a
//! one-line error quoting at most a clipped excerpt, never a panic or a
//! parser that spins.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    handoff_fuzz::config_loader(data);
});
