//! What the project's manifests say about its layout and its test runners:
//! `package.json` (workspace package names, scripts, dependencies) and the
//! lockfile next to it, `tsconfig.json` `paths`, the Python configuration
//! (`pytest.ini`, `pyproject.toml`, `setup.cfg`, `tox.ini`, `noxfile.py`,
//! `manage.py`, requirements files) and `Cargo.toml` crates.
//!
//! Manifests are read as text; a manifest that does not parse is skipped
//! (a starter and a test selection never fail on someone else's file).

use regex::Regex;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

/// The file names this module reads, wherever they are.
const MANIFEST_NAMES: &[&str] = &[
    "package.json",
    "tsconfig.json",
    "tsconfig.base.json",
    "pyproject.toml",
    "setup.cfg",
    "setup.py",
    "tox.ini",
    "pytest.ini",
    "noxfile.py",
    "manage.py",
    "Pipfile",
    "Cargo.toml",
    "nextest.toml",
];

/// Lockfiles and the package manager they belong to.
const LOCKFILES: &[(&str, PackageManager)] = &[
    ("pnpm-lock.yaml", PackageManager::Pnpm),
    ("yarn.lock", PackageManager::Yarn),
    ("bun.lockb", PackageManager::Bun),
    ("bun.lock", PackageManager::Bun),
    ("package-lock.json", PackageManager::Npm),
];

static CARGO_PACKAGE_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?ms)^\[package\]\s*$.*?^\s*name\s*=\s*"([^"]+)""#)
        .unwrap_or_else(|_| unreachable!("valid literal regex"))
});

/// Whether `path` is a manifest or lockfile this module reads.
pub fn is_manifest(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    MANIFEST_NAMES.contains(&name)
        || LOCKFILES.iter().any(|(lock, _)| *lock == name)
        || (name.starts_with("requirements") && name.ends_with(".txt"))
}

/// A JavaScript package manager, chosen by the lockfile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackageManager {
    /// npm (`package-lock.json`, or no lockfile).
    Npm,
    /// pnpm (`pnpm-lock.yaml`).
    Pnpm,
    /// Yarn (`yarn.lock`).
    Yarn,
    /// Bun (`bun.lockb`, `bun.lock`).
    Bun,
}

impl PackageManager {
    /// `npm run test -- a.test.ts`, `pnpm run test a.test.ts`.
    pub fn run_script(self, script: &str, args: &str) -> String {
        let tail = if args.is_empty() {
            String::new()
        } else {
            match self {
                PackageManager::Npm => format!(" -- {args}"),
                _ => format!(" {args}"),
            }
        };
        let program = match self {
            PackageManager::Npm => "npm",
            PackageManager::Pnpm => "pnpm",
            PackageManager::Yarn => "yarn",
            PackageManager::Bun => "bun",
        };
        format!("{program} run {script}{tail}")
    }

    /// `npx jest`, `pnpm exec jest`: a binary of the installed packages.
    pub fn exec(self, command: &str) -> String {
        match self {
            PackageManager::Npm => format!("npx {command}"),
            PackageManager::Pnpm => format!("pnpm exec {command}"),
            PackageManager::Yarn => format!("yarn {command}"),
            PackageManager::Bun => format!("bunx {command}"),
        }
    }
}

/// One `package.json`.
#[derive(Debug, Clone, Default)]
pub struct JsPackage {
    /// Its directory (`""` at the root).
    pub dir: String,
    /// Its `name`.
    pub name: Option<String>,
    /// Its `scripts`, by name.
    pub scripts: BTreeMap<String, String>,
    /// Names of its dependencies of every kind.
    pub dependencies: BTreeSet<String>,
    /// Entry files named by `main`, `module`, `types`, `source` and `exports["."]`.
    pub entries: Vec<String>,
}

/// One `paths` alias of a `tsconfig.json`: `(alias before *, alias after *,
/// whether it has a *, targets as (before *, after *))`.
type PathAlias = (String, String, bool, Vec<(String, String)>);

/// One `tsconfig.json` with `paths`.
#[derive(Debug, Clone, Default)]
struct TsConfig {
    dir: String,
    /// `(alias before *, alias after *, targets before *, after *)` — an
    /// alias without `*` has an empty suffix and matches exactly.
    paths: Vec<PathAlias>,
}

