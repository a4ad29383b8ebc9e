//! Real git repositories in temp dirs, and the real `handoff` binary.
#![allow(dead_code)]

pub mod snapshots;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A throwaway git repository.
pub struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    /// `git init` with a `main` branch and a local identity.
    pub fn new() -> Repo {
        let dir = tempfile::tempdir().expect("temp dir");
        let repo = Repo { dir };
        repo.git(&["-c", "init.defaultBranch=main", "init", "-q"]);
        repo.git(&["config", "user.name", "Handoff Test"]);
        repo.git(&["config", "user.email", "test@example.com"]);
        repo.git(&["config", "commit.gpgsign", "false"]);
        repo
    }

    /// The work tree.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Write a file (creating folders).
    pub fn write(&self, path: &str, content: impl AsRef<[u8]>) {
        let full = self.path().join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).expect("create dirs");
        }
        std::fs::write(full, content).expect("write file");
    }

    /// Remove a file.
    pub fn remove(&self, path: &str) {
        std::fs::remove_file(self.path().join(path)).expect("remove file");
    }

    /// Run git; panics with its stderr on failure; returns stdout.
    pub fn git(&self, args: &[&str]) -> String {
        let output = Command::new("git")
            .args(args)
            .current_dir(self.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .expect("git runs");
        assert!(
            output.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }

    /// Stage everything and commit; returns the new sha.
    pub fn commit(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }

    /// Run `handoff` with arguments in this repository.
    pub fn handoff(&self, args: &[&str]) -> Run {
        handoff_in(self.path(), args)
    }

    /// The JSON report of the change from `base` to `head`, whatever it
    /// finds (`--fail-on never`; any other exit fails the test).
    pub fn scan_change(&self, base: &str, head: &str) -> serde_json::Value {
        self.scan_change_with(base, head, &[])
    }

    /// [`Repo::scan_change`] with `extra` arguments.
    pub fn scan_change_with(&self, base: &str, head: &str, extra: &[&str]) -> serde_json::Value {
        let mut args = vec![
            "scan",
            "--base",
            base,
            "--head",
            head,
            "--format",
            "json",
            "--fail-on",
            "never",
        ];
        args.extend_from_slice(extra);
        let run = self.handoff(&args);
        assert_eq!(run.code, 0, "stderr: {}", run.stderr);
        run.json()
    }
}

/// The output of one `handoff` run.
pub struct Run {
    /// Exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Standard output parsed as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

/// Run the `handoff` binary in `dir`.
pub fn handoff_in(dir: &Path, args: &[&str]) -> Run {
    let output: Output = Command::new(binary())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("handoff runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The path of the built binary.
pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_handoff"))
}

/// The findings array of a JSON report.
pub fn findings(report: &serde_json::Value) -> Vec<serde_json::Value> {
    report["findings"].as_array().cloned().unwrap_or_default()
}

/// `(rule, line, status)` of every finding.
pub fn summary(report: &serde_json::Value) -> Vec<(String, u64, String)> {
    findings(report)
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or_default(),
                f["status"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The article's checkout handler before the refactor: the publish runs after
/// the transaction commits.
pub const CHECKOUT_BEFORE: &str = r#"app.post('/checkout', async (req, res) => {
  const { cart, paymentMethod, userId } = req.body;
  const payment = await payments.authorize(paymentMethod, cart.total);
  const order = await db.transaction(async (trx) => {
    const created = await trx.orders.insert({ user_id: userId, total: cart.total, status: 'pending' });
    await trx.orders.update(created.id, { status: 'paid', payment_id: payment.id });
    return created;
  });
  await eventBus.publish('order.created', { orderId: order.id, userId, total: cart.total });
  res.status(200).json({ success: true, orderId: order.id });
});
"#;

/// The article's refactor: the publish moved into the transaction callback,
/// before the order is `paid` and committed.
pub const CHECKOUT_AFTER: &str = r#"app.post('/checkout', async (req, res) => {
  const { cart, paymentMethod, userId } = req.body;
  const payment = await payments.authorize(paymentMethod, cart.total);
  const order = await db.transaction(async (trx) => {
    const created = await trx.orders.insert({ user_id: userId, total: cart.total, status: 'pending' });
    await eventBus.publish('order.created', { orderId: created.id, userId, total: cart.total });
    await trx.orders.update(created.id, { status: 'paid', payment_id: payment.id });
    return created;
  });
  res.status(200).json({ success: true, orderId: order.id });
});
"#;

/// The article's fix: an outbox row written in the transaction instead.
pub const CHECKOUT_OUTBOX: &str = r#"app.post('/checkout', async (req, res) => {
  const { cart, paymentMethod, userId } = req.body;
  const payment = await payments.authorize(paymentMethod, cart.total);
  const order = await db.transaction(async (trx) => {
    const created = await trx.orders.insert({ user_id: userId, total: cart.total, status: 'paid', payment_id: payment.id });
    await trx.outbox.insert({ topic: 'order.created', key: created.id, payload: JSON.stringify({ orderId: created.id }) });
    return created;
  });
  res.status(200).json({ success: true, orderId: order.id });
});
"#;
