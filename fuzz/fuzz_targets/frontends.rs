//! Every frontend (the first byte picks JavaScript, TypeScript, TSX, Python
//! or Rust), the model and every rule on arbitrary source: no panic, and
//! every finding quotes a bounded excerpt.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    handoff_fuzz::frontends(data);
});