/// One Rust crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RustCrate {
    /// Its package name as written (`crates_io-worker`).
    pub name: String,
    /// The directory of its `Cargo.toml`.
    pub dir: String,
}

/// What the manifests of a repository say.
#[derive(Debug, Default)]
pub struct Manifests {
    /// Every `package.json`, by directory.
    pub js_packages: Vec<JsPackage>,
    /// Directories holding each kind of lockfile.
    lockfiles: Vec<(String, PackageManager)>,
    tsconfigs: Vec<TsConfig>,
    /// Directories Python absolute imports start from.
    python_roots: BTreeSet<String>,
    /// Directories whose configuration configures pytest (`pytest.ini`,
    /// `[tool.pytest…]`, `[tool:pytest]`, `[pytest]`, a `conftest.py`).
    pub pytest_dirs: BTreeSet<String>,
    /// Whether a requirements file or project file names pytest.
    pub pytest_dependency: bool,
    /// Directories holding a `manage.py` (Django).
    pub django_dirs: BTreeSet<String>,
    /// Directories holding a `tox.ini` with environments.
    pub tox_dirs: BTreeSet<String>,
    /// Directories holding a `noxfile.py`.
    pub nox_dirs: BTreeSet<String>,
    /// Rust crates of the repository.
    pub rust_crates: Vec<RustCrate>,
    /// Whether cargo-nextest is configured (`.config/nextest.toml`).
    pub nextest: bool,
}

