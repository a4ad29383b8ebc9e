//! The test runners a project already has, and the commands that run some
//! of its test files or its whole suite: the package's own script (jest,
//! vitest, mocha, playwright) through its package manager, pytest from the
//! folder of its configuration, Django's `manage.py test`, `cargo test` or
//! `cargo nextest run` per crate, tox or nox for the whole suite.

use super::manifests::{JsPackage, Manifests, PackageManager, is_ancestor};
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

/// Above this many test files for one runner, its whole suite runs instead.
pub const MAX_FILES_PER_COMMAND: usize = 20;

/// Scripts that run a package's tests, most specific first.
const TEST_SCRIPTS: &[&str] = &["test", "test:unit", "unit", "test:ci", "tests"];

static RUNNER_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(vitest|jest|mocha|playwright|deno test|bun test|node --test)\b")
        .unwrap_or_else(|_| unreachable!("valid literal regex"))
});

/// A JavaScript test runner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum JsRunner {
    /// Jest.
    Jest,
    /// Vitest.
    Vitest,
    /// Mocha.
    Mocha,
    /// Playwright Test.
    Playwright,
    /// `deno test`, Deno's built-in runner.
    Deno,
    /// `bun test`, Bun's built-in runner.
    Bun,
    /// `node --test`, Node's built-in runner.
    Node,
}

impl JsRunner {
    fn from_word(word: &str) -> Option<JsRunner> {
        match word {
            "jest" => Some(JsRunner::Jest),
            "vitest" => Some(JsRunner::Vitest),
            "mocha" => Some(JsRunner::Mocha),
            "playwright" => Some(JsRunner::Playwright),
            "deno test" => Some(JsRunner::Deno),
            "bun test" => Some(JsRunner::Bun),
            "node --test" => Some(JsRunner::Node),
            _ => None,
        }
    }

    /// The package whose binary runs it; `None` for a runner built into the
    /// JavaScript runtime.
    fn package(self) -> Option<&'static str> {
        match self {
            JsRunner::Jest => Some("jest"),
            JsRunner::Vitest => Some("vitest"),
            JsRunner::Mocha => Some("mocha"),
            JsRunner::Playwright => Some("@playwright/test"),
            JsRunner::Deno | JsRunner::Bun | JsRunner::Node => None,
        }
    }

    /// How its binary runs once, without watching.
    fn invocation(self) -> &'static str {
        match self {
            JsRunner::Jest => "jest",
            JsRunner::Vitest => "vitest run",
            JsRunner::Mocha => "mocha",
            JsRunner::Playwright => "playwright test",
            JsRunner::Deno => "deno test",
            JsRunner::Bun => "bun test",
            JsRunner::Node => "node --test",
        }
    }
}

/// One way of running tests: a runner in a folder.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Suite {
    /// A JavaScript package's runner.
    Js {
        /// The package's folder.
        dir: String,
        /// The runner.
        runner: JsRunner,
        /// The script that runs it (`test`), if one does.
        script: Option<String>,
        /// Whether the script is the runner's plain invocation, so test
        /// files can be appended to it.
        plain: bool,
    },
    /// pytest, from the folder of its configuration.
    Pytest {
        /// Where it runs.
        dir: String,
    },
    /// Django's test runner, from the folder of `manage.py`.
    Django {
        /// Where `manage.py` is.
        dir: String,
    },
    /// `cargo test` or `cargo nextest run` for one crate.
    Cargo {
        /// The crate's package name.
        krate: String,
        /// Whether cargo-nextest is configured.
        nextest: bool,
    },
    /// tox or nox: only the whole suite.
    Tool {
        /// Where it runs.
        dir: String,
        /// `tox` or `nox`.
        program: &'static str,
    },
}

/// The suite that runs a test file, with the argument that names it.
pub fn placement(manifests: &Manifests, path: &str) -> Option<(Suite, String)> {
    let (suite, owner_dir) = owner(manifests, path)?;
    let argument = match &suite {
        Suite::Js { .. } | Suite::Pytest { .. } => relative(&owner_dir, path).to_string(),
        Suite::Django { .. } => relative(&owner_dir, path)
            .trim_end_matches(".py")
            .replace('/', "."),
        Suite::Cargo { .. } => cargo_argument(&owner_dir, path)?,
        Suite::Tool { .. } => return None,
    };
    Some((suite, argument))
}

/// The suite that owns a file (test or not) and the folder the argument is
/// relative to.
pub fn owner(manifests: &Manifests, path: &str) -> Option<(Suite, String)> {
    let language = crate::model::Language::from_path(path)?;
    match language.ecosystem() {
        crate::model::Ecosystem::Js => js_owner(manifests, path),
        crate::model::Ecosystem::Python => python_owner(manifests, path),
        crate::model::Ecosystem::Rust => {
            let krate = manifests.rust_crate_of(path)?;
            Some((
                Suite::Cargo {
                    krate: krate.name.clone(),
                    nextest: manifests.nextest,
                },
                krate.dir.clone(),
            ))
        }
    }
}

