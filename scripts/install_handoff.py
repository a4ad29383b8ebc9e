#!/usr/bin/env python3
"""Install `handoff` for the GitHub Action (Python standard library only).

The Action's first step. It downloads the release asset for the runner's OS
and architecture at the action's own version, verifies it against the
release's SHA-256 checksums file (a mismatch fails closed), keeps it in the
runner's tool cache, and writes its path to the step output `path`. When the
action does not run from a release (a branch, a commit that is not the
release's, `uses: ./`, or a version without a release), it builds `handoff`
from the action's source with cargo instead, with a notice.

Everything it needs comes from the environment the runner gives a step:
GITHUB_ACTION_PATH (the action's files: Cargo.toml names the version and the
repository), HANDOFF_ACTION_REF (`github.action_ref`, empty in some composite
runs), GITHUB_WORKSPACE, GITHUB_SERVER_URL, RUNNER_OS, RUNNER_ARCH,
RUNNER_TOOL_CACHE, RUNNER_TEMP and GITHUB_OUTPUT. HANDOFF_BUILD_PROFILE
(default `release`) is the cargo profile of a source build.
"""

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import zipfile

# Rust target of each (RUNNER_OS, RUNNER_ARCH) the release builds for.
TARGETS = {
    ("Linux", "X64"): "x86_64-unknown-linux-musl",
    ("Linux", "ARM64"): "aarch64-unknown-linux-musl",
    ("macOS", "X64"): "x86_64-apple-darwin",
    ("macOS", "ARM64"): "aarch64-apple-darwin",
    ("Windows", "X64"): "x86_64-pc-windows-msvc",
}

CHECKSUMS = "SHA256SUMS"
RELEASE_INFO = "handoff-release.json"
MAX_ASSET_BYTES = 200 * 1024 * 1024


class Refused(Exception):
    """The release cannot be trusted: the step fails, nothing is installed."""


class NoRelease(Exception):
    """No usable release: build from source instead."""


def log(level, message):
    """A workflow command (`notice`, `warning`, `error`) with Handoff's title."""
    text = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    print(f"::{level} title=Handoff::{text}", flush=True)


def asset_name(version, target):
    """The archive of `target` in the release of `version`."""
    extension = "zip" if "windows" in target else "tar.gz"
    return f"handoff-v{version}-{target}.{extension}"


def binary_name(target):
    return "handoff.exe" if "windows" in target else "handoff"


def package_metadata(action_path):
    """`version` and `repository` (owner/name) from the action's Cargo.toml."""
    with open(os.path.join(action_path, "Cargo.toml"), encoding="utf-8") as manifest:
        text = manifest.read()
    package = re.search(r"^\[package\]\s*$(.*?)(?=^\[|\Z)", text, re.M | re.S)
    fields = {}
    for key in ("version", "repository"):
        found = package and re.search(rf'^{key}\s*=\s*"([^"]*)"', package.group(1), re.M)
        fields[key] = found.group(1) if found else ""
    repository = re.sub(r"^https://github\.com/|\.git$|/$", "", fields["repository"])
    if not fields["version"] or repository.count("/") != 1:
        raise Refused(f"{action_path}/Cargo.toml has no [package] version and GitHub repository")
    return fields["version"], repository


def action_ref(action_path):
    """The ref the workflow asked for: `github.action_ref`, else the last
    part of the runner's `_actions/<owner>/<name>/<ref>` folder."""
    ref = os.environ.get("HANDOFF_ACTION_REF", "").strip()
    if ref:
        return ref
    parts = os.path.normpath(action_path).split(os.sep)
    if len(parts) >= 4 and parts[-4] == "_actions":
        return parts[-1]
    return ""


def is_commit(ref):
    return re.fullmatch(r"[0-9a-f]{40}", ref) is not None


def inside(path, folder):
    if not folder:
        return False
    path, folder = os.path.realpath(path), os.path.realpath(folder)
    return path == folder or path.startswith(folder + os.sep)


def fetch(url, limit=MAX_ASSET_BYTES):
    """GET `url` (redirects followed), retried on server errors; bytes."""
    request = urllib.request.Request(url, headers={"User-Agent": "handoff-action-install"})
    for attempt in range(3):
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                data = response.read(limit + 1)
                if len(data) > limit:
                    raise Refused(f"{url} is larger than {limit} bytes")
                return data
        except urllib.error.HTTPError as error:
            if error.code in (404, 410):
                raise NoRelease(f"{url} answered {error.code}") from error
            if error.code < 500 or attempt == 2:
                raise NoRelease(f"{url} answered {error.code}") from error
        except (urllib.error.URLError, TimeoutError) as error:
            if attempt == 2:
                raise NoRelease(f"{url} cannot be reached ({error})") from error
        time.sleep(2**attempt)
    raise NoRelease(f"{url} cannot be fetched")


def parse_checksums(text):
    """`sha256sum` lines: asset name -> hex digest."""
    sums = {}
    for line in text.splitlines():
        match = re.fullmatch(r"([0-9a-fA-F]{64}) [ *]?(\S+)", line.strip())
        if match:
            sums[match.group(2)] = match.group(1).lower()
    return sums


