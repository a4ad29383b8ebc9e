#!/usr/bin/env python3
"""Recall of Handoff on real boundary bugs: real fixes, reverted.

Each case in cases.json names a public fix (repository and commit) that adds a
safeguard (on_commit deferral, a status check, an await, an idempotency key).
For each case this script takes the fixed file (the fix commit) and the buggy
one (its parent), builds a two-commit git repository in the cache (base =
fixed, head = buggy: the change reintroduces the bug), runs
`handoff scan --format json`, and counts the case as found when a *new*
finding of one of the expected rules covers the anchor line (on it, or with
the chain's end there as a related location).

Third-party code is never committed: the texts are read from a local mirror
of the repository (a bare git directory, by default /work/.mirror/<owner>+<name>/repo,
as the workspace's `fetch` tool lays them out; or any clone given with
--mirrors) and cached under ~/.cache/handoff-ecosystem/recall.

    python3 benches/ecosystem/recall/run.py [--handoff target/release/handoff] [--json]

Python standard library only.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]


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
        default=os.path.expanduser("~/.cache/handoff-ecosystem/recall"),
        help="where the fixed and buggy texts and the case repositories go",
    )
    parser.add_argument("--cases", default=str(HERE / "cases.json"))
    parser.add_argument("--only", help="run the cases whose id contains this text")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--verbose", action="store_true", help="show the findings of each case")
    return parser.parse_args()


def default_binary():
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    for profile in ("release", "debug"):
        candidate = target / profile / "handoff"
        if candidate.exists():
            return str(candidate)
    sys.exit("no handoff binary: build one (cargo build --release) or pass --handoff")


def git_dir(mirrors, repo):
    owner, name = repo.split("/")
    base = Path(mirrors) / f"{owner}+{name}"
    for candidate in (base / "repo", base, base / ".git"):
        if (candidate / "HEAD").exists() or (candidate / "objects").is_dir():
            return candidate
    return None


def show(git, rev, path):
    run = subprocess.run(
        ["git", "--git-dir", str(git), "show", f"{rev}:{path}"],
        capture_output=True,
    )
    if run.returncode != 0:
        return None
    return run.stdout.decode("utf-8", errors="replace")


def texts(case, args):
    """(fixed, buggy) texts of the case's file, from the cache or the mirror."""
    folder = Path(args.cache) / "texts" / case["id"]
    fixed_file, buggy_file = folder / "fixed", folder / "buggy"
    if fixed_file.exists() and buggy_file.exists():
        return fixed_file.read_text(), buggy_file.read_text(), None
    git = git_dir(args.mirrors, case["repo"])
    if git is None:
        return None, None, f"no mirror of {case['repo']} under {args.mirrors} (fetch github:{case['repo']})"
    fixed = show(git, case["fix"], case["path"])
    buggy = show(git, case["fix"] + "^", case["path"])
    if fixed is None or buggy is None:
        return None, None, f"{case['repo']} mirror lacks {case['fix'][:10]} or its parent for {case['path']}"
    folder.mkdir(parents=True, exist_ok=True)
    fixed_file.write_text(fixed)
    buggy_file.write_text(buggy)
    return fixed, buggy, None


def context_texts(case, args):
    """The unchanged files of the case's repository that the change relies on (`context`: the
    settings that make every request a transaction, say), as they were before the fix."""
    out = {}
    for path in case.get("context", []):
        cached = Path(args.cache) / "texts" / case["id"] / "context" / path
        if cached.exists():
            out[path] = cached.read_text()
            continue
        git = git_dir(args.mirrors, case["repo"])
        text = show(git, case["fix"] + "^", path) if git is not None else None
        if text is None:
            continue
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_text(text)
        out[path] = text
    return out


def git(repo, *argv):
    subprocess.run(
        ["git", "-C", str(repo), *argv],
        check=True,
        capture_output=True,
        env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1"},
    )


def rev(repo):
    return subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD"], check=True, capture_output=True, text=True
    ).stdout.strip()


