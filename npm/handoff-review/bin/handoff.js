#!/usr/bin/env node
// Runs the prebuilt `handoff` of this platform, installed by npm as one of the
// optional dependencies `handoff-review-<platform>-<arch>` (each declares its
// `os` and `cpu`, so npm installs only the matching one), the way
// @ast-grep/cli and other Rust CLIs ship on npm. No install script runs.
"use strict";

const { spawnSync } = require("node:child_process");
const path = require("node:path");

const platformPackage = `handoff-review-${process.platform}-${process.arch}`;
const executable = process.platform === "win32" ? "handoff.exe" : "handoff";

let binary;
try {
  binary = path.join(
    path.dirname(require.resolve(`${platformPackage}/package.json`)),
    "bin",
    executable
  );
} catch {
  console.error(
    `error: ${platformPackage} is not installed: Handoff has no prebuilt binary for ${process.platform} ${process.arch}, ` +
      "or npm skipped optional dependencies (--omit=optional); install with optional dependencies, or use `pip install handoff-review`"
  );
  process.exit(2);
}

const result = spawnSync(binary, process.argv.slice(2), { stdio: "inherit" });
if (result.error) {
  console.error(`error: cannot run ${binary}: ${result.error.message}`);
  process.exit(2);
}
process.exit(result.status === null ? 1 : result.status);
