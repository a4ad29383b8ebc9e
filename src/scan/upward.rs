//! Upward: helpers the change made riskier, judged at their callers in files
//! the change does not touch. Each search ([`UpwardSearch`]) picks its
//! helpers from the changed functions (one that now reaches a side effect,
//! hands back an unread response, or sends without a stable key) and says
//! which calls of a caller's file put them at risk (inside a transaction, a
//! dropped response, a retry). The repository is read once for all of them:
//! its source files are streamed in parallel, prefiltered by the helpers'
//! names, and only the files that mention one are parsed, once per search
//! that wants them.

use super::callers::search_callers;
use super::contract::RepositoryScope;
use super::{AnalyzedFile, Finding};
use crate::config::Config;
use crate::model::{Language, Span};

/// At most this many callers are listed per helper.
pub(super) const MAX_CALLERS: usize = 10;

/// A call, in a file the change does not touch, that puts a changed helper
/// at risk.
pub(super) struct Caller {
    pub path: String,
    /// The call of the helper.
    pub call: Span,
    /// What puts it at risk there, when it is a place of its own: the
    /// transaction's opener or the retry, with its name.
    pub around: Option<(Span, String)>,
}

/// One kind of upward search.
pub(super) trait UpwardSearch: Sync {
    /// The name a caller's file must mention, one per helper searched for
    /// (the type's name, for a method).
    fn names(&self) -> Vec<&str>;

    /// The callers in one file, each with the index of the helper (in
    /// [`UpwardSearch::names`]) it calls.
    fn callers_in(&self, path: &str, language: Language, text: &str) -> Vec<(usize, Caller)>;

    /// The findings, given the callers found for each helper.
    fn findings(&self, callers: Vec<Vec<Caller>>, analysed: &[AnalyzedFile]) -> Vec<Finding>;
}

/// Run every search over one read of the repository. A search with no
/// helper costs nothing; when none has one, the repository is not read.
pub(super) fn upward_findings(
    searches: &[&dyn UpwardSearch],
    analysed: &[AnalyzedFile],
    scope: &RepositoryScope<'_>,
    config: &Config,
    warnings: &mut Vec<String>,
) -> Vec<Finding> {
    let names: Vec<Vec<&str>> = searches.iter().map(|search| search.names()).collect();
    let all: Vec<&str> = names.iter().flatten().copied().collect();
    if all.is_empty() {
        return Vec::new();
    }
    // The helpers of search `i` are numbered from `offsets[i]` in `all`.
    let offsets: Vec<usize> = names
        .iter()
        .scan(0, |next, names| {
            let start = *next;
            *next += names.len();
            Some(start)
        })
        .collect();
    let found = search_callers(
        analysed,
        scope,
        config,
        &all,
        all.len(),
        |path, language, text| {
            let mut found = Vec::new();
            for ((search, names), offset) in searches.iter().zip(&names).zip(&offsets) {
                if names.iter().any(|name| text.contains(name)) {
                    found.extend(
                        search
                            .callers_in(path, language, text)
                            .into_iter()
                            .map(|(index, caller)| (offset + index, caller)),
                    );
                }
            }
            found
        },
    );
    let mut callers = match found {
        Ok(callers) => callers.into_iter(),
        Err(error) => {
            warnings.push(format!(
                "callers of changed helpers: cannot read the repository ({error}); callers in other files were not checked"
            ));
            return Vec::new();
        }
    };
    let mut findings = Vec::new();
    for (search, names) in searches.iter().zip(&names) {
        let mine: Vec<Vec<Caller>> = callers.by_ref().take(names.len()).collect();
        if mine.iter().any(|callers| !callers.is_empty()) {
            findings.extend(search.findings(mine, analysed));
        }
    }
    findings
}

/// The callers of one helper in the order a reader expects: by file, then
/// by place.
pub(super) fn in_reading_order(callers: &mut [Caller]) {
    callers.sort_by(|a, b| (&a.path, a.call.start_byte).cmp(&(&b.path, b.call.start_byte)));
}