impl Manifests {
    /// Read the manifests among `files` (`(path, text)`); `paths` are every
    /// file of the repository (lockfiles are told by name, not read).
    pub fn read<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
        paths: &BTreeSet<String>,
    ) -> Manifests {
        let mut manifests = Manifests::default();
        manifests.python_roots.insert(String::new());
        let mut tsconfig_texts: BTreeMap<String, String> = BTreeMap::new();
        for (path, text) in files {
            let (dir, name) = split(path);
            match name {
                "package.json" => manifests.read_package(dir, text),
                "tsconfig.json" | "tsconfig.base.json" => {
                    tsconfig_texts.insert(path.to_string(), text.to_string());
                }
                "pytest.ini" => {
                    manifests.pytest_dirs.insert(dir.to_string());
                }
                "pyproject.toml" | "setup.cfg" | "tox.ini" => {
                    manifests.read_python_config(dir, name, text);
                }
                "setup.py" => {
                    manifests.python_roots.insert(dir.to_string());
                }
                "conftest.py" => {
                    manifests.pytest_dirs.insert(dir.to_string());
                }
                "noxfile.py" => {
                    manifests.nox_dirs.insert(dir.to_string());
                }
                "manage.py" => {
                    manifests.django_dirs.insert(dir.to_string());
                    manifests.python_roots.insert(dir.to_string());
                }
                "Cargo.toml" => {
                    if let Some(caps) = CARGO_PACKAGE_NAME.captures(text) {
                        manifests.rust_crates.push(RustCrate {
                            name: caps[1].to_string(),
                            dir: dir.to_string(),
                        });
                    }
                }
                "nextest.toml" => manifests.nextest |= dir.ends_with(".config"),
                _ if name.starts_with("requirements") || name == "Pipfile" => {
                    manifests.pytest_dependency |= text.contains("pytest");
                }
                _ => {}
            }
        }
        for path in paths {
            let (dir, name) = split(path);
            if let Some((_, manager)) = LOCKFILES.iter().find(|(lock, _)| *lock == name) {
                manifests.lockfiles.push((dir.to_string(), *manager));
            }
            if path.starts_with("src/") && name.ends_with(".py") {
                manifests.python_roots.insert("src".to_string());
            }
        }
        for (path, text) in &tsconfig_texts {
            let config = read_tsconfig(path, text, &tsconfig_texts);
            if !config.paths.is_empty() {
                manifests.tsconfigs.push(config);
            }
        }
        manifests
    }

    fn read_package(&mut self, dir: &str, text: &str) {
        let Ok(json) = serde_json::from_str::<Value>(text) else {
            return;
        };
        let mut package = JsPackage {
            dir: dir.to_string(),
            name: json["name"].as_str().map(str::to_string),
            ..JsPackage::default()
        };
        if let Some(scripts) = json["scripts"].as_object() {
            for (name, command) in scripts {
                if let Some(command) = command.as_str() {
                    package.scripts.insert(name.clone(), command.to_string());
                }
            }
        }
        for key in ["dependencies", "devDependencies", "peerDependencies"] {
            if let Some(deps) = json[key].as_object() {
                package.dependencies.extend(deps.keys().cloned());
            }
        }
        for key in ["source", "types", "typings", "module", "main"] {
            if let Some(entry) = json[key].as_str() {
                package.entries.push(entry.to_string());
            }
        }
        collect_export_entries(&json["exports"], &mut package.entries);
        self.js_packages.push(package);
    }

    fn read_python_config(&mut self, dir: &str, name: &str, text: &str) {
        let configures_pytest = match name {
            "pyproject.toml" => text.contains("[tool.pytest"),
            "setup.cfg" => text.contains("[tool:pytest]"),
            _ => text.contains("[pytest]"),
        };
        if configures_pytest {
            self.pytest_dirs.insert(dir.to_string());
        }
        if name == "tox.ini" && text.contains("[tox") {
            self.tox_dirs.insert(dir.to_string());
        }
        if name != "tox.ini" {
            self.python_roots.insert(dir.to_string());
            self.pytest_dependency |= text.contains("pytest");
        }
    }

    /// The lockfile's package manager for a package directory: the nearest
    /// lockfile at or above it, npm without one.
    pub fn package_manager(&self, dir: &str) -> PackageManager {
        self.lockfiles
            .iter()
            .filter(|(lock_dir, _)| is_ancestor(lock_dir, dir))
            .max_by_key(|(lock_dir, _)| lock_dir.len())
            .map_or(PackageManager::Npm, |(_, manager)| *manager)
    }

    /// The files a non-relative JS/TS specifier may be: through the nearest
    /// `tsconfig.json` `paths`, or a workspace package by name.
    pub fn js_alias_candidates(&self, path: &str, specifier: &str) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(config) = self
            .tsconfigs
            .iter()
            .filter(|c| is_ancestor(&c.dir, path))
            .max_by_key(|c| c.dir.len())
        {
            for (prefix, suffix, wildcard, targets) in &config.paths {
                let matched = if *wildcard {
                    specifier
                        .strip_prefix(prefix.as_str())
                        .and_then(|rest| rest.strip_suffix(suffix.as_str()))
                } else {
                    (specifier == prefix).then_some("")
                };
                let Some(middle) = matched else {
                    continue;
                };
                for (before, after) in targets {
                    out.extend(js_file_candidates(&format!("{before}{middle}{after}")));
                }
            }
        }
        for package in &self.js_packages {
            let Some(name) = package.name.as_deref() else {
                continue;
            };
            let subpath = if specifier == name {
                ""
            } else if let Some(rest) = specifier
                .strip_prefix(name)
                .and_then(|r| r.strip_prefix('/'))
            {
                rest
            } else {
                continue;
            };
            out.extend(package_candidates(package, subpath));
        }
        out
    }

    /// The files a Python absolute module may be, from the source roots.
    pub fn python_root_candidates(&self, module: &str) -> Vec<String> {
        if module.starts_with('.') || module.is_empty() {
            return Vec::new();
        }
        let relative = module.replace('.', "/");
        self.python_roots
            .iter()
            .flat_map(|root| {
                let base = join(root, &relative);
                [format!("{base}.py"), format!("{base}/__init__.py")]
            })
            .collect()
    }

    /// The files `name::rest` may be when `name` is a crate of the workspace
    /// (`crates_io_worker::jobs::send` → `crates/crates_io_worker/src/jobs/send.rs`).
    pub fn rust_crate_candidates(&self, name: &str, rest: &str) -> Vec<String> {
        let Some(krate) = self
            .rust_crates
            .iter()
            .find(|c| c.name.replace('-', "_") == name)
        else {
            return Vec::new();
        };
        let src = join(&krate.dir, "src");
        let mut segments: Vec<&str> = rest.split("::").filter(|s| !s.is_empty()).collect();
        let mut out = Vec::new();
        while !segments.is_empty() {
            let base = join(&src, &segments.join("/"));
            out.push(format!("{base}.rs"));
            out.push(format!("{base}/mod.rs"));
            segments.pop();
        }
        out.push(join(&src, "lib.rs"));
        out
    }

    /// The crate whose directory holds `path` (the nearest).
    pub fn rust_crate_of(&self, path: &str) -> Option<&RustCrate> {
        self.rust_crates
            .iter()
            .filter(|c| is_ancestor(&c.dir, path))
            .max_by_key(|c| c.dir.len())
    }
}

