#!/usr/bin/env python3
"""Handoff against Semgrep and ast-grep, on the same machine, in the same run.

    python3 benches/run.py [--runs 7] [--files 10000] [--seed 7] [--output README.md]

What it does:
  1. builds `handoff` and the bench examples (`generate`, `floor`) in release mode;
  2. installs the peers (benches/peers/requirements.txt: semgrep, ast-grep-cli)
     into .tools/bench-venv (once);
  3. generates the benchmark repositories under target/bench/ (once per
     generator version, seed and size): 10,000 files on `main` plus a pull
     request touching 20 files on `feature`, and the same at 5,000 files;
  4. runs every command once to warm the caches, then `--runs` rounds in which
     each command runs once, in an order rotated every round, so that drift in
     machine load hits every tool alike;
  5. prints a Markdown table (median wall time, ratio, peak memory, findings)
     and writes it with the environment and the command to reproduce into
     `--output` (by default README.md, between its performance markers).

Wall time is measured around the process; peak memory is the maximum
resident set size GNU time reports (`/usr/bin/time`, Debian package `time`;
for Semgrep, the largest of its processes). A child's own `ru_maxrss` cannot
be used: Linux charges it the parent's resident size when it execs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "target" / "bench"
VENV = ROOT / ".tools" / "bench-venv"
PEERS = ROOT / "benches" / "peers"
RELEASE = ROOT / "target" / "release"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_checked(args: list[str], **kwargs) -> str:
    result = subprocess.run(args, check=False, text=True, capture_output=True, **kwargs)
    if result.returncode != 0:
        sys.exit(f"run.py: `{' '.join(map(str, args))}` failed:\n{result.stderr.strip()}")
    return result.stdout


def build() -> None:
    log("building handoff and the bench examples (release)")
    run_checked(
        ["cargo", "build", "--release", "--locked", "--bin", "handoff", "--example", "generate", "--example", "floor"],
        cwd=ROOT,
    )


def install_peers() -> dict[str, str]:
    requirements = PEERS / "requirements.txt"
    stamp = hashlib.sha256(requirements.read_bytes()).hexdigest()
    stamp_file = VENV / "requirements.stamp"
    if not (VENV / "bin" / "python").exists() or not stamp_file.exists() or stamp_file.read_text() != stamp:
        log(f"installing the peers into {VENV.relative_to(ROOT)}")
        run_checked([sys.executable, "-m", "venv", str(VENV)])
        run_checked([str(VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", str(requirements)])
        stamp_file.write_text(stamp)
    env = peer_env()
    semgrep = run_checked([str(VENV / "bin" / "semgrep"), "--version"], env=env).strip()
    ast_grep = run_checked([str(VENV / "bin" / "ast-grep"), "--version"]).strip().removeprefix("ast-grep ")
    return {"semgrep": semgrep, "ast-grep": ast_grep}


def peer_env() -> dict[str, str]:
    env = dict(os.environ)
    env["SEMGREP_ENABLE_VERSION_CHECK"] = "0"
    env["SEMGREP_SEND_METRICS"] = "off"
    return env


def generator_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted((ROOT / "benches").glob("corpus/*.rs")) + [ROOT / "benches" / "generate.rs"]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass
class Repo:
    path: Path
    files: int
    base: str
    head: str
    summary: str


def ensure_repo(files: int, seed: int) -> Repo:
    path = BENCH_DIR / f"repo-{files}-seed{seed}"
    stamp_file = BENCH_DIR / f"repo-{files}-seed{seed}.stamp"
    stamp = generator_fingerprint()
    summary_file = BENCH_DIR / f"repo-{files}-seed{seed}.summary"
    if not path.exists() or not stamp_file.exists() or stamp_file.read_text() != stamp:
        log(f"generating {path.relative_to(ROOT)}")
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        summary = run_checked([str(RELEASE / "examples" / "generate"), "--out", str(path), "--files", str(files), "--seed", str(seed), "--force"])
        summary_file.write_text(summary)
        stamp_file.write_text(stamp)
    base = run_checked(["git", "-C", str(path), "rev-parse", "main"]).strip()
    head = run_checked(["git", "-C", str(path), "rev-parse", "feature"]).strip()
    run_checked(["git", "-C", str(path), "checkout", "--quiet", "feature"])
    return Repo(path, files, base, head, summary_file.read_text())


@dataclass
class Command:
    key: str
    scenario: str
    tool: str
    args: list[str]
    cwd: Path
    env: dict[str, str] | None = None
    ok_codes: tuple[int, ...] = (0, 1)
    count: str = "none"  # how to count findings in its output
    walls: list[float] = field(default_factory=list)
    rss_kb: list[int] = field(default_factory=list)
    findings: str = "–"


GNU_TIME = Path("/usr/bin/time")


def check_gnu_time() -> None:
    probe = subprocess.run([str(GNU_TIME), "-f", "%M", "true"], capture_output=True, text=True) if GNU_TIME.exists() else None
    if probe is None or probe.returncode != 0 or not probe.stderr.strip().isdigit():
        sys.exit("run.py: GNU time is needed for peak memory: install it (`apt-get install time`)")


def run_once(command: Command, out_dir: Path) -> None:
    out_path = out_dir / f"{command.key}.out"
    err_path = out_dir / f"{command.key}.err"
    usage_path = out_dir / f"{command.key}.usage"
    # Exit status and peak memory come from GNU time; wall time is measured
    # here, with a finer clock than its own.
    args = [str(GNU_TIME), "-q", "-f", "%x %M", "-o", str(usage_path), *command.args]
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        started = time.perf_counter()
        subprocess.run(args, cwd=command.cwd, env=command.env, stdout=out, stderr=err, check=False)
        wall = time.perf_counter() - started
    status, rss_kb = usage_path.read_text().split()[-2:]
    if int(status) not in command.ok_codes:
        sys.exit(f"run.py: {command.tool} exited with {status}:\n{err_path.read_text()[-2000:]}")
    command.walls.append(wall)
    command.rss_kb.append(int(rss_kb))
    command.findings = count_findings(command.count, out_path)


def count_findings(kind: str, path: Path) -> str:
    text = path.read_text(errors="replace")
    if kind == "handoff":
        report = json.loads(text)
        by_rule: dict[str, int] = {}
        for finding in report["findings"]:
            by_rule[finding["rule"]] = by_rule.get(finding["rule"], 0) + 1
        in_tx = by_rule.get("sequencing/side-effect-in-transaction", 0)
        return f"{len(report['findings'])} ({in_tx} in-transaction)"
    if kind == "semgrep":
        return str(len(json.loads(text)["results"]))
    if kind == "ast-grep":
        return str(sum(1 for line in text.splitlines() if line.strip()))
    if kind == "floor":
        return "–"
    return "–"


def commands(big: Repo, small: Repo) -> list[Command]:
    handoff = str(RELEASE / "handoff")
    floor = str(RELEASE / "examples" / "floor")
    env = peer_env()
    pr = f"Pull request, 20 files of {big.files:,}"
    full = f"Full repository, {big.files:,} files"
    small_pr = f"Pull request, 20 files of {small.files:,}"
    return [
        Command("handoff-diff", pr, "`handoff scan` (diff mode)", [handoff, "scan", "--base", big.base, "--head", big.head, "--format", "json"], big.path, count="handoff"),
        Command("floor-diff", pr, "floor: git diff + raw parse of both versions", [floor, "--repo", ".", "--base", big.base, "--head", big.head], big.path, ok_codes=(0,), count="floor"),
        Command(
            "semgrep",
            pr,
            "`semgrep scan --baseline-commit`",
            [str(VENV / "bin" / "semgrep"), "scan", "--metrics=off", "--disable-version-check", "--baseline-commit", big.base, "--config", str(PEERS / "semgrep.yml"), "--json", "--quiet"],
            big.path,
            env=env,
            count="semgrep",
        ),
        Command("handoff-full", full, "`handoff scan --all-files` (all 15 rules)", [handoff, "scan", "--all-files", "--format", "json"], big.path, count="handoff"),
        Command(
            "handoff-full-equivalent",
            full,
            "`handoff scan --all-files` (the peers' rule only)",
            [handoff, "scan", "--all-files", "--format", "json", "--config", str(PEERS / "handoff-equivalent.yml")],
            big.path,
            count="handoff",
        ),
        Command("ast-grep", full, "`ast-grep scan`", [str(VENV / "bin" / "ast-grep"), "scan", "--config", str(PEERS / "ast-grep" / "sgconfig.yml"), "--json=stream", "."], big.path, count="ast-grep"),
        Command("floor-full", full, "raw parse of every file (no prefilter)", [floor, "--repo", ".", "--tree", big.head], big.path, ok_codes=(0,), count="floor"),
        Command("handoff-diff-small", small_pr, "`handoff scan` (diff mode)", [handoff, "scan", "--base", small.base, "--head", small.head, "--format", "json"], small.path, count="handoff"),
        Command("floor-diff-small", small_pr, "floor: git diff + raw parse of both versions", [floor, "--repo", ".", "--base", small.base, "--head", small.head], small.path, ok_codes=(0,), count="floor"),
    ]


def parse_throughput() -> str:
    """Run the criterion bench and tabulate its medians as MB/s."""
    log("running the parse-throughput bench (cargo bench --bench parse)")
    run_checked(["cargo", "bench", "--locked", "--bench", "parse"], cwd=ROOT)
    root = ROOT / "target" / "criterion"
    lines = [
        "| language | raw parse (floor) | Handoff frontend | frontend + rules | frontend ÷ raw |",
        "|---|---:|---:|---:|---:|",
    ]
    for language in ["JavaScript", "TypeScript", "TSX", "Python", "Rust"]:
        rates = []
        for name in [("raw syn" if language == "Rust" else "raw tree-sitter"), "handoff frontend", "handoff frontend+rules"]:
            folder = root / f"parse_{language}" / name / "new"
            bench = json.loads((folder / "benchmark.json").read_text())
            estimate = json.loads((folder / "estimates.json").read_text())
            seconds_per_iter = estimate["median"]["point_estimate"] / 1e9
            rates.append(bench["throughput"]["Bytes"] / seconds_per_iter / 1e6)
        lines.append(
            f"| {language} | {rates[0]:.1f} MB/s | {rates[1]:.1f} MB/s | {rates[2]:.1f} MB/s | {rates[0] / rates[1]:.2f}× |"
        )
    return "\n".join(lines)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def megabytes(kb: float) -> str:
    return f"{kb / 1024:.0f} MB"


def megabytes_precise(kb: float) -> str:
    return f"{kb / 1024:.1f} MB"


def table(cmds: list[Command]) -> tuple[str, list[str]]:
    by_key = {c.key: c for c in cmds}
    reference = {
        "handoff-diff": "handoff-diff",
        "floor-diff": "handoff-diff",
        "semgrep": "handoff-diff",
        "handoff-full": "handoff-full",
        "handoff-full-equivalent": "handoff-full",
        "ast-grep": "handoff-full",
        "floor-full": "handoff-full",
        "handoff-diff-small": "handoff-diff-small",
        "floor-diff-small": "handoff-diff-small",
    }
    lines = [
        "| scenario | tool | median wall time | time ÷ Handoff's | peak memory | findings |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for command in cmds:
        wall = median(command.walls)
        ref = by_key[reference[command.key]]
        ratio = wall / median(ref.walls)
        relative = "1×" if command is ref else (f"{ratio:.0f}×" if ratio >= 10 else f"{ratio:.2f}×")
        lines.append(
            f"| {command.scenario} | {command.tool} | {seconds(wall)} | {relative} | {megabytes(median(command.rss_kb))} | {command.findings} |"
        )
    diff, floor, semgrep = by_key["handoff-diff"], by_key["floor-diff"], by_key["semgrep"]
    full, ast_grep = by_key["handoff-full"], by_key["ast-grep"]
    equivalent = by_key["handoff-full-equivalent"]
    small, small_floor = by_key["handoff-diff-small"], by_key["floor-diff-small"]
    checks = [
        target_line(
            "diff mode at least 20× faster than `semgrep scan --baseline-commit`",
            median(semgrep.walls) / median(diff.walls) >= 20,
            f"{median(semgrep.walls) / median(diff.walls):.0f}×",
        ),
        target_line(
            "diff mode within 1.5× of the floor",
            median(diff.walls) / median(floor.walls) <= 1.5,
            f"{median(diff.walls) / median(floor.walls):.2f}× the floor",
        ),
        *[
            line
            for label, command in (("the same rule", equivalent), ("all 15 rules", full))
            for line in (
                target_line(
                    f"full mode ({label}) no slower than `ast-grep scan`",
                    median(command.walls) <= median(ast_grep.walls),
                    f"{median(ast_grep.walls) / median(command.walls):.1f}× faster" if median(command.walls) <= median(ast_grep.walls) else f"{median(command.walls) / median(ast_grep.walls):.2f}× slower",
                ),
                target_line(
                    f"full mode ({label}) peak memory no higher than ast-grep's",
                    median(command.rss_kb) <= median(ast_grep.rss_kb),
                    f"{megabytes_precise(median(command.rss_kb))} vs {megabytes_precise(median(ast_grep.rss_kb))}",
                ),
            )
        ],
        target_line(
            "diff-mode cost follows the change, not the repository",
            median(diff.walls) <= 1.25 * median(small.walls),
            f"{seconds(median(small.walls))} at {small_pr_files(small)} files, {seconds(median(diff.walls))} at {small_pr_files(diff)} files (floor: {seconds(median(small_floor.walls))} and {seconds(median(floor.walls))})",
        ),
    ]
    return "\n".join(lines), checks


def small_pr_files(command: Command) -> str:
    return command.scenario.rsplit(" ", 1)[-1]


def target_line(name: str, met: bool, detail: str) -> str:
    return f"- {'✅' if met else '❌'} {name}: {detail}"


def environment(versions: dict[str, str]) -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    handoff = run_checked([str(RELEASE / "handoff"), "--version"]).strip()
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], text=True, capture_output=True).stdout.strip()
    return (
        f"{cpu}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}; "
        f"{handoff} (commit {commit or 'unknown'}), Semgrep {versions['semgrep']}, ast-grep {versions['ast-grep']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7, help="measured rounds (default 7)")
    parser.add_argument("--files", type=int, default=10_000, help="files of the big repository (default 10000)")
    parser.add_argument("--small-files", type=int, default=5_000, help="files of the small repository (default 5000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--output", default="README.md", help="Markdown file to write: README.md (the block between its performance markers), another file, or '-' for none")
    parser.add_argument("--only", default="", help="comma-separated command keys to run (for profiling sessions)")
    parser.add_argument("--no-parse-bench", action="store_true", help="skip the criterion parse-throughput bench")
    args = parser.parse_args()

    check_gnu_time()
    build()
    versions = install_peers()
    big = ensure_repo(args.files, args.seed)
    small = ensure_repo(args.small_files, args.seed)
    cmds = commands(big, small)
    if args.only:
        wanted = set(args.only.split(","))
        cmds = [c for c in cmds if c.key in wanted]
    with tempfile.TemporaryDirectory(prefix="handoff-bench-") as tmp:
        out_dir = Path(tmp)
        log("warm-up round")
        for command in cmds:
            run_once(command, out_dir)
            command.walls.clear()
            command.rss_kb.clear()
        for round_index in range(args.runs):
            log(f"round {round_index + 1}/{args.runs}")
            shift = round_index % len(cmds)
            for command in cmds[shift:] + cmds[:shift]:
                run_once(command, out_dir)
    if args.only:
        for command in cmds:
            print(f"{command.key:<20} {seconds(median(command.walls)):>10} {megabytes(median(command.rss_kb)):>8}  {command.findings}")
        return
    rows, checks = table(cmds)
    throughput = "" if args.no_parse_bench else parse_throughput()
    reproduce = f"python3 benches/run.py --runs {args.runs}" + (f" --files {args.files}" if args.files != 10_000 else "") + (f" --seed {args.seed}" if args.seed != 7 else "")
    document = render(rows, checks, big, environment(versions), reproduce, args.runs, throughput)
    print(document)
    if args.output != "-":
        output = ROOT / args.output
        output.parent.mkdir(parents=True, exist_ok=True)
        if output.name == "README.md":
            write_between_markers(output, document)
        else:
            output.write_text(document)
        log(f"wrote {output.relative_to(ROOT)}")


README_START = "<!-- performance:start"
README_END = "<!-- performance:end -->"


def write_between_markers(readme: Path, document: str) -> None:
    """Replace the README's performance block (the markers stay)."""
    text = readme.read_text()
    start = text.find(README_START)
    end = text.find(README_END)
    if start < 0 or end < start:
        sys.exit(f"run.py: {readme} has no `{README_START} … {README_END}` block")
    start_line_end = text.index("\n", start) + 1
    readme.write_text(text[:start_line_end] + document.rstrip("\n") + "\n" + text[end:])


