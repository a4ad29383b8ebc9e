//! JavaScript, JSX, TypeScript and TSX frontend (tree-sitter). PLACEHOLDER until the frontend lands.

use crate::model::{FileModel, Language};

/// Frontend for the JavaScript family of dialects.
pub struct JavaScriptFrontend {
    language: Language,
}

impl JavaScriptFrontend {
    /// A frontend for one dialect (`JavaScript`, `TypeScript` or `Tsx`).
    pub const fn new(language: Language) -> Self {
        JavaScriptFrontend { language }
    }
}

impl super::Frontend for JavaScriptFrontend {
    fn parse(&self, _source: &str) -> FileModel {
        let _ = self.language;
        FileModel::default()
    }
}