def extract(archive, name, target):
    """The bytes of the binary inside the release archive."""
    wanted = binary_name(target)
    if name.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(archive)) as bundle:
            for member in bundle.namelist():
                if member.rsplit("/", 1)[-1] == wanted:
                    return bundle.read(member)
    else:
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as bundle:
            for member in bundle.getmembers():
                if member.isfile() and member.name.rsplit("/", 1)[-1] == wanted:
                    return bundle.extractfile(member).read()
    raise Refused(f"{name} holds no {wanted}")


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def cache_dir(version, arch):
    root = os.environ.get("RUNNER_TOOL_CACHE") or os.path.join(
        os.environ.get("RUNNER_TEMP") or tempfile.gettempdir(), "tool-cache"
    )
    return os.path.join(root, "handoff", version, arch.lower())


def cached_binary(folder, target):
    """The cached binary, if the marker written after its verification
    still matches it."""
    binary = os.path.join(folder, binary_name(target))
    marker = folder + ".complete"
    try:
        with open(marker, encoding="utf-8") as file:
            expected = file.read().strip()
        with open(binary, "rb") as file:
            return binary if sha256(file.read()) == expected else None
    except OSError:
        return None


def install_release(version, repository, ref, target, arch):
    """Download, verify and cache the release binary; its path and where it
    came from (`cache` or `release`)."""
    folder = cache_dir(version, arch)
    cached = cached_binary(folder, target)
    if cached:
        return cached, "cache"
    server = os.environ.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    base = f"{server}/{repository}/releases/download/v{version}"
    sums = parse_checksums(fetch(f"{base}/{CHECKSUMS}", 1024 * 1024).decode("utf-8", "replace"))
    if is_commit(ref):
        info = json.loads(fetch(f"{base}/{RELEASE_INFO}", 64 * 1024))
        if info.get("commit") != ref:
            raise NoRelease(f"commit {ref} is not the commit of the v{version} release")
    name = asset_name(version, target)
    if name not in sums:
        raise NoRelease(f"the v{version} release has no {name}")
    archive = fetch(f"{base}/{name}")
    digest = sha256(archive)
    if digest != sums[name]:
        raise Refused(
            f"{name} does not match the release's checksum (SHA-256 {digest}, expected {sums[name]}): "
            "not installed; re-run the job, and report it if it happens again"
        )
    binary = extract(archive, name, target)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, binary_name(target))
    with open(path, "wb") as file:
        file.write(binary)
    os.chmod(path, 0o755)
    with open(folder + ".complete", "w", encoding="utf-8") as file:
        file.write(sha256(binary))
    return path, "release"


def build_from_source(action_path, reason):
    """`cargo build` of the action's own code; the binary's path."""
    log("notice", f"building handoff from source: {reason}. This takes a few minutes; a release tag installs in seconds.")
    if shutil.which("cargo") is None:
        raise Refused("building from source needs cargo (Rust): install a Rust toolchain in an earlier step, or use a release tag")
    profile = os.environ.get("HANDOFF_BUILD_PROFILE", "release")
    target_dir = os.environ.get("CARGO_TARGET_DIR") or os.path.join(
        os.environ.get("RUNNER_TEMP") or tempfile.gettempdir(), "handoff-target"
    )
    command = [
        "cargo", "build", "--locked", "--bin", "handoff", "--profile", profile,
        "--manifest-path", os.path.join(action_path, "Cargo.toml"),
        "--target-dir", target_dir,
    ]
    subprocess.run(command, check=True, stdout=sys.stderr)
    folder = "debug" if profile == "dev" else profile
    suffix = ".exe" if os.name == "nt" else ""
    return os.path.join(target_dir, folder, "handoff" + suffix)


def source_reason(action_path, version, ref):
    """Why this run cannot use a release, or None when it may."""
    if inside(action_path, os.environ.get("GITHUB_WORKSPACE", "")):
        return "the action is this repository's own code (`uses: ./`)"
    if ref and ref != f"v{version}" and not is_commit(ref):
        return f"`{ref}` is not the v{version} release"
    return None


def install():
    action_path = os.environ.get("GITHUB_ACTION_PATH") or os.path.dirname(
        os.path.dirname(os.path.abspath(__file__))
    )
    version, repository = package_metadata(action_path)
    ref = action_ref(action_path)
    runner = (os.environ.get("RUNNER_OS", ""), os.environ.get("RUNNER_ARCH", ""))
    target = TARGETS.get(runner)
    reason = source_reason(action_path, version, ref)
    if reason is None and target is None:
        reason = f"no prebuilt binary for {runner[0] or 'this OS'} {runner[1] or ''}".strip()
    if reason is None:
        try:
            path, origin = install_release(version, repository, ref, target, runner[1])
            print(f"handoff v{version} for {target} from the {origin}: {path}", flush=True)
            return path, origin
        except NoRelease as missing:
            reason = f"no usable v{version} release ({missing})"
    return build_from_source(action_path, reason), "source"


def main():
    try:
        path, origin = install()
    except Refused as refused:
        log("error", str(refused))
        return 1
    except subprocess.CalledProcessError as failed:
        log("error", f"the source build failed ({failed}); use a release tag of the action")
        return 1
    output = os.environ.get("GITHUB_OUTPUT")
    if output:
        with open(output, "a", encoding="utf-8") as file:
            file.write(f"path={path}\norigin={origin}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
