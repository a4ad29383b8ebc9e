//! Rust frontend (syn). PLACEHOLDER until the frontend lands.

use crate::model::FileModel;

/// Frontend for Rust.
pub struct RustFrontend;

impl super::Frontend for RustFrontend {
    fn parse(&self, _source: &str) -> FileModel {
        FileModel::default()
    }
}