/// `exports: "./dist/index.js"`, `exports: { ".": { "import": "…" } }`.
fn collect_export_entries(exports: &Value, out: &mut Vec<String>) {
    match exports {
        Value::String(entry) => out.push(entry.clone()),
        Value::Object(map) => {
            let dot = map.get(".");
            match dot {
                Some(value) => collect_export_entries(value, out),
                None => map
                    .iter()
                    .filter(|(key, _)| !key.starts_with('.'))
                    .for_each(|(_, value)| collect_export_entries(value, out)),
            }
        }
        _ => {}
    }
}

/// The files a workspace package (or a subpath of it) may resolve to, its
/// sources before its build output.
fn package_candidates(package: &JsPackage, subpath: &str) -> Vec<String> {
    let dir = &package.dir;
    if !subpath.is_empty() {
        let mut out = js_file_candidates(&join(dir, subpath));
        out.extend(js_file_candidates(&join(dir, &format!("src/{subpath}"))));
        return out;
    }
    let mut out = Vec::new();
    for entry in &package.entries {
        let entry = entry.trim_start_matches("./");
        // Built entries (`dist/index.js`) have sources under `src/`.
        let source = entry
            .replacen("dist/", "src/", 1)
            .replacen("build/", "src/", 1)
            .replacen("lib/", "src/", 1);
        out.extend(js_file_candidates(&join(dir, &strip_js_extension(&source))));
        out.extend(js_file_candidates(&join(dir, &strip_js_extension(entry))));
    }
    out.extend(js_file_candidates(&join(dir, "src/index")));
    out.extend(js_file_candidates(&join(dir, "index")));
    out
}

fn strip_js_extension(path: &str) -> String {
    let path = path.strip_suffix(".d.ts").unwrap_or(path);
    for extension in [".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx"] {
        if let Some(stem) = path.strip_suffix(extension) {
            return stem.to_string();
        }
    }
    path.to_string()
}

/// `base` as a file with each source extension, then as a folder's index.
fn js_file_candidates(base: &str) -> Vec<String> {
    let stem = strip_js_extension(base);
    let mut out = vec![base.to_string()];
    for extension in ["ts", "tsx", "js", "jsx", "mjs", "cjs", "mts", "cts"] {
        out.push(format!("{stem}.{extension}"));
    }
    for extension in ["ts", "tsx", "js", "jsx"] {
        out.push(format!("{stem}/index.{extension}"));
    }
    out
}

/// A `tsconfig.json`'s `paths`, resolved against its `baseUrl`; `extends`
/// of another tsconfig of the repository is followed once.
fn read_tsconfig(path: &str, text: &str, all: &BTreeMap<String, String>) -> TsConfig {
    let (dir, _) = split(path);
    let mut config = TsConfig {
        dir: dir.to_string(),
        paths: Vec::new(),
    };
    let Some(json) = lenient_json(text) else {
        return config;
    };
    let mut options = json["compilerOptions"].clone();
    let mut options_dir = dir.to_string();
    if options["paths"].is_null()
        && let Some(parent) = json["extends"].as_str().filter(|e| e.starts_with('.'))
        && let Some(parent_path) = normalise(&join(dir, parent))
        && let Some(parent_text) = all.get(&parent_path)
        && let Some(parent_json) = lenient_json(parent_text)
    {
        options = parent_json["compilerOptions"].clone();
        options_dir = split(&parent_path).0.to_string();
    }
    let base = match options["baseUrl"].as_str() {
        Some(base_url) => normalise(&join(&options_dir, base_url)).unwrap_or(options_dir),
        None => options_dir,
    };
    let Some(paths) = options["paths"].as_object() else {
        return config;
    };
    for (alias, targets) in paths {
        let wildcard = alias.contains('*');
        let (prefix, suffix) = alias.split_once('*').unwrap_or((alias, ""));
        let targets: Vec<(String, String)> = targets
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter_map(|target| {
                let (before, after) = target.split_once('*').unwrap_or((target, ""));
                let before = normalise(&join(&base, before))?;
                let before = if target.contains('*') && !before.is_empty() {
                    format!("{}/", before.trim_end_matches('/'))
                } else {
                    before
                };
                Some((before, after.to_string()))
            })
            .collect();
        config
            .paths
            .push((prefix.to_string(), suffix.to_string(), wildcard, targets));
    }
    config
}

