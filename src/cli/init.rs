//! `handoff init`: writes a starter `.handoff.yml` and the two GitHub workflows,
//! and prints the `.pre-commit-config.yaml` snippet. Never overwrites an
//! existing file without `--force`.

use super::write_stdout;
use crate::config::{CONFIG_FILE, Config};
use crate::{home, starter};
use anyhow::{Context, Result, bail};
use clap::Args;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// Arguments of `handoff init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// A directory inside the repository.
    #[arg(long, default_value = ".")]
    repo: PathBuf,
    /// Overwrite .handoff.yml and .github/workflows/handoff.yml if they exist.
    #[arg(long)]
    force: bool,
}

/// Run `handoff init`.
pub(super) fn run(args: &InitArgs) -> Result<i32> {
    let root = repository_root(&args.repo)?;
    let config = Config::load(&root, None).or_else(|_| Config::builtin())?;
    let detected = starter::detect(&root, &config)?;
    let mut out = String::new();
    let _ = writeln!(out, "Detected: {}.", starter::ecosystems_line(&detected));
    let summary = starter::summary_line(&detected);
    let mut files = vec![(CONFIG_FILE, starter::handoff_yml(&detected), summary)];
    for (workflow, what) in starter::github_workflows(home::release_commit())
        .into_iter()
        .zip([
            "runs the Action and the selected suites on pull requests",
            "posts the review and the summary comment, forks included",
        ])
    {
        files.push((workflow.path, workflow.text, what.to_string()));
    }
    for (relative, content, what) in files {
        let path = root.join(relative);
        if path.exists() && !args.force {
            let _ = writeln!(
                out,
                "kept {relative}: it exists (pass --force to overwrite it)"
            );
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, content)
            .with_context(|| format!("cannot write {}", path.display()))?;
        let _ = writeln!(out, "wrote {relative} ({what})");
    }
    let _ = write!(
        out,
        "\nTo run Handoff before every commit, add this to .pre-commit-config.yaml:\n\n{}",
        starter::pre_commit_snippet()
    );
    write_stdout(&out)?;
    Ok(0)
}

/// The work tree root of the repository containing `dir`.
fn repository_root(dir: &Path) -> Result<PathBuf> {
    let repository = match git2::Repository::discover(dir) {
        Ok(repository) => repository,
        Err(_) => bail!(
            "{} is not inside a git repository: run `git init` first, or pass --repo DIR",
            dir.display()
        ),
    };
    match repository.workdir() {
        Some(workdir) => Ok(workdir.components().collect()),
        None => bail!(
            "the repository at {} is bare: run `handoff init` in a clone with a work tree",
            dir.display()
        ),
    }
}