fn js_owner(manifests: &Manifests, path: &str) -> Option<(Suite, String)> {
    let end_to_end = path
        .split('/')
        .any(|s| s == "e2e" || s == "playwright" || s.ends_with("-e2e"));
    let mut packages: Vec<&JsPackage> = manifests
        .js_packages
        .iter()
        .filter(|p| is_ancestor(&p.dir, path))
        .collect();
    packages.sort_by_key(|p| std::cmp::Reverse(p.dir.len()));
    packages.into_iter().find_map(|package| {
        let (runner, script, plain) = js_runner(package, end_to_end)?;
        Some((
            Suite::Js {
                dir: package.dir.clone(),
                runner,
                script,
                plain,
            },
            package.dir.clone(),
        ))
    })
}

/// The runner of a package, the script that runs it and whether that
/// script is a plain invocation: a test script naming the runner, else the
/// runner among its dependencies.
fn js_runner(package: &JsPackage, end_to_end: bool) -> Option<(JsRunner, Option<String>, bool)> {
    let wanted = |runner: JsRunner| (runner == JsRunner::Playwright) == end_to_end;
    let mut scripts: Vec<(&String, &String)> = TEST_SCRIPTS
        .iter()
        .filter_map(|name| package.scripts.get_key_value(*name))
        .collect();
    scripts.extend(
        package
            .scripts
            .iter()
            .filter(|(name, _)| name.starts_with("test") || name.contains("e2e")),
    );
    for (name, command) in scripts {
        let Some(runner) = RUNNER_WORD
            .captures(command)
            .and_then(|caps| JsRunner::from_word(&caps[1]))
        else {
            continue;
        };
        if !wanted(runner) {
            continue;
        }
        let plain = !["&&", "||", ";", "|"].iter().any(|op| command.contains(op))
            && !command.contains("--watch");
        return Some((runner, Some(name.clone()), plain));
    }
    [
        JsRunner::Vitest,
        JsRunner::Jest,
        JsRunner::Mocha,
        JsRunner::Playwright,
    ]
    .into_iter()
    .filter(|runner| wanted(*runner))
    .find(|runner| {
        runner
            .package()
            .is_some_and(|name| package.dependencies.contains(name))
    })
    .map(|runner| (runner, None, false))
}

fn python_owner(manifests: &Manifests, path: &str) -> Option<(Suite, String)> {
    let nearest = |dirs: &BTreeSet<String>| -> Option<String> {
        dirs.iter()
            .filter(|dir| is_ancestor(dir, path))
            .max_by_key(|dir| dir.len())
            .cloned()
    };
    if let Some(dir) = nearest(&manifests.pytest_dirs) {
        // A `conftest.py` deep in the tests is not where pytest starts: the
        // configuration file or `manage.py` above it is.
        let top = manifests
            .pytest_dirs
            .iter()
            .chain(&manifests.django_dirs)
            .filter(|d| is_ancestor(d, path))
            .min_by_key(|d| d.len())
            .cloned()
            .unwrap_or(dir);
        return Some((Suite::Pytest { dir: top.clone() }, top));
    }
    if manifests.pytest_dependency {
        let dir = nearest(&manifests.django_dirs).unwrap_or_default();
        return Some((Suite::Pytest { dir: dir.clone() }, dir));
    }
    if let Some(dir) = nearest(&manifests.django_dirs) {
        return Some((Suite::Django { dir: dir.clone() }, dir));
    }
    for (dirs, program) in [(&manifests.tox_dirs, "tox"), (&manifests.nox_dirs, "nox")] {
        if let Some(dir) = nearest(dirs) {
            return Some((
                Suite::Tool {
                    dir: dir.clone(),
                    program,
                },
                dir,
            ));
        }
    }
    None
}

/// `--test orders` for `tests/orders.rs`, the module path for a unit-test
/// module (`orders::pay`), `""` for the crate root.
fn cargo_argument(crate_dir: &str, path: &str) -> Option<String> {
    let inside = relative(crate_dir, path);
    if let Some(test) = inside.strip_prefix("tests/") {
        let name = test
            .strip_suffix("/main.rs")
            .or_else(|| test.strip_suffix(".rs"))?;
        return (!name.contains('/')).then(|| format!("--test {name}"));
    }
    let module = inside.strip_prefix("src/")?.strip_suffix(".rs")?;
    let module = module.strip_suffix("/mod").unwrap_or(module);
    if module.starts_with("bin/") {
        return None;
    }
    Some(match module {
        "lib" | "main" => String::new(),
        other => other.replace('/', "::"),
    })
}

fn relative<'p>(dir: &str, path: &'p str) -> &'p str {
    if dir.is_empty() {
        path
    } else {
        path.strip_prefix(dir)
            .map_or(path, |rest| rest.trim_start_matches('/'))
    }
}

