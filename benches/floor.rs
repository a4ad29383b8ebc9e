//! The floor: the least work any analyzer of a pull request must do — the
//! git diff (tree to tree, renames, hunks, both blobs of every touched source
//! file) and a raw parse of both versions (tree-sitter for JavaScript,
//! TypeScript, TSX and Python; syn for Rust), on all cores. No model, no
//! rules. `benches/run.py` compares `handoff scan` with it.
//!
//! ```text
//! floor --repo DIR --base REV --head REV    the diff floor
//! floor --repo DIR --tree REV               every supported file of a revision (full-scan floor)
//! ```
//!
//! It prints one summary line; with `--errors` it also lists the files whose
//! parse reported syntax errors (a check of the generated corpus).

use git2::{DiffFindOptions, DiffOptions, ObjectType, Oid, Patch, Repository, Tree};
use rayon::prelude::*;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Grammar {
    JavaScript,
    TypeScript,
    Tsx,
    Python,
    Rust,
}

impl Grammar {
    fn of(path: &str) -> Option<Grammar> {
        match path.rsplit_once('.')?.1 {
            "js" | "mjs" | "cjs" | "jsx" => Some(Grammar::JavaScript),
            "ts" | "mts" | "cts" => Some(Grammar::TypeScript),
            "tsx" => Some(Grammar::Tsx),
            "py" | "pyi" => Some(Grammar::Python),
            "rs" => Some(Grammar::Rust),
            _ => None,
        }
    }

    fn tree_sitter(self) -> Option<tree_sitter::Language> {
        match self {
            Grammar::JavaScript => Some(tree_sitter_javascript::LANGUAGE.into()),
            Grammar::TypeScript => Some(tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into()),
            Grammar::Tsx => Some(tree_sitter_typescript::LANGUAGE_TSX.into()),
            Grammar::Python => Some(tree_sitter_python::LANGUAGE.into()),
            Grammar::Rust => None,
        }
    }
}

/// One file version to parse.
struct Version {
    path: String,
    grammar: Grammar,
    text: String,
}

/// One parser per grammar, per thread.
#[derive(Default)]
struct Parsers {
    parsers: Vec<(tree_sitter::Language, tree_sitter::Parser)>,
}

impl Parsers {
    /// Whether `text` parsed without syntax errors.
    fn parse(&mut self, grammar: Grammar, text: &str) -> bool {
        let Some(language) = grammar.tree_sitter() else {
            return syn::parse_file(text).is_ok();
        };
        let index = match self.parsers.iter().position(|(l, _)| *l == language) {
            Some(index) => index,
            None => {
                let mut parser = tree_sitter::Parser::new();
                if parser.set_language(&language).is_err() {
                    return false;
                }
                self.parsers.push((language, parser));
                self.parsers.len() - 1
            }
        };
        self.parsers[index]
            .1
            .parse(text, None)
            .is_some_and(|tree| !tree.root_node().has_error())
    }
}

enum Mode {
    Diff { base: String, head: String },
    Tree { rev: String },
}

fn main() -> ExitCode {
    let mut repo = PathBuf::from(".");
    let (mut base, mut head, mut tree) = (None, None, None);
    let mut list_errors = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--repo" => repo = args.next().map(PathBuf::from).unwrap_or(repo),
            "--base" => base = args.next(),
            "--head" => head = args.next(),
            "--tree" => tree = args.next(),
            "--errors" => list_errors = true,
            other => {
                eprintln!("floor: unknown argument `{other}`");
                return ExitCode::from(2);
            }
        }
    }
    let mode = match (base, head, tree) {
        (Some(base), Some(head), None) => Mode::Diff { base, head },
        (None, None, Some(rev)) => Mode::Tree { rev },
        _ => {
            eprintln!("usage: floor --repo DIR (--base REV --head REV | --tree REV) [--errors]");
            return ExitCode::from(2);
        }
    };
    match run(&repo, &mode, list_errors) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("floor: {error}");
            ExitCode::from(2)
        }
    }
}

