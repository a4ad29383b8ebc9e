//! The escaping layers (Markdown, HTML inside Markdown, Mermaid labels) on
//! arbitrary text, and fingerprints on arbitrary source: no raw HTML, no
//! mention or link escapes, and moving code keeps every fingerprint.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    handoff_fuzz::renderings(data);
});
