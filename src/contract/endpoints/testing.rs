//! What the unit tests of each part read a source text with.

use super::{Endpoints, SourceFile, endpoints};
use crate::config::Config;
use crate::model::Language;

/// The endpoints of `source`, read as the file `path` with the built-in
/// knowledge.
pub(super) fn endpoints_of(path: &str, source: &str) -> Endpoints {
    let language = Language::from_path(path).expect("a path with a source extension");
    let model = crate::lang::parse(language, source);
    assert_eq!(model.parse_errors, 0, "{path} parses");
    let config = Config::builtin().expect("built-in knowledge loads");
    let file = SourceFile {
        path,
        language,
        source,
        model: &model,
        knowledge: config.knowledge.for_ecosystem(language.ecosystem()),
    };
    endpoints(&file)
}

/// Key paths as written on the wire, `a.b` for nested keys.
pub(super) fn dotted<'a>(paths: impl IntoIterator<Item = &'a Vec<String>>) -> Vec<String> {
    paths.into_iter().map(|path| path.join(".")).collect()
}

/// What a test reads of the producers: `(channel, sent keys)`.
pub(super) fn producers(found: &Endpoints) -> Vec<(String, Vec<String>)> {
    found
        .producers
        .iter()
        .map(|p| {
            (
                p.channel.describe(),
                dotted(p.payload.fields.iter().map(|f| &f.path)),
            )
        })
        .collect()
}

/// What a test reads of the consumers: `(channel, read keys)`.
pub(super) fn consumers(found: &Endpoints) -> Vec<(String, Vec<String>)> {
    found
        .consumers
        .iter()
        .map(|c| {
            (
                c.channel.describe(),
                dotted(c.reads.iter().map(|r| &r.path)),
            )
        })
        .collect()
}