/// JSON with comments and trailing commas (tsconfig's dialect).
fn lenient_json(text: &str) -> Option<Value> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if c == '\\' {
                if let Some(next) = chars.next() {
                    out.push(next);
                }
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match (c, chars.peek()) {
            ('"', _) => {
                in_string = true;
                out.push(c);
            }
            ('/', Some('/')) => {
                for next in chars.by_ref() {
                    if next == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            ('/', Some('*')) => {
                chars.next();
                let mut previous = ' ';
                for next in chars.by_ref() {
                    if previous == '*' && next == '/' {
                        break;
                    }
                    previous = next;
                }
            }
            _ => out.push(c),
        }
    }
    let trailing = Regex::new(r",(\s*[}\]])").ok()?;
    serde_json::from_str(&trailing.replace_all(&out, "$1")).ok()
}

/// `(directory, file name)` of a repository path.
pub fn split(path: &str) -> (&str, &str) {
    path.rsplit_once('/').unwrap_or(("", path))
}

/// Whether directory `dir` holds `path` (the root `""` holds everything).
pub fn is_ancestor(dir: &str, path: &str) -> bool {
    dir.is_empty()
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// `dir/rest`, or either alone when the other is empty.
pub fn join(dir: &str, rest: &str) -> String {
    match (dir.is_empty(), rest.is_empty()) {
        (true, _) => rest.to_string(),
        (_, true) => dir.to_string(),
        _ => format!("{dir}/{rest}"),
    }
}

/// A path with `.` and `..` resolved; `None` when it climbs out of the repository.
fn normalise(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifests(files: &[(&str, &str)]) -> Manifests {
        let paths = files.iter().map(|(p, _)| p.to_string()).collect();
        Manifests::read(files.iter().copied(), &paths)
    }

    #[test]
    fn tsconfig_paths_with_comments_resolve_aliases() {
        let found = manifests(&[(
            "apps/web/tsconfig.json",
            "{\n  // aliases\n  \"compilerOptions\": { \"baseUrl\": \".\", \"paths\": { \"@/*\": [\"./*\"], },\n  }\n}",
        )]);
        let candidates = found.js_alias_candidates("apps/web/app/api/route.ts", "@/lib/mail");
        assert!(
            candidates.contains(&"apps/web/lib/mail.ts".to_string()),
            "{candidates:?}"
        );
    }

    #[test]
    fn workspace_packages_resolve_to_their_sources() {
        let found = manifests(&[(
            "packages/mail/package.json",
            r#"{"name": "@acme/mail", "main": "./dist/index.js"}"#,
        )]);
        let candidates = found.js_alias_candidates("apps/api/src/x.ts", "@acme/mail");
        assert!(
            candidates.contains(&"packages/mail/src/index.ts".to_string()),
            "{candidates:?}"
        );
        assert!(
            found
                .js_alias_candidates("apps/api/src/x.ts", "react")
                .is_empty()
        );
    }

    #[test]
    fn python_runners_and_roots_come_from_their_files() {
        let found = manifests(&[
            ("manage.py", ""),
            ("setup.cfg", "[tool:pytest]\nDJANGO_SETTINGS_MODULE = x\n"),
            ("src/pkg/__init__.py", ""),
        ]);
        assert!(found.pytest_dirs.contains(""));
        assert!(found.django_dirs.contains(""));
        assert!(
            found
                .python_root_candidates("pkg.mod")
                .contains(&"src/pkg/mod.py".to_string())
        );
    }

    #[test]
    fn cargo_packages_and_lockfiles_are_recognised() {
        let found = manifests(&[
            (
                "crates/worker/Cargo.toml",
                "[package]\nname = \"shop-worker\"\nversion = \"0.1.0\"\n",
            ),
            ("pnpm-lock.yaml", ""),
        ]);
        assert_eq!(
            found
                .rust_crate_of("crates/worker/src/jobs.rs")
                .map(|c| c.name.as_str()),
            Some("shop-worker")
        );
        assert!(
            found
                .rust_crate_candidates("shop_worker", "jobs::send")
                .contains(&"crates/worker/src/jobs/send.rs".to_string())
        );
        assert_eq!(found.package_manager("apps/web"), PackageManager::Pnpm);
    }
}