def render(rows: str, checks: list[str], big: Repo, env: str, reproduce: str, runs: int, throughput: str) -> str:
    first_line = big.summary.splitlines()[0] if big.summary else ""
    return f"""## Performance

Handoff reads only what a pull request touches: the cost of a scan follows the
size of the change, not of the repository (the contract pass alone searches the
repository, by literal text first). Measured side by side, in one session, alternating runs
(median of {runs}):

{rows}

{chr(10).join(checks)}

The repository is generated (`benches/generate.rs`, seed 7): {first_line.replace('files ', '').replace(', lines ', ' files, ').replace(', bytes ', ' lines, ')} bytes of
JavaScript, TypeScript, TSX, Python and Rust services — route handlers, repositories,
React components, Django views, Celery tasks, axum handlers, knex/Prisma/TypeORM/Django/
SQLAlchemy/sqlx/Diesel transactions, Kafka/SQS/BullMQ publishers and consumers, retries —
and a pull request touching 20 files (16 modified, 2 added, 1 deleted, 1 renamed).
Semgrep and ast-grep run rules equivalent to `sequencing/side-effect-in-transaction`
(`benches/peers/`); Handoff runs all of its rules in diff mode, and in full mode both all
of them and, like for like, only that rule (`benches/peers/handoff-equivalent.yml`). Full
mode scans the work tree, as ast-grep does. The floor is `benches/floor.rs`: the
git diff and a raw tree-sitter/syn parse of both versions of every touched file, on all
cores, with no model and no rules (for the full repository: every file, no prefilter).
Peak memory is the process's maximum resident set size.
`handoff scan --all-files` skips the files that cannot trigger any enabled rule by
their literal text (no transaction opener, no sink name…) before parsing them.

Machine: {env}.

Reproduce (builds, installs the peers into `.tools/bench-venv`, generates the
repositories under `target/bench/`):

```
{reproduce}
```

{throughput_section(throughput)}"""


def throughput_section(table: str) -> str:
    if not table:
        return "Parse throughput per language: `cargo bench --bench parse`.\n"
    return f"""### Parse throughput

One thread, about 1 MB of generated source per language (`cargo bench --bench parse`,
criterion medians): the raw parse with a reused tree-sitter parser (syn for Rust) is the
floor; Handoff's frontend turns the same source into its language-neutral model, and
"frontend + rules" runs every rule on it with the built-in knowledge, as a scan does.

{table}
"""


if __name__ == "__main__":
    main()
