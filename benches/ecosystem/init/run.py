#!/usr/bin/env python3
"""`handoff init` on real applications: the workflows it infers, judged, and its suite commands, checked.

For each project in projects.txt (owner/name, pinned commit, optional mirror path)
this script makes a checkout of the pinned commit in the cache
(~/.cache/handoff-ecosystem/init/<name>, a `git clone --shared` of the local mirror,
so no third-party code is ever copied into this repository), runs
`handoff init --force` there, and reads the `.handoff.yml` it wrote.

Each workflow is printed with its evidence comment and suite command, and
- the suite command is checked by listing, never by running the project's tests:
  every `cd DIR` exists, an `npm|pnpm|yarn|bun run SCRIPT` names a script of the
  package.json of the folder it runs in, an `npx|pnpm exec|yarn|bunx RUNNER` names a
  runner the package (or the workspace root) depends on, `pytest` runs where a pytest
  configuration, a conftest.py or a tests folder is, `python manage.py test` where
  manage.py is, `cargo test -p CRATE` names a crate of the workspace (and its
  `--test` targets and module filters exist), `tox`/`nox` where their files are; every
  test path or dotted label in the command exists in the checkout;
- the workflow is matched with its verdict in verdicts.jsonl (keep, rename or drop, as
  the project's maintainer would judge it, with a one-line reason);
- a name that looks like a UI or lifecycle event (click, mousedown, error, failed,
  close, ready, ...) is flagged.

The commented `always` suites init proposes are checked the same way.

    python3 benches/ecosystem/init/run.py [--handoff target/release/handoff] [--mirrors DIR] [--only NAME] [--json]

Exit status: 0 when every workflow has a verdict and every suite command passes its
check, 1 otherwise, 2 when a project cannot be prepared or init fails.
Python standard library only.
"""

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]

# Words that name a UI, DOM, process or library lifecycle event rather than a workflow.
EVENT_WORDS = {
    "click", "dblclick", "mousedown", "mouseup", "mousemove", "mouseover", "mouseout",
    "mouseenter", "mouseleave", "keydown", "keyup", "keypress", "touchstart", "touchend",
    "touchmove", "pointerdown", "pointerup", "scroll", "resize", "focus", "blur", "change",
    "input", "drag", "dragend", "dragstart", "drop", "transformend", "wheel", "contextmenu",
    "load", "unload", "beforeunload", "visibilitychange", "popstate", "hashchange",
    "error", "failed", "fail", "close", "closed", "ready", "open", "connect", "connected",
    "disconnect", "disconnected", "drain", "end", "finish", "exit", "completed", "active",
    "stalled", "progress", "waiting", "uncaughtexception", "unhandledrejection", "sigterm",
    "sigint", "timeout", "abort", "data", "message", "lifecycle", "startup", "shutdown",
}

RUNNER_PACKAGES = {
    "jest": "jest",
    "vitest": "vitest",
    "mocha": "mocha",
    "playwright": "@playwright/test",
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--handoff", help="the binary (default: target/release, else target/debug)")
    parser.add_argument(
        "--mirrors",
        default=os.environ.get("HANDOFF_MIRRORS", "/work/.mirror"),
        help="folder of mirrors named <owner>+<name>/repo (a bare git dir) or <owner>+<name> (a clone)",
    )
    parser.add_argument(
        "--cache",
        default=os.path.expanduser("~/.cache/handoff-ecosystem/init"),
        help="where the checkouts go (one folder per project)",
    )
    parser.add_argument("--projects", default=str(HERE / "projects.txt"))
    parser.add_argument("--verdicts", default=str(HERE / "verdicts.jsonl"))
    parser.add_argument("--only", help="run the projects whose owner/name contains this text")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--no-init", action="store_true",
                        help="read the .handoff.yml already in each checkout instead of running init")
    return parser.parse_args()


def default_binary():
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    for profile in ("release", "debug"):
        candidate = target / profile / "handoff"
        if candidate.exists():
            return str(candidate)
    sys.exit("no handoff binary: build one (cargo build --release) or pass --handoff")


