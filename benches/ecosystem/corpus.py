#!/usr/bin/env python3
"""The labelled ecosystem corpus: download pinned packages, scan them, compare with labels.

Usage:
    python3 benches/ecosystem/corpus.py [--handoff BIN] [--only NAME] [--part tuned|holdout]
                                        [--write-unlabelled FILE]

Downloads each project of projects.txt from its registry (PyPI sdist, npm tarball,
crates.io crate) into ~/.cache/handoff-ecosystem, makes a git repository of the unpacked
package, runs `handoff scan --all-files --format json` there and compares the findings
with labels.jsonl. Prints precision per rule per part (tuned, holdout) overall and at high
confidence, the findings without a label, and the labels whose finding disappeared.
Exits 1 when any finding is unlabelled, 2 on a download or scan failure.
Standard library only; never copies third-party code into the repository.
"""

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import urllib.parse
import urllib.request
import zipfile
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = Path(os.environ.get("HANDOFF_ECOSYSTEM_CACHE", Path.home() / ".cache" / "handoff-ecosystem"))
VERDICTS = ("true", "false", "unclear")


def load_projects():
    """Read projects.txt; every third entry (3rd, 6th, ...) is holdout."""
    projects = []
    for raw in (HERE / "projects.txt").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        registry, package, version, language = line.split()
        part = "holdout" if len(projects) % 3 == 2 else "tuned"
        name = package.replace("@", "").replace("/", "-")
        projects.append(dict(registry=registry, package=package, version=version,
                             language=language, part=part, name=name))
    return projects