/// A shell word: quoted when it holds anything but plain path characters
/// (Next.js `[id]` folders would otherwise be globs).
fn shell_word(word: &str) -> String {
    let plain = word
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_./-@+:=,".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

fn in_dir(dir: &str, command: String) -> String {
    if dir.is_empty() {
        command
    } else {
        format!("cd {} && {command}", shell_word(dir))
    }
}

/// The command that runs `arguments` of `suite` (its whole suite when
/// `arguments` is empty).
pub fn render(manifests: &Manifests, suite: &Suite, arguments: &[String]) -> String {
    let words: Vec<String> = arguments.iter().map(|a| shell_word(a)).collect();
    let args = words.join(" ");
    match suite {
        Suite::Js {
            dir,
            runner,
            script,
            plain,
        } => {
            let manager: PackageManager = manifests.package_manager(dir);
            // The whole suite is the script as the project runs it; files
            // are appended only to a plain invocation of the runner.
            let command = match script {
                Some(script) if *plain || args.is_empty() => manager.run_script(script, &args),
                _ => {
                    let invocation = runner.invocation();
                    let command = format!("{invocation} {args}");
                    match runner.package() {
                        Some(_) => manager.exec(command.trim_end()),
                        // The runtime's own runner is on the PATH.
                        None => command.trim_end().to_string(),
                    }
                }
            };
            in_dir(dir, command)
        }
        Suite::Pytest { dir } => in_dir(dir, format!("pytest {args}").trim_end().to_string()),
        Suite::Django { dir } => in_dir(
            dir,
            format!("python manage.py test {args}")
                .trim_end()
                .to_string(),
        ),
        Suite::Cargo { krate, nextest } => cargo_command(krate, *nextest, arguments),
        Suite::Tool { dir, program } => in_dir(dir, (*program).to_string()),
    }
}

fn cargo_command(krate: &str, nextest: bool, arguments: &[String]) -> String {
    let program = if nextest {
        "cargo nextest run"
    } else {
        "cargo test"
    };
    let base = format!("{program} -p {krate}");
    let targets: Vec<&str> = arguments
        .iter()
        .filter(|a| a.starts_with("--test "))
        .map(String::as_str)
        .collect();
    let filters: Vec<&str> = arguments
        .iter()
        .filter(|a| !a.starts_with("--test "))
        .map(String::as_str)
        .collect();
    // The crate root's own tests (`lib.rs`) have no narrower filter.
    if arguments.is_empty() || filters.contains(&"") {
        return base;
    }
    let mut commands = Vec::new();
    if !targets.is_empty() {
        commands.push(format!("{base} {}", targets.join(" ")));
    }
    if !filters.is_empty() {
        commands.push(format!("{base} -- {}", filters.join(" ")));
    }
    commands.join(" && ")
}

/// The command that runs `tests` (test files), narrowed per suite; a suite
/// with more than [`MAX_FILES_PER_COMMAND`] files runs whole. `None` when no
/// runner of the project runs any of them.
pub fn command_for_tests(manifests: &Manifests, tests: &BTreeSet<String>) -> Option<String> {
    let mut groups: BTreeMap<Suite, Vec<String>> = BTreeMap::new();
    for test in tests {
        if let Some((suite, argument)) = placement(manifests, test) {
            let arguments = groups.entry(suite).or_default();
            if !arguments.contains(&argument) {
                arguments.push(argument);
            }
        }
    }
    let commands: Vec<String> = groups
        .iter()
        .map(|(suite, arguments)| {
            if arguments.len() > MAX_FILES_PER_COMMAND {
                render(manifests, suite, &[])
            } else {
                render(manifests, suite, arguments)
            }
        })
        .collect();
    (!commands.is_empty()).then(|| one_command(&commands))
}

/// Commands run one after the other in one shell: a command that changes
/// folder (`cd apps/web && ..`) runs in a subshell when another follows, so
/// the next one starts from the repository root again.
fn one_command(commands: &[String]) -> String {
    if commands.len() < 2 {
        return commands.join(" && ");
    }
    commands
        .iter()
        .map(|command| {
            if command.starts_with("cd ") {
                format!("({command})")
            } else {
                command.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" && ")
}

/// The whole suites of the runners that own `paths` (source files): the
/// fallback when no narrower tests are known.
pub fn whole_suite_for(manifests: &Manifests, paths: &BTreeSet<String>) -> Option<String> {
    let suites: BTreeSet<Suite> = paths
        .iter()
        .filter_map(|path| owner(manifests, path).map(|(suite, _)| suite))
        .collect();
    let commands: Vec<String> = suites
        .iter()
        .map(|suite| render(manifests, suite, &[]))
        .collect();
    (!commands.is_empty()).then(|| one_command(&commands))
}

#[cfg(test)]
mod tests {
    use super::one_command;

    #[test]
    fn commands_that_change_folder_run_in_subshells_when_chained() {
        let web = "cd apps/web && pnpm run test -- a.test.ts".to_string();
        let jobs = "cd packages/jobs && pnpm run test -- b.test.ts".to_string();
        let root = "pytest tests/test_a.py".to_string();
        assert_eq!(one_command(std::slice::from_ref(&web)), web);
        assert_eq!(
            one_command(&[web, root, jobs]),
            "(cd apps/web && pnpm run test -- a.test.ts) && pytest tests/test_a.py && (cd packages/jobs && pnpm run test -- b.test.ts)"
        );
    }
}