def read_projects(path):
    projects = []
    for number, line in enumerate(Path(path).read_text().splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        fields = line.split()
        if len(fields) not in (2, 3) or "/" not in fields[0] or not re.fullmatch(r"[0-9a-f]{40}", fields[1]):
            sys.exit(f"{path}:{number}: expected `owner/name commit [mirror]`, got {line!r}")
        projects.append({"repo": fields[0], "commit": fields[1], "mirror": fields[2] if len(fields) == 3 else None})
    return projects


def read_verdicts(path):
    verdicts = {}
    if not Path(path).exists():
        return verdicts
    for number, line in enumerate(Path(path).read_text().splitlines(), 1):
        if not line.strip():
            continue
        entry = json.loads(line)
        if entry.get("verdict") not in ("keep", "rename", "drop") or not entry.get("reason"):
            sys.exit(f"{path}:{number}: a verdict is keep, rename or drop, with a reason")
        verdicts[(entry["project"], entry["workflow"])] = entry
    return verdicts


def git_dir(mirrors, project):
    if project["mirror"]:
        return Path(project["mirror"])
    owner, name = project["repo"].split("/")
    base = Path(mirrors) / f"{owner}+{name}"
    for candidate in (base / "repo", base, base / ".git"):
        if (candidate / "HEAD").exists() or (candidate / "objects").is_dir():
            return candidate
    return None


def git(*argv, check=True):
    return subprocess.run(["git", *argv], check=check, capture_output=True, text=True,
                          env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1"})


def checkout(project, args):
    """The checkout of the pinned commit, made or reset; (path, problem, paths left out)."""
    name = project["repo"].split("/")[1]
    dest = Path(args.cache) / name
    if not (dest / ".git").exists():
        mirror = git_dir(args.mirrors, project)
        if mirror is None:
            return None, f"no mirror of {project['repo']} under {args.mirrors} (fetch github:{project['repo']})", []
        dest.parent.mkdir(parents=True, exist_ok=True)
        clone = git("clone", "-q", "--shared", "--no-checkout", str(mirror), str(dest), check=False)
        if clone.returncode != 0:
            return None, f"cannot clone {mirror}: {clone.stderr.strip()}", []
    # A snapshot mirror may lack a few large blobs (binaries): those paths are left out of
    # the checkout (sparse checkout) and reported, instead of failing the project.
    missing = missing_blobs(dest, project["commit"])
    sparse = dest / ".git" / "info" / "sparse-checkout"
    if missing:
        git("-C", str(dest), "config", "core.sparseCheckout", "true")
        sparse.parent.mkdir(parents=True, exist_ok=True)
        sparse.write_text("/*\n" + "".join(f"!/{path}\n" for path in missing))
    # The pinned commit, exactly, with whatever an earlier run wrote removed.
    reset = git("-C", str(dest), "-c", "advice.detachedHead=false", "checkout", "-q", "-f", "--detach",
                project["commit"], check=False)
    if reset.returncode != 0:
        return None, f"{project['repo']} mirror lacks {project['commit'][:10]}: {reset.stderr.strip()}", []
    git("-C", str(dest), "clean", "-fdq")
    return dest, None, missing


def missing_blobs(dest, commit):
    """The paths of the commit whose blobs the mirror does not hold."""
    tree = git("-C", str(dest), "ls-tree", "-r", "-z", commit, check=False).stdout
    entries = [e.split("\t", 1) for e in tree.split("\0") if "\t" in e]
    blobs = [(meta.split()[2], path) for meta, path in entries if meta.split()[1] == "blob"]
    check = subprocess.run(["git", "-C", str(dest), "cat-file", "--batch-check"],
                           input="".join(f"{sha}\n" for sha, _ in blobs),
                           capture_output=True, text=True).stdout.splitlines()
    return [path for (sha, path), line in zip(blobs, check) if line.endswith("missing")]


def run_init(binary, repo):
    run = subprocess.run([binary, "init", "--force", "--repo", str(repo)], capture_output=True, text=True)
    if run.returncode != 0:
        return None, (run.stderr.strip().splitlines() or ["handoff init failed"])[-1]
    return run.stdout + run.stderr, None


# --- the .handoff.yml init writes -------------------------------------------------

def scalar(text):
    """A YAML scalar as init writes it (JSON-quoted or plain), without a trailing comment."""
    text = text.strip()
    if text.startswith('"'):
        value, end = json.JSONDecoder().raw_decode(text)
        rest = text[end:].strip()
        return value, rest[1:].strip() if rest.startswith("#") else ""
    if " #" in text:
        value, comment = text.split(" #", 1)
        return value.strip(), comment.strip()
    return text, ""


def parse_handoff_yml(text):
    """The workflows (name, evidence, paths, topics, command, note), the `always` commands
    proposed in comments and the `# Left out:` lines of the file init writes."""
    workflows, always, left_out = [], [], []
    evidence, current, section, block = None, None, None, None
    for line in text.splitlines():
        stripped = line.strip()
        if not line.startswith(" ") and stripped:
            block = {"workflows:": "workflows", "# Left out:": "left_out"}.get(stripped, block)
            if stripped.startswith("# always:"):
                block = "always"
            elif stripped.startswith("workflows:"):
                block = "workflows"
            elif block == "left_out" and stripped.startswith("# - "):
                left_out.append(stripped[4:])
            elif block == "always" and stripped.startswith("#     command:"):
                always.append(scalar(stripped[len("#     command:"):])[0])
            elif not stripped.startswith("#") and block == "workflows":
                block = None
            continue
        if block != "workflows":
            continue
        indent = len(line) - len(line.lstrip(" "))
        if indent == 2 and stripped.startswith("# "):
            evidence = stripped[2:]
        elif indent == 2 and stripped.startswith("- name:"):
            current = {"name": scalar(stripped[len("- name:"):])[0], "evidence": evidence,
                       "paths": [], "topics": [], "command": None, "note": ""}
            workflows.append(current)
            evidence, section = None, None
        elif current is not None and indent == 4 and stripped.endswith(":") and ":" not in stripped[:-1]:
            section = stripped[:-1]
        elif current is not None and indent == 4:
            section = None
        elif current is not None and indent == 6 and section in ("paths", "topics") and stripped.startswith("- "):
            current[section].append(scalar(stripped[2:])[0])
        elif current is not None and indent == 6 and section == "suite" and stripped.startswith("command:"):
            current["command"], current["note"] = scalar(stripped[len("command:"):])
        elif current is not None and indent == 6 and section == "suite" and stripped.startswith("#"):
            current["note"] = stripped.lstrip("# ")
    return workflows, always, left_out


# --- checking a suite command by listing ------------------------------------------

def read_json(path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def package_json(repo, folder):
    return read_json(repo / folder / "package.json") if folder is not None else None


def ancestors(folder):
    """`a/b`, `a`, `` (the folder and those above it, to the root)."""
    parts = [p for p in folder.split("/") if p]
    return ["/".join(parts[:i]) for i in range(len(parts), -1, -1)]


def depends_on(repo, folder, package):
    """The folder (itself or above it) whose package.json depends on `package`, or None."""
    for dir_ in ancestors(folder):
        manifest = package_json(repo, dir_)
        if not manifest:
            continue
        for key in ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies"):
            if package in (manifest.get(key) or {}):
                return dir_
    return None


def workspace_package(repo, name):
    """The folder of the package.json named `name` (for `--filter`), or None."""
    listing = git("-C", str(repo), "ls-files", "--", "*package.json", "package.json").stdout.split()
    for path in listing:
        if "node_modules/" in path:
            continue
        manifest = read_json(repo / path)
        if manifest and manifest.get("name") == name:
            return str(Path(path).parent).replace(".", "", 1) if path == "package.json" else str(Path(path).parent)
    return None


def exists(repo, folder, path):
    return (repo / folder / path).exists()


def check_test_paths(repo, folder, words, problems, what="test path"):
    """Every argument that is not an option names a file or folder of the checkout."""
    for word in words:
        if word.startswith("-") or word == "--":
            continue
        target = word.split("::", 1)[0]
        if not exists(repo, folder, target):
            problems.append(f"{what} {word} not in {folder or '.'}")


def has_pytest_config(repo, folder):
    base = repo / folder
    if (base / "pytest.ini").exists() or (base / "conftest.py").exists():
        return "pytest.ini/conftest.py"
    for name, marker in (("pyproject.toml", "[tool.pytest"), ("setup.cfg", "[tool:pytest]"),
                         ("tox.ini", "[pytest]")):
        try:
            if marker in (base / name).read_text(errors="replace"):
                return name
        except OSError:
            pass
    if (base / "tests").is_dir() or (base / "test").is_dir():
        return "tests folder"
    return None


def cargo_crates(repo):
    """Package name -> crate folder, for every Cargo.toml of the checkout."""
    crates = {}
    listing = git("-C", str(repo), "ls-files", "--", "Cargo.toml", "*/Cargo.toml").stdout.split()
    for path in listing:
        text = (repo / path).read_text(errors="replace")
        in_package = False
        for line in text.splitlines():
            line = line.strip()
            if line.startswith("["):
                in_package = line == "[package]"
            elif in_package:
                match = re.match(r'name\s*=\s*"([^"]+)"', line)
                if match:
                    crates[match.group(1)] = str(Path(path).parent) if "/" in path else ""
                    break
    return crates


def check_cargo(repo, words, problems):
    crates = cargo_crates(repo)
    krate, targets, filters, after = None, [], [], False
    i = 0
    while i < len(words):
        word = words[i]
        if after:
            filters.append(word)
        elif word == "--":
            after = True
        elif word in ("-p", "--package") and i + 1 < len(words):
            krate = words[i + 1]
            i += 1
        elif word == "--test" and i + 1 < len(words):
            targets.append(words[i + 1])
            i += 1
        i += 1
    if krate is None:
        if "" not in crates:
            problems.append("cargo without -p and no root crate")
        return
    if krate not in crates:
        problems.append(f"no crate named {krate}")
        return
    crate_dir = repo / crates[krate]
    for target in targets:
        if not ((crate_dir / "tests" / f"{target}.rs").exists() or (crate_dir / "tests" / target / "main.rs").exists()):
            problems.append(f"no test target {target} in {crates[krate] or '.'}/tests")
    for module in filters:
        if module.startswith("-"):
            continue
        rel = module.replace("::", "/")
        if not ((crate_dir / "src" / f"{rel}.rs").exists() or (crate_dir / "src" / rel / "mod.rs").exists()):
            problems.append(f"no module {module} in crate {krate}")


def check_js(repo, folder, manager, words, problems):
    """`run SCRIPT args`, `exec RUNNER args` and the bare forms of each package manager,
    with `--filter NAME`, `-C DIR`, `--prefix DIR`, `--cwd DIR` moving the folder."""
    rest = []
    i = 0
    while i < len(words):
        word = words[i]
        if word in ("--filter", "-F") and i + 1 < len(words):
            found = workspace_package(repo, words[i + 1])
            if found is None:
                problems.append(f"no workspace package named {words[i + 1]}")
                return
            folder = found
            i += 2
            continue
        if word in ("-C", "--dir", "--prefix", "--cwd") and i + 1 < len(words):
            folder = str(Path(folder) / words[i + 1]) if folder else words[i + 1]
            i += 2
            continue
        rest.append(word)
        i += 1
    if manager in ("npx", "bunx"):
        rest = ["exec", *rest]
    if not rest:
        problems.append(f"{manager} without a command")
        return
    if manager == "bun" and rest[0] == "test":  # bun's own runner, not a script
        check_test_paths(repo, folder, rest[1:], problems)
        return
    if rest[0] in ("test", "t") and manager != "bunx":
        rest = ["run", "test", *rest[1:]]  # `npm test` is `npm run test` (and so for pnpm, yarn)
    verb = rest[0]
    manifest = package_json(repo, folder)
    if manifest is None:
        problems.append(f"no package.json in {folder or '.'}")
        return
    scripts = manifest.get("scripts") or {}
    if verb == "run" or (manager in ("yarn", "pnpm") and verb in scripts):
        script_words = rest[1:] if verb == "run" else rest
        if not script_words:
            problems.append(f"{manager} run without a script")
            return
        script = script_words[0]
        if script not in scripts:
            problems.append(f"no script {script} in {folder or '.'}/package.json")
            return
        args = script_words[1:]
        if args and args[0] == "--":
            args = args[1:]
        check_test_paths(repo, folder, args, problems)
        return
    if verb == "exec" or manager == "yarn":
        runner_words = rest[1:] if verb == "exec" else rest
        if not runner_words:
            problems.append(f"{manager} exec without a binary")
            return
        binary = runner_words[0]
        package = RUNNER_PACKAGES.get(binary, binary)
        if depends_on(repo, folder, package) is None:
            problems.append(f"{binary}: {package} is not a dependency of {folder or '.'} or a folder above it")
            return
        args = [w for w in runner_words[1:] if w not in ("run", "test")][:] if binary in ("vitest", "playwright") else runner_words[1:]
        check_test_paths(repo, folder, args, problems)
        return
    problems.append(f"{manager} {verb}: not a script of {folder or '.'}/package.json")


def check_command(repo, command):
    """The problems of a suite command, by listing the checkout ([] when it is sound)."""
    problems = []
    folder = ""
    try:
        words = shlex.split(command)
    except ValueError as error:
        return [f"not a shell command: {error}"]
    # Split on && (init joins one command per runner with it); a command that
    # changes folder is a subshell `( cd dir && .. )` when others follow, so the
    # folder comes back when the subshell ends.
    tokens = []
    for word in words:
        while word.startswith("("):
            tokens.append("(")
            word = word[1:]
        closes = len(word) - len(word.rstrip(")"))
        word = word.rstrip(")")
        if word:
            tokens.append(word)
        tokens.extend(")" * closes)
    steps, step, saved = [], [], []
    for word in tokens:
        if word == "&&":
            steps.append(step)
            step = []
        else:
            step.append(word)
    steps.append(step)
    for step in steps:
        while step and step[0] == "(":
            saved.append(folder)
            step = step[1:]
        restore = 0
        while step and step[-1] == ")":
            restore += 1
            step = step[:-1]
        if not step:
            problems.append("empty step")
            continue
        program, args = step[0], step[1:]
        if program == "cd":
            target = args[0] if args else ""
            folder = os.path.normpath(os.path.join(folder, target)).replace(".", "", 1) if target else ""
            folder = "" if folder in (".", "") else folder
            if not (repo / folder).is_dir():
                problems.append(f"cd {target}: no such folder")
                return problems
        elif program in ("npm", "pnpm", "yarn", "bun", "npx", "bunx"):
            check_js(repo, folder, program, args, problems)
        elif program == "pytest" or (program in ("python", "python3") and args[:2] == ["-m", "pytest"]):
            args = args[2:] if program != "pytest" else args
            if has_pytest_config(repo, folder) is None and not args:
                problems.append(f"pytest in {folder or '.'}: no pytest configuration, conftest.py or tests folder")
            check_test_paths(repo, folder, args, problems)
        elif program in ("python", "python3") and args[:1] == ["manage.py"]:
            if not (repo / folder / "manage.py").exists():
                problems.append(f"no manage.py in {folder or '.'}")
            if args[1:2] != ["test"]:
                problems.append("manage.py without test")
            for label in args[2:]:
                if label.startswith("-"):
                    continue
                rel = label.replace(".", "/")
                if not ((repo / folder / f"{rel}.py").exists() or (repo / folder / rel).is_dir()):
                    problems.append(f"test label {label} not in {folder or '.'}")
        elif program == "cargo":
            if args[:1] == ["test"]:
                check_cargo(repo, args[1:], problems)
            elif args[:2] == ["nextest", "run"]:
                check_cargo(repo, args[2:], problems)
            else:
                problems.append(f"cargo {' '.join(args[:1])}: not a test command")
        elif program == "tox":
            if not any((repo / folder / f).exists() for f in ("tox.ini",)) and \
                    "[tool.tox" not in _text(repo / folder / "pyproject.toml") and \
                    "[tox:tox]" not in _text(repo / folder / "setup.cfg"):
                problems.append(f"tox in {folder or '.'}: no tox configuration")
        elif program == "nox":
            if not (repo / folder / "noxfile.py").exists():
                problems.append(f"nox in {folder or '.'}: no noxfile.py")
        else:
            problems.append(f"unknown program {program}")
        for _ in range(restore):
            folder = saved.pop() if saved else ""
    return problems


def _text(path):
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def event_like(name):
    """The event words of a name made only of them (`click`, `mouseup-touchend`, `error`):
    `failed-deliveries` names what it acts on and is not flagged."""
    words = [w for w in re.split(r"[-_.:/ ]+", name.lower()) if w]
    if words and all(w in EVENT_WORDS for w in words):
        return words
    if re.fullmatch(r"on[A-Z].*", name) or re.fullmatch(r"(handle|on)-.*", name.lower()):
        return [name]
    return []


# --- the run -----------------------------------------------------------------------

def evaluate(project, args, binary, verdicts):
    result = {"project": project["repo"], "commit": project["commit"], "workflows": [], "always": []}
    if args.no_init:
        repo = Path(args.cache) / project["repo"].split("/")[1]
        problem, missing = None, []
        if not (repo / ".handoff.yml").exists():
            problem = f"no .handoff.yml in {repo}: run without --no-init first"
    else:
        repo, problem, missing = checkout(project, args)
    result["missing_blobs"] = missing
    if problem is None and not args.no_init:
        output, problem = run_init(binary, repo)
        if output is not None:
            result["init_output"] = [l for l in output.splitlines() if "inferred" in l]
    if problem is not None:
        result["problem"] = problem
        return result
    text = (repo / ".handoff.yml").read_text()
    workflows, always, left_out = parse_handoff_yml(text)
    result["left_out"] = left_out
    for workflow in workflows:
        command = workflow["command"]
        problems = check_command(repo, command) if command else ["no suite command written"]
        verdict = verdicts.get((project["repo"], workflow["name"]))
        result["workflows"].append({
            **workflow,
            "check": "ok" if not problems else "fail",
            "problems": problems,
            "verdict": verdict["verdict"] if verdict else None,
            "reason": verdict["reason"] if verdict else None,
            "event_like": event_like(workflow["name"]),
        })
    written = {w["name"] for w in workflows}
    result["stale_verdicts"] = sorted(w for (p, w) in verdicts if p == project["repo"] and w not in written)
    for command in always:
        problems = check_command(repo, command)
        result["always"].append({"command": command, "check": "ok" if not problems else "fail",
                                 "problems": problems})
    return result


def main():
    args = parse_args()
    binary = args.handoff or default_binary()
    projects = read_projects(args.projects)
    if args.only:
        projects = [p for p in projects if args.only.lower() in p["repo"].lower()]
    verdicts = read_verdicts(args.verdicts)
    results = [evaluate(p, args, binary, verdicts) for p in projects]
    status = report(results, args)
    return status


def report(results, args):
    overall = Counter()
    failed = False
    unavailable = False
    lines = []
    for r in results:
        if "problem" in r:
            lines.append(f"== {r['project']} @ {r['commit'][:10]}: UNAVAILABLE: {r['problem']}")
            unavailable = True
            continue
        counts = Counter()
        lines.append(f"== {r['project']} @ {r['commit'][:10]}: {len(r['workflows'])} workflows")
        if r.get("missing_blobs"):
            lines.append(f"  (left out of the checkout, not in the mirror: {', '.join(r['missing_blobs'])})")
        for w in r["workflows"]:
            counts["workflows"] += 1
            counts[w["verdict"] or "no verdict"] += 1
            counts["commands ok" if w["check"] == "ok" else "commands failed"] += 1
            if w["event_like"]:
                counts["event-like names"] += 1
            lines.append(f"  - {w['name']}  [{w['verdict'] or 'NO VERDICT'}]"
                         + (f"  EVENT-LIKE NAME ({', '.join(w['event_like'])})" if w["event_like"] else ""))
            lines.append(f"      evidence: {w['evidence']}")
            lines.append(f"      paths: {', '.join(w['paths'])}" + (f"; topics: {', '.join(w['topics'])}" if w["topics"] else ""))
            lines.append(f"      suite: {w['command']}" + (f"   # {w['note']}" if w["note"] else ""))
            lines.append(f"      check: {w['check']}" + (f" ({'; '.join(w['problems'])})" if w["problems"] else ""))
            if w["reason"]:
                lines.append(f"      verdict: {w['verdict']}: {w['reason']}")
            if w["verdict"] is None or w["check"] != "ok":
                failed = True
        for a in r["always"]:
            counts["always ok" if a["check"] == "ok" else "always failed"] += 1
            lines.append(f"  always: {a['command']}  check: {a['check']}"
                         + (f" ({'; '.join(a['problems'])})" if a["problems"] else ""))
            if a["check"] != "ok":
                failed = True
        if r.get("stale_verdicts"):
            lines.append(f"  verdicts of workflows this init no longer writes: {', '.join(r['stale_verdicts'])}")
        for item in r.get("left_out", []):
            lines.append(f"  left out: {item}")
        r["counts"] = dict(counts)
        overall.update(counts)
        lines.append("  " + summary(counts))
        lines.append("")
    judged = overall["keep"] + overall["rename"] + overall["drop"]
    share = f"{100 * (overall['keep'] + overall['rename']) / judged:.1f}%" if judged else "-"
    if args.json:
        print(json.dumps({"results": results, "overall": dict(overall), "keep_or_rename": share}, indent=2))
    else:
        print("\n".join(lines))
        print("overall: " + summary(overall))
        print(f"keep or rename: {overall['keep'] + overall['rename']}/{judged} ({share})")
    if unavailable:
        return 2
    return 1 if failed else 0


def summary(counts):
    return (f"workflows {counts['workflows']}, keep {counts['keep']}, rename {counts['rename']}, "
            f"drop {counts['drop']}, no verdict {counts['no verdict']}; "
            f"commands ok {counts['commands ok']}/{counts['workflows']}; "
            f"always ok {counts['always ok']}/{counts['always ok'] + counts['always failed']}; "
            f"event-like names {counts['event-like names']}")


if __name__ == "__main__":
    sys.exit(main())