def fetch_json(url):
    req = urllib.request.Request(url, headers={"User-Agent": "handoff-ecosystem-corpus"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.load(resp)


def fetch_bytes(url):
    req = urllib.request.Request(url, headers={"User-Agent": "handoff-ecosystem-corpus"})
    with urllib.request.urlopen(req, timeout=120) as resp:
        return resp.read()


def archive_url(p):
    """The download address of a project's pinned source archive."""
    if p["registry"] == "pypi":
        meta = fetch_json(f"https://pypi.org/pypi/{p['package']}/json")
        files = meta["releases"].get(p["version"], [])
        sdists = [u for u in files if u["packagetype"] == "sdist"]
        # A project that publishes wheels only: its pure-Python wheel holds
        # the same source files.
        wheels = [u for u in files if u["packagetype"] == "bdist_wheel"
                  and u["filename"].endswith("-none-any.whl")]
        chosen = sdists or wheels
        if not chosen:
            raise RuntimeError(f"{p['package']} {p['version']} has no sdist or pure-Python wheel on PyPI")
        return urllib.parse.urljoin(f"https://pypi.org/pypi/{p['package']}/json", chosen[0]["url"])
    if p["registry"] == "npm":
        meta = fetch_json(f"https://registry.npmjs.org/{p['package'].replace('/', '%2f')}/{p['version']}")
        return meta["dist"]["tarball"]
    if p["registry"] == "crates":
        return f"https://static.crates.io/crates/{p['package']}/{p['package']}-{p['version']}.crate"
    raise RuntimeError(f"unknown registry {p['registry']}")


def unpack(data, url, dest):
    """Unpack a tar.gz or zip archive into dest, dropping the single top folder."""
    tmp = dest.with_suffix(".unpack")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    if url.endswith((".zip", ".whl")):  # old sdists, wheels
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            zf.extractall(tmp)
    else:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tf:
            tf.extractall(tmp, filter="data")
    entries = list(tmp.iterdir())
    top = entries[0] if len(entries) == 1 and entries[0].is_dir() else tmp
    shutil.move(str(top), str(dest))
    shutil.rmtree(tmp, ignore_errors=True)


def git(repo, *args):
    env = dict(os.environ, GIT_AUTHOR_NAME="corpus", GIT_AUTHOR_EMAIL="corpus@localhost",
               GIT_COMMITTER_NAME="corpus", GIT_COMMITTER_EMAIL="corpus@localhost",
               GIT_AUTHOR_DATE="2000-01-01T00:00:00Z", GIT_COMMITTER_DATE="2000-01-01T00:00:00Z")
    subprocess.run(["git", "-C", str(repo), *args], check=True, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def ensure(p):
    """The git repository of a project's pinned package, downloaded once."""
    repo = CACHE / p["registry"] / f"{p['name']}-{p['version']}"
    if (repo / ".git").is_dir():
        return repo
    shutil.rmtree(repo, ignore_errors=True)
    repo.parent.mkdir(parents=True, exist_ok=True)
    url = archive_url(p)
    unpack(fetch_bytes(url), url, repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A", "-f")
    git(repo, "commit", "-q", "-m", f"{p['package']} {p['version']}")
    return repo


def scan(binary, repo):
    """Findings of a full scan of the repository."""
    out = subprocess.run(["nice", "-n", "10", binary, "scan", "--all-files", "--format", "json",
                          "--repo", str(repo)], capture_output=True, text=True)
    if out.returncode not in (0, 1):
        raise RuntimeError(f"scan of {repo} failed ({out.returncode}): {out.stderr.strip()}")
    return json.loads(out.stdout).get("findings", [])


def git_out(repo, *args):
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True).stdout.strip()


def diff_scan(binary, repo, paths):
    """Findings of a diff-style scan: the change that adds `paths` (the files with full-scan
    findings) to the project, as a pull request would, so that the helpers, task classes and
    callers in the files they import are seen through. The commits live on a side branch;
    the project's `main` is left as it was."""
    if not paths:
        return []
    main = git_out(repo, "rev-parse", "main")
    git(repo, "checkout", "-q", "-B", "diff-style", main)
    git(repo, "rm", "-q", "--cached", "--", *paths)
    git(repo, "commit", "-q", "--allow-empty", "-m", "base: without the files under review")
    base = git_out(repo, "rev-parse", "HEAD")
    git(repo, "add", "-f", "--", *paths)
    git(repo, "commit", "-q", "--allow-empty", "-m", "head: the files under review added")
    head = git_out(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "-f", "main")
    out = subprocess.run(["nice", "-n", "10", binary, "scan", "--base", base, "--head", head,
                          "--format", "json", "--fail-on", "never", "--repo", str(repo)],
                         capture_output=True, text=True)
    if out.returncode not in (0, 1):
        raise RuntimeError(f"diff-style scan of {repo} failed ({out.returncode}): {out.stderr.strip()}")
    return json.loads(out.stdout).get("findings", [])


def load_labels():
    labels = {}
    path = HERE / "labels.jsonl"
    if not path.exists():
        return labels
    for n, raw in enumerate(path.read_text().splitlines(), 1):
        if not raw.strip():
            continue
        label = json.loads(raw)
        if label.get("verdict") not in VERDICTS:
            sys.exit(f"labels.jsonl:{n}: verdict must be one of {VERDICTS}")
        labels[(label["project"], label["fingerprint"])] = label
    return labels


def precision(c):
    judged = c["true"] + c["false"]
    return f"{100 * c['true'] / judged:5.1f}%" if judged else "    -"


def print_table(title, counts):
    print(f"\n{title}")
    print(f"  {'part':8} {'rule':34} {'findings':>8} {'true':>5} {'false':>5} {'unclear':>7} {'unlab':>5}  precision")
    for (part, rule) in sorted(counts):
        c = counts[(part, rule)]
        print(f"  {part:8} {rule:34} {c['findings']:8} {c['true']:5} {c['false']:5} {c['unclear']:7} {c['unlabelled']:5}  {precision(c)}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--handoff", default=str(HERE.parents[1] / "target" / "release" / "handoff"))
    ap.add_argument("--only", help="only the project of this name")
    ap.add_argument("--part", choices=("tuned", "holdout"),
                    help="only this part: tune with --part tuned, never looking at the holdout's findings")
    ap.add_argument("--write-unlabelled", help="append unlabelled findings (verdict empty) to this file")
    ap.add_argument("--diff", action="store_true",
                    help="diff-style: scan the change that adds every file with a full-scan finding")
    args = ap.parse_args()
    labels = load_labels()
    counts = defaultdict(lambda: defaultdict(int))
    high = defaultdict(lambda: defaultdict(int))
    unlabelled, seen = [], set()
    failed = False
    for p in load_projects():
        if args.only and p["name"] != args.only:
            continue
        if args.part and p["part"] != args.part:
            continue
        try:
            repo = ensure(p)
            findings = scan(args.handoff, repo)
            if args.diff:
                findings = diff_scan(args.handoff, repo, sorted({f["path"] for f in findings}))
        except Exception as err:  # noqa: BLE001 - report and go on with the others
            print(f"error: {p['name']} {p['version']}: {err}", file=sys.stderr)
            failed = True
            continue
        for f in findings:
            key = (p["name"], f["fingerprint"])
            seen.add(key)
            label = labels.get(key)
            verdict = label["verdict"] if label else "unlabelled"
            for table, rule in ((counts, f["rule"]), (counts, "ALL")):
                table[(p["part"], rule)]["findings"] += 1
                table[(p["part"], rule)][verdict] += 1
            if f.get("confidence") == "high":
                for rule in (f["rule"], "ALL"):
                    high[(p["part"], rule)]["findings"] += 1
                    high[(p["part"], rule)][verdict] += 1
            if not label:
                unlabelled.append(dict(fingerprint=f["fingerprint"], project=p["name"], part=p["part"],
                                       rule=f["rule"], path=f["path"], line=f["line"],
                                       confidence=f.get("confidence"), verdict="", reason="",
                                       message=f.get("message", "")))
    print_table("All findings (precision = true / (true + false))", counts)
    print_table("High-confidence findings", high)
    parts = {p["name"]: p["part"] for p in load_projects()}
    gone = [l for k, l in labels.items() if k not in seen and (not args.only or k[0] == args.only)
            and (not args.part or parts.get(k[0]) == args.part)]
    print(f"\nWhat changed since the labels were written: {len(gone)} labelled finding(s) disappeared")
    for l in gone:
        print(f"  gone  {l['project']}  {l['rule']}  {l['path']}:{l['line']}  was {l['verdict']}: {l['reason']}")
    print(f"\nUnlabelled findings: {len(unlabelled)}")
    for u in unlabelled:
        print(f"  new   {u['project']} ({u['part']})  {u['rule']}  {u['path']}:{u['line']}  {u['fingerprint']}")
    if args.write_unlabelled and unlabelled:
        with open(args.write_unlabelled, "a") as out:
            for u in unlabelled:
                out.write(json.dumps(u) + "\n")
    if failed:
        return 2
    return 1 if unlabelled else 0


if __name__ == "__main__":
    sys.exit(main())
