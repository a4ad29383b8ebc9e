//! The README's generated parts stay true: its rule table is what
//! `handoff rules --format markdown` prints. `UPDATE_README=1 cargo test
//! --test readme` rewrites it. The pipeline descriptions (the crate doc in
//! `src/lib.rs`, the README's "How it works") name every module.

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

/// The top-level modules of the library: `pub mod <name>;` in `src/lib.rs`.
fn modules(lib: &str) -> Vec<&str> {
    lib.lines()
        .filter_map(|line| line.strip_prefix("pub mod ")?.strip_suffix(';'))
        .collect()
}

#[test]
fn the_crate_doc_and_the_readme_describe_every_module_of_the_pipeline() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lib = std::fs::read_to_string(root.join("src/lib.rs")).expect("src/lib.rs exists");
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md exists");
    let crate_doc: String = lib
        .lines()
        .filter_map(|line| line.strip_prefix("//!"))
        .collect::<Vec<_>>()
        .join("\n");
    let how = readme
        .split("## How it works")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("README has a How it works section");
    let modules = modules(&lib);
    assert!(modules.len() >= 15, "src/lib.rs lists its modules");
    for module in modules {
        assert!(
            crate_doc.contains(&format!("[`{module}`]")),
            "the crate doc in src/lib.rs does not place [`{module}`] in the pipeline"
        );
        assert!(
            how.contains(&format!("src/{module}")),
            "README \"How it works\" does not place src/{module} in the pipeline"
        );
    }
}
