//! Python frontend (tree-sitter). PLACEHOLDER until the frontend lands.

use crate::model::FileModel;

/// Frontend for Python.
pub struct PythonFrontend;

impl super::Frontend for PythonFrontend {
    fn parse(&self, _source: &str) -> FileModel {
        FileModel::default()
    }
}
