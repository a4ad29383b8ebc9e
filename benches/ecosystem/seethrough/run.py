#!/usr/bin/env python3
"""Full-scan findings of the see-through layer on pinned real projects, against labels.

    python3 benches/ecosystem/seethrough/run.py [--handoff PATH] [--mirrors DIR]

For each project of projects.json: a checkout of the pinned commit (from a local mirror,
`<mirrors>/<owner>+<name>`, default $HANDOFF_MIRRORS or /work/.mirror; cached under
~/.cache/handoff-ecosystem/seethrough), `handoff scan --all-files --format json`, and every
finding looked up in labels.jsonl by fingerprint. Prints precision per rule and the
unlabelled findings; exits 1 when a finding is unlabelled (label it: verdict and reason).
Only findings that involve a project helper (a message naming `via` a chain) are required
to be labelled here; the others belong to the main corpus.
"""
import argparse, collections, json, os, subprocess, sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent.parent
CACHE = Path.home() / ".cache" / "handoff-ecosystem" / "seethrough"


def checkout(mirrors: Path, repo: str, commit: str) -> Path | None:
    mirror = mirrors / repo.replace("/", "+")
    source = next((p for p in [mirror / "repo", *mirror.glob("*.git"), mirror] if (p / "HEAD").exists() or (p / ".git").exists()), None)
    if source is None:
        return None
    target = CACHE / repo.replace("/", "+")
    if not target.exists():
        subprocess.run(["git", "clone", "-q", "--no-checkout", str(source), str(target)], check=True)
    # Read from the object database (`--head COMMIT`): no checkout, so blobs a
    # partial mirror lacks (large fixtures) are skipped rather than fatal.
    return target


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--handoff", default=str(ROOT / "target" / "release" / "handoff"))
    parser.add_argument("--mirrors", default=os.environ.get("HANDOFF_MIRRORS", "/work/.mirror"))
    args = parser.parse_args()
    labels = {}
    for line in (HERE / "labels.jsonl").read_text().splitlines():
        if line.strip():
            label = json.loads(line)
            labels[(label["project"], label["fingerprint"])] = label
    projects = json.loads((HERE / "projects.json").read_text())["projects"]
    per_rule = collections.defaultdict(collections.Counter)
    unlabelled = []
    for project in projects:
        path = checkout(Path(args.mirrors), project["repo"], project["commit"])
        if path is None:
            print(f"unavailable  {project['repo']} (fetch github:{project['repo']})")
            continue
        out = subprocess.run([args.handoff, "scan", "--all-files", "--head", project["commit"], "--format", "json", "--fail-on", "never"],
                             cwd=path, capture_output=True, text=True, check=False)
        findings = json.loads(out.stdout)["findings"]
        for finding in findings:
            if " via `" not in finding["message"]:
                continue
            label = labels.get((project["repo"], finding["fingerprint"]))
            if label is None:
                unlabelled.append((project["repo"], finding))
                continue
            per_rule[finding["rule"]][label["verdict"]] += 1
    for rule, counts in sorted(per_rule.items()):
        judged = counts["true"] + counts["false"]
        precision = f"{100 * counts['true'] / judged:.0f}%" if judged else "n/a"
        print(f"{rule:44} true {counts['true']:3} false {counts['false']:3} unclear {counts['unclear']:3} precision {precision}")
    for repo, finding in unlabelled:
        print(f"UNLABELLED {repo} {finding['fingerprint']} {finding['rule']} {finding['path']}:{finding['line']}")
    return 1 if unlabelled else 0


if __name__ == "__main__":
    sys.exit(main())
