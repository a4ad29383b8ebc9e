#!/usr/bin/env python3
"""The release's files, as the Action's install step reads them (Python
standard library only; run by .github/workflows/release.yml and by the tests).

  release_files.py version
      the version in Cargo.toml
  release_files.py check-tag TAG
      fails unless TAG is `v` + that version, and the fast pre-commit hook's
      package (pre-commit-mirror/pyproject.toml) pins the same version
  release_files.py pack TARGET BINARY OUT_DIR
      OUT_DIR/handoff-v<version>-<target>.tar.gz (.zip for Windows) holding
      handoff-v<version>-<target>/{handoff[.exe], README.md}
  release_files.py checksums DIR TAG COMMIT
      DIR/handoff-release.json (version, tag, commit) and DIR/SHA256SUMS
      (`sha256sum` format) over every file of DIR
"""

import hashlib
import io
import json
import os
import re
import sys
import tarfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def version():
    with open(os.path.join(ROOT, "Cargo.toml"), encoding="utf-8") as manifest:
        package = manifest.read().split("[package]", 1)[1].split("\n[", 1)[0]
    return re.search(r'^version\s*=\s*"([^"]+)"', package, re.M).group(1)


def check_tag(tag):
    expected = f"v{version()}"
    if tag != expected:
        sys.exit(f"the tag {tag} is not the version in Cargo.toml ({expected}): bump Cargo.toml or tag {expected}")
    with open(os.path.join(ROOT, "pre-commit-mirror", "pyproject.toml"), encoding="utf-8") as file:
        mirror = file.read()
    pins = re.findall(r'(?:^version = |handoff-review==)"?([0-9A-Za-z.+-]+?)"?[\]"\n]', mirror, re.M)
    if not pins or any(pin != version() for pin in pins):
        sys.exit(f"pre-commit-mirror/pyproject.toml pins {pins}, not {version()}: update it")


def add(archive, name, data, executable):
    if isinstance(archive, zipfile.ZipFile):
        info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
        info.external_attr = (0o755 if executable else 0o644) << 16
        archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    else:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mode = 0o755 if executable else 0o644
        info.mtime = 0
        archive.addfile(info, io.BytesIO(data))


def pack(target, binary, out_dir):
    folder = f"handoff-v{version()}-{target}"
    windows = "windows" in target
    name = os.path.join(out_dir, folder + (".zip" if windows else ".tar.gz"))
    os.makedirs(out_dir, exist_ok=True)
    with open(binary, "rb") as file:
        executable = file.read()
    with open(os.path.join(ROOT, "README.md"), "rb") as file:
        readme = file.read()
    if windows:
        archive = zipfile.ZipFile(name, "w")
    else:
        archive = tarfile.open(name, "w:gz")
    with archive:
        add(archive, f"{folder}/{'handoff.exe' if windows else 'handoff'}", executable, True)
        add(archive, f"{folder}/README.md", readme, False)
    print(name)


def checksums(directory, tag, commit):
    if not re.fullmatch(r"[0-9a-f]{40}", commit):
        sys.exit(f"{commit} is not a commit sha")
    info = {"version": version(), "tag": tag, "commit": commit}
    with open(os.path.join(directory, "handoff-release.json"), "w", encoding="utf-8") as file:
        json.dump(info, file, indent=2)
        file.write("\n")
    lines = []
    for entry in sorted(os.listdir(directory)):
        path = os.path.join(directory, entry)
        if entry == "SHA256SUMS" or not os.path.isfile(path):
            continue
        with open(path, "rb") as file:
            lines.append(f"{hashlib.sha256(file.read()).hexdigest()}  {entry}\n")
    with open(os.path.join(directory, "SHA256SUMS"), "w", encoding="utf-8") as file:
        file.writelines(lines)


def main(args):
    commands = {
        "version": (0, lambda: print(version())),
        "check-tag": (1, check_tag),
        "pack": (3, pack),
        "checksums": (3, checksums),
    }
    if not args or args[0] not in commands or len(args) - 1 != commands[args[0]][0]:
        sys.exit(__doc__)
    commands[args[0]][1](*args[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