def scan_case(case, fixed, buggy, binary, workdir, context=None):
    """The JSON report of scanning the reintroduction of the bug; `context` files (path ->
    text) are in both commits, unchanged."""
    repo = Path(workdir) / case["id"]
    if repo.exists():
        shutil.rmtree(repo)
    repo.mkdir(parents=True)
    git(repo, "-c", "init.defaultBranch=main", "init", "-q")
    git(repo, "config", "user.name", "recall")
    git(repo, "config", "user.email", "recall@example.com")
    git(repo, "config", "commit.gpgsign", "false")
    for path, text in (context or {}).items():
        kept = repo / path
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.write_text(text)
    target = repo / case["path"]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(fixed)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "fixed")
    base = rev(repo)
    target.write_text(buggy)
    git(repo, "commit", "-q", "-am", "bug reintroduced")
    head = rev(repo)
    run = subprocess.run(
        [binary, "scan", "--repo", str(repo), "--base", base, "--head", head,
         "--format", "json", "--fail-on", "never"],
        capture_output=True,
        text=True,
    )
    if run.returncode not in (0, 1):
        return None, run.stderr.strip().splitlines()[-1:] or ["handoff failed"]
    return json.loads(run.stdout), None


def anchor_line(text, anchor, after=""):
    """The 1-based line of the first `anchor` after the text `after`."""
    start = text.find(after) if after else 0
    at = text.find(anchor, max(start, 0)) if start >= 0 else -1
    return None if at < 0 else text.count("\n", 0, at) + 1


def covers(finding, path, line):
    """Whether the finding is on the anchor line, or its chain ends there: a
    call of the project's helper reported where it runs (inside the caller's
    transaction or retry), with the helper's SDK call as a related location."""
    if finding["path"] == path and finding["line"] <= line <= max(finding["end_line"], finding["line"]):
        return True
    return any(
        (place.get("path") or finding["path"]) == path
        and place.get("line") == line
        and place.get("message", "").startswith("the chain reaches ")
        for place in finding.get("related", [])
    )


def judge(case, report, line):
    """The new findings of the expected rules that cover the anchor line."""
    return [
        f for f in report["findings"]
        if f["status"] == "new"
        and f["rule"] in case["rules"]
        and covers(f, case["path"], line)
    ]


def main():
    args = parse_args()
    binary = args.handoff or default_binary()
    cases = json.loads(Path(args.cases).read_text())["cases"]
    if args.only:
        cases = [c for c in cases if args.only in c["id"]]
    results = []
    workdir = Path(args.cache) / "repos"
    workdir.mkdir(parents=True, exist_ok=True)
    for case in cases:
        result = {"id": case["id"], "part": case["part"], "language": case["language"]}
        fixed, buggy, problem = texts(case, args)
        line = anchor_line(buggy, case["anchor"], case.get("after", "")) if buggy is not None else None
        if problem is None and line is None:
            problem = f"anchor {case['anchor']!r} not in the buggy version of {case['path']}"
        report = None
        if problem is None:
            report, problem = scan_case(case, fixed, buggy, binary, workdir,
                                        context_texts(case, args))
        if problem is not None:
            result.update(status="unavailable", problem=problem)
        else:
            hits = judge(case, report, line)
            result.update(
                status="found" if hits else "missed",
                line=line,
                found=[f"{f['rule']}@{f['line']}" for f in hits],
                new=[f"{f['rule']}@{f['line']}" for f in report["findings"] if f["status"] == "new"],
            )
        results.append(result)
    print_results(results, args)
    return 0


def print_results(results, args):
    totals = defaultdict(lambda: [0, 0])
    for r in results:
        if r["status"] == "unavailable":
            continue
        for key in (("part", r["part"]), ("language", r["language"]), ("all", "all")):
            totals[key][1] += 1
            totals[key][0] += r["status"] == "found"
    summary = {f"{k}:{v}": {"found": f, "cases": n} for (k, v), (f, n) in sorted(totals.items())}
    if args.json:
        print(json.dumps({"results": results, "recall": summary}, indent=2))
        return
    for r in results:
        detail = r.get("problem") or ", ".join(r["found"]) or (
            "new: " + ", ".join(r["new"]) if r["new"] else "no new finding")
        print(f"{r['status']:<11} {r['part']:<7} {r['language']:<10} {r['id']:<22} line {r.get('line', '-')!s:<5} {detail}")
    print()
    for key, value in summary.items():
        print(f"recall {key:<22} {value['found']}/{value['cases']}")
    unavailable = sum(r["status"] == "unavailable" for r in results)
    if unavailable:
        print(f"unavailable: {unavailable} case(s) (see above for how to get them)")


if __name__ == "__main__":
    sys.exit(main())
