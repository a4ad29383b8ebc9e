//! Django's `ATOMIC_REQUESTS`: when the settings turn it on, a side effect
//! made outside a task while a request is handled goes out before the
//! request's writes commit. Real repositories, the real binary.

mod common;

use common::{Repo, findings, summary};

const SETTINGS_ON: &str = "DATABASES = {\n    \"default\": {\n        \"ENGINE\": \"django.db.backends.postgresql\",\n        \"ATOMIC_REQUESTS\": True,\n    }\n}\n";
const SETTINGS_OFF: &str = "DATABASES = {\n    \"default\": {\n        \"ENGINE\": \"django.db.backends.postgresql\",\n        # \"ATOMIC_REQUESTS\": True,\n    }\n}\n";
const TASKS: &str =
    "from celery import shared_task\n\n\n@shared_task\ndef send_welcome(user_id):\n    pass\n";
const SERVICE: &str = "from django.db import transaction\n\nfrom accounts import tasks\n\n\ndef register(email):\n    user = User.objects.create(email=email)\n    return user\n";

/// Scan the change that adds `line` before `return user` in the service.
fn scan_with(settings: &str, line: &str) -> serde_json::Value {
    let repo = Repo::new();
    repo.write("shop/settings/base.py", settings);
    repo.write("accounts/tasks.py", TASKS);
    repo.write("accounts/service.py", SERVICE);
    let base = repo.commit("base");
    repo.write(
        "accounts/service.py",
        SERVICE.replace(
            "    return user\n",
            &format!("    {line}\n    return user\n"),
        ),
    );
    let head = repo.commit("change");
    scan(&repo, &base, &head)
}

#[test]
fn a_task_enqueued_while_the_request_transaction_is_open_is_reported_with_the_setting() {
    let report = scan_with(SETTINGS_ON, "tasks.send_welcome.delay(user.id)");
    assert_eq!(
        summary(&report),
        vec![(
            "sequencing/side-effect-in-transaction".to_string(),
            8,
            "new".to_string()
        )]
    );
    let finding = &findings(&report)[0];
    assert_eq!(finding["confidence"], "medium", "{finding}");
    assert!(
        finding["message"]
            .as_str()
            .unwrap_or_default()
            .contains("(`ATOMIC_REQUESTS` in shop/settings/base.py:4)"),
        "{finding}"
    );
    assert_eq!(
        finding["related"][0]["path"], "shop/settings/base.py",
        "{finding}"
    );
    assert_eq!(finding["related"][0]["line"], 4, "{finding}");
}

#[test]
fn deferred_to_commit_or_without_the_setting_it_is_quiet() {
    let deferred = scan_with(
        SETTINGS_ON,
        "transaction.on_commit(lambda: tasks.send_welcome.delay(user.id))",
    );
    assert!(summary(&deferred).is_empty(), "{deferred}");
    let commented_out = scan_with(SETTINGS_OFF, "tasks.send_welcome.delay(user.id)");
    assert!(summary(&commented_out).is_empty(), "{commented_out}");
}

#[test]
fn a_task_module_does_not_run_in_requests() {
    let repo = Repo::new();
    repo.write("shop/settings.py", SETTINGS_ON);
    repo.write("accounts/tasks.py", TASKS);
    let base = repo.commit("base");
    repo.write(
        "accounts/tasks.py",
        format!("{TASKS}\n\n@shared_task\ndef welcome_all(ids):\n    for user_id in ids:\n        send_welcome.delay(user_id)\n"),
    );
    let head = repo.commit("change");
    let run = repo.handoff(&[
        "scan",
        "--base",
        &base,
        "--head",
        &head,
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert!(summary(&run.json()).is_empty(), "{}", run.stdout);
}

/// A repository with the settings and `accounts/signals.py` as `signals`
/// in the change.
fn scan_signals(settings: &str, signals: &str) -> serde_json::Value {
    let repo = Repo::new();
    repo.write("shop/settings/base.py", settings);
    repo.write("accounts/tasks.py", TASKS);
    repo.write("accounts/signals.py", "\n");
    let base = repo.commit("base");
    repo.write("accounts/signals.py", signals);
    let head = repo.commit("change");
    scan(&repo, &base, &head)
}

/// The JSON report of the change from `base` to `head`.
fn scan(repo: &Repo, base: &str, head: &str) -> serde_json::Value {
    repo.scan_change(base, head)
}

const RECEIVER: &str = "from django.db.models.signals import post_save\nfrom django.dispatch import receiver\n\nfrom accounts import tasks\n\n\n@receiver(post_save, sender=User)\ndef welcome_new_user(sender, instance, created, **kwargs):\n    if created:\n        tasks.send_welcome.delay(instance.id)\n";

#[test]
fn a_signal_receiver_runs_inside_the_request_that_saves_the_model() {
    let report = scan_signals(SETTINGS_ON, RECEIVER);
    assert_eq!(
        summary(&report),
        vec![(
            "sequencing/side-effect-in-transaction".to_string(),
            10,
            "new".to_string()
        )]
    );
    assert_eq!(findings(&report)[0]["confidence"], "medium");
    let deferred = RECEIVER.replace(
        "        tasks.send_welcome.delay(instance.id)\n",
        "        transaction.on_commit(lambda: tasks.send_welcome.delay(instance.id))\n",
    );
    let deferred = format!("from django.db import transaction\n{deferred}");
    assert_eq!(summary(&scan_signals(SETTINGS_ON, &deferred)), vec![]);
    assert_eq!(summary(&scan_signals(SETTINGS_OFF, RECEIVER)), vec![]);
}
