//! Every input saved under `fuzz/regressions/<target>/` (crashes the fuzz
//! targets once found, and hostile cases written by hand) replayed through
//! the same checks the fuzz targets run (`fuzz/src/lib.rs`).

#[path = "../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod checks;

use std::path::Path;

/// The check of each fuzz target, by name.
fn check_of(target: &str) -> Option<fn(&[u8])> {
    Some(match target {
        "frontends" => checks::frontends,
        "config_loader" => checks::config_loader,
        "renderings" => checks::renderings,
        _ => return None,
    })
}

#[test]
fn saved_fuzz_inputs_pass_their_targets_checks() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut replayed = 0;
    for target in std::fs::read_dir(&root).expect("fuzz/regressions exists") {
        let target = target.expect("directory entry").path();
        let name = target
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let check = check_of(&name).unwrap_or_else(|| panic!("no fuzz target named {name}"));
        for input in std::fs::read_dir(&target).expect("target directory") {
            let input = input.expect("directory entry").path();
            let data = std::fs::read(&input).expect("read input");
            let outcome = std::panic::catch_unwind(|| check(&data));
            assert!(outcome.is_ok(), "{} fails its check again", input.display());
            replayed += 1;
        }
    }
    assert!(replayed > 0, "no saved input under {}", root.display());
}

#[test]
fn every_fuzz_target_has_a_check_here() {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/Cargo.toml"))
            .expect("fuzz/Cargo.toml");
    let targets: Vec<&str> = manifest
        .lines()
        .filter_map(|l| l.strip_prefix("name = \""))
        .filter_map(|l| l.strip_suffix('"'))
        .filter(|name| *name != "handoff-fuzz")
        .collect();
    assert_eq!(targets.len(), 3, "{targets:?}");
    for target in targets {
        assert!(check_of(target).is_some(), "{target} is not replayed");
    }
}
