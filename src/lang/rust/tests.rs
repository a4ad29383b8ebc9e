//! Tests of the Rust frontend.
use crate::lang::Frontend;

#[test]
fn scratch_dump() {
    let src = std::fs::read_to_string("/tmp/sample.rs").unwrap_or_default();
    let model = super::RustFrontend.parse(&src);
    std::fs::write(
        "/tmp/model.json",
        serde_json::to_string_pretty(&model).unwrap_or_default(),
    )
    .ok();
}
