//! Django's `ATOMIC_REQUESTS`: when the project's settings turn it on, every
//! view runs in a transaction that commits only after it returns, so a task
//! enqueued or an e-mail sent while handling a request goes out before the
//! request's writes are committed. The settings are read once per scan, only
//! when the change touches Python code, from the files named like settings
//! modules (`settings.py`, `settings/*.py`, `settings_*.py`).

use super::contract::RepositoryScope;
use crate::diff;
use crate::knowledge::RequestTransactions;
use regex::Regex;
use std::sync::LazyLock;

/// `"ATOMIC_REQUESTS": True` in a `DATABASES` entry, `DATABASES[..]
/// ["ATOMIC_REQUESTS"] = True`, or a module-level `ATOMIC_REQUESTS = True`;
/// never in a comment.
static SETTING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?m)^[^#\n]*?(["']ATOMIC_REQUESTS["']\s*(?::|\]\s*=)\s*True\b|^\s*ATOMIC_REQUESTS\s*=\s*True\b)"#,
    )
    .unwrap_or_else(|_| unreachable!("valid literal regex"))
});

/// Whether a path names a Django settings module.
fn is_settings_module(path: &str) -> bool {
    let Some(file) = path.strip_suffix(".py") else {
        return false;
    };
    let mut segments = file.rsplit('/');
    let name = segments.next().unwrap_or_default();
    let folder = segments.next().unwrap_or_default();
    name == "settings" || name.starts_with("settings_") || folder == "settings"
}

/// The settings line that turns on `ATOMIC_REQUESTS`, if any. Reading the
/// repository fails quietly (with a warning): the fact is then unknown.
pub(super) fn find(
    scope: &RepositoryScope<'_>,
    warnings: &mut Vec<String>,
) -> Option<RequestTransactions> {
    let revision = match scope.head {
        "WORKTREE" => None,
        "INDEX" => Some(scope.base),
        commit => Some(commit),
    };
    let files = match diff::read_tree_files(scope.root, revision, &is_settings_module) {
        Ok(files) => files,
        Err(error) => {
            warnings.push(format!(
                "settings: cannot read the repository ({error}); ATOMIC_REQUESTS was not looked for"
            ));
            return None;
        }
    };
    files.iter().find_map(|(path, text)| in_text(path, text))
}

fn in_text(path: &str, text: &str) -> Option<RequestTransactions> {
    let found = SETTING.find(text)?;
    let line = u32::try_from(text[..found.start()].matches('\n').count() + 1).unwrap_or(u32::MAX);
    let setting = found.as_str().trim().to_string();
    Some(RequestTransactions {
        path: path.to_string(),
        line,
        setting,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_modules_are_recognised_by_name() {
        assert!(is_settings_module("src/shop/settings.py"));
        assert!(is_settings_module("config/settings/base.py"));
        assert!(is_settings_module("shop/settings_production.py"));
        assert!(!is_settings_module("shop/user_settings_form.py"));
        assert!(!is_settings_module("settings/base.js"));
    }

    #[test]
    fn the_setting_is_found_in_its_three_spellings_and_never_in_a_comment() {
        let dict = "DATABASES = {\n    \"default\": {\n        \"ENGINE\": \"x\",\n        \"ATOMIC_REQUESTS\": True,\n    }\n}\n";
        assert_eq!(in_text("s.py", dict).map(|f| f.line), Some(4));
        let item = "DATABASES['default']['ATOMIC_REQUESTS'] = True\n";
        assert_eq!(in_text("s.py", item).map(|f| f.line), Some(1));
        let bare = "ATOMIC_REQUESTS = True\n";
        assert!(in_text("s.py", bare).is_some());
        assert!(in_text("s.py", "# keep \"ATOMIC_REQUESTS\": True in mind\n").is_none());
        assert!(
            in_text(
                "s.py",
                "DATABASES = {\"default\": {\"ATOMIC_REQUESTS\": False}}\n"
            )
            .is_none()
        );
    }
}
