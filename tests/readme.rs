//! The README's generated parts stay true: its rule table is what
//! `handoff rules --format markdown` prints. `UPDATE_README=1 cargo test
//! --test readme` rewrites it.

use std::path::Path;

const START: &str = "<!-- rules:start";
const END: &str = "<!-- rules:end -->";

#[test]
fn readme_rule_table_matches_the_rule_docs() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md exists");
    let start = readme
        .find(START)
        .expect("README has the rules:start marker");
    let start = start + readme[start..].find("-->").expect("marker closes") + "-->".len();
    let end = readme.find(END).expect("README has the rules:end marker");
    let current = readme[start..end].trim();
    let generated = handoff::cli::rules_table();
    if std::env::var_os("UPDATE_README").is_some() {
        let updated = format!(
            "{}\n{}\n{}",
            &readme[..start],
            generated.trim(),
            &readme[end..]
        );
        std::fs::write(&path, updated).expect("README is writable");
        return;
    }
    assert_eq!(
        current,
        generated.trim(),
        "README rule table is stale: run `UPDATE_README=1 cargo test --test readme`"
    );
}