fn run(repo_path: &std::path::Path, mode: &Mode, list_errors: bool) -> Result<(), git2::Error> {
    // As Handoff: objects are not re-hashed on every read (see src/diff/mod.rs).
    git2::opts::strict_hash_verification(false);
    let repo = Repository::discover(repo_path)?;
    let (versions, changed_lines) = match mode {
        Mode::Diff { base, head } => diff_versions(&repo, base, head)?,
        Mode::Tree { rev } => (tree_versions(&repo, rev)?, 0),
    };
    let bytes: usize = versions.iter().map(|v| v.text.len()).sum();
    let errors = AtomicUsize::new(0);
    let failed: Vec<&str> = versions
        .par_iter()
        .map_init(Parsers::default, |parsers, version| {
            (!parsers.parse(version.grammar, &version.text)).then_some(version.path.as_str())
        })
        .flatten()
        .inspect(|_| {
            errors.fetch_add(1, Ordering::Relaxed);
        })
        .collect();
    println!(
        "floor: {} file versions, {:.1} MB parsed, {} changed lines, {} with syntax errors",
        versions.len(),
        bytes as f64 / 1e6,
        changed_lines,
        errors.load(Ordering::Relaxed)
    );
    if list_errors {
        for path in failed {
            println!("  syntax error: {path}");
        }
    }
    Ok(())
}

fn tree_of<'r>(repo: &'r Repository, rev: &str) -> Result<Tree<'r>, git2::Error> {
    repo.revparse_single(rev)?.peel_to_commit()?.tree()
}

fn blob_text(repo: &Repository, id: Oid) -> Option<String> {
    let blob = repo.find_blob(id).ok()?;
    String::from_utf8(blob.content().to_vec()).ok()
}

/// Both versions of every touched source file, and the number of changed lines.
fn diff_versions(
    repo: &Repository,
    base: &str,
    head: &str,
) -> Result<(Vec<Version>, usize), git2::Error> {
    let (base_tree, head_tree) = (tree_of(repo, base)?, tree_of(repo, head)?);
    let mut options = DiffOptions::new();
    options.context_lines(0);
    let mut diff =
        repo.diff_tree_to_tree(Some(&base_tree), Some(&head_tree), Some(&mut options))?;
    diff.find_similar(Some(DiffFindOptions::new().renames(true)))?;
    let mut versions = Vec::new();
    let mut changed_lines = 0;
    for (index, delta) in diff.deltas().enumerate() {
        let path = delta
            .new_file()
            .path()
            .or_else(|| delta.old_file().path())
            .and_then(|p| p.to_str())
            .unwrap_or_default()
            .to_string();
        let Some(grammar) = Grammar::of(&path) else {
            continue;
        };
        if let Some(patch) = Patch::from_diff(&diff, index)? {
            let (_, added, deleted) = patch.line_stats()?;
            changed_lines += added + deleted;
        }
        for file in [delta.old_file(), delta.new_file()] {
            if file.id().is_zero() {
                continue;
            }
            if let Some(text) = blob_text(repo, file.id()) {
                versions.push(Version {
                    path: path.clone(),
                    grammar,
                    text,
                });
            }
        }
    }
    Ok((versions, changed_lines))
}

/// Every supported file of a revision.
fn tree_versions(repo: &Repository, rev: &str) -> Result<Vec<Version>, git2::Error> {
    let mut pending = vec![(String::new(), tree_of(repo, rev)?)];
    let mut versions = Vec::new();
    while let Some((prefix, tree)) = pending.pop() {
        for entry in tree.iter() {
            let Ok(name) = entry.name() else { continue };
            let path = format!("{prefix}{name}");
            match entry.kind() {
                Some(ObjectType::Tree) => {
                    pending.push((format!("{path}/"), repo.find_tree(entry.id())?))
                }
                Some(ObjectType::Blob) => {
                    if let Some(grammar) = Grammar::of(&path)
                        && let Some(text) = blob_text(repo, entry.id())
                    {
                        versions.push(Version {
                            path,
                            grammar,
                            text,
                        });
                    }
                }
                _ => {}
            }
        }
    }
    Ok(versions)
}
