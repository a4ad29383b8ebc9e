//! Whether a JavaScript or TypeScript file runs in a browser, and whether a
//! browser function tells its user that a request worked.
//!
//! A page's request to its own backend is a user-interface call: the backend
//! is where the workflow's boundary is checked. It matters to a reviewer when
//! the page then tells the user the work is done (navigates to a success
//! page, shows "saved", returns `true`) without looking at the answer.

use regex::Regex;
use std::sync::LazyLock;

/// `"use client"`, a UI framework's import, or a browser global in use.
static BROWSER_CODE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?m)^\s*['"]use client['"]|\bfrom\s+['"](?:react|react-dom(?:/[\w-]+)?|vue|svelte(?:/[\w-]+)?|@angular/core|\$app/[\w-]+)['"]|\b(?:window|document|localStorage|sessionStorage)\.\w"#,
    )
    .expect("the browser-code pattern is a valid regular expression")
});

/// Whether the file at `path` with text `source` is browser code: a
/// component file (`.tsx`, `.jsx`, `.vue`, `.svelte`), or a script that says
/// `"use client"`, imports a UI framework, or uses the page's globals
/// (`window.`, `document.`, `localStorage.`). Code marked `"use server"`
/// runs on the server whatever its file.
pub fn runs_in_browser(path: &str, source: &str) -> bool {
    if source.contains("\"use server\"") || source.contains("'use server'") {
        return false;
    }
    let component = [".tsx", ".jsx", ".vue", ".svelte"]
        .iter()
        .any(|extension| path.ends_with(extension));
    component || BROWSER_CODE.is_match(source)
}

/// Navigation to another page, a success message, or `return true`.
static SUCCESS_SHOWN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)\b(?:router\.(?:push|replace)|navigate|goto|redirect)\s*\(|\b(?:window\.)?location(?:\.href)?\s*=[^=]|\blocation\.(?:assign|replace)\s*\(|\btoast\.success\s*\(|\breturn\s+true\b|['"`][^'"`\n]*\b(?:success|successful|successfully|saved|sent|created|placed|cancell?ed|updated|deleted|removed|confirmed|thank you|thanks|done)\b[^'"`\n]*['"`]"#,
    )
    .expect("the success pattern is a valid regular expression")
});

/// Whether `rest` (the rest of a function after a request) tells the user
/// the request worked: it navigates, shows a success message, or returns
/// `true`.
pub fn shows_success(rest: &str) -> bool {
    SUCCESS_SHOWN.find_iter(rest).any(|found| {
        let text = found.as_str().to_lowercase();
        !["fail", "error", "could not", "couldn't", "unable", "not "]
            .iter()
            .any(|word| text.contains(word))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn component_files_and_page_scripts_run_in_the_browser() {
        assert!(runs_in_browser("src/CheckoutForm.tsx", ""));
        assert!(runs_in_browser(
            "src/lib/apis/users.ts",
            "export const f = () => localStorage.getItem('token');"
        ));
        assert!(runs_in_browser(
            "src/hooks.js",
            "import { useState } from 'react';"
        ));
        assert!(runs_in_browser("src/client.ts", "'use client';\nexport {}"));
        assert!(!runs_in_browser(
            "src/services/crm.ts",
            "import fetch from 'node-fetch';\nexport async function sync() {}"
        ));
        assert!(!runs_in_browser(
            "app/actions.tsx",
            "'use server';\nexport async function save() {}"
        ));
    }

    #[test]
    fn success_is_shown_by_navigating_a_message_or_true() {
        assert!(shows_success("router.push('/success');"));
        assert!(shows_success("window.location.href = url;"));
        assert!(shows_success("console.log('cancelled');"));
        assert!(shows_success("return true;"));
        assert!(shows_success("setMessage(`Order placed`)"));
        assert!(!shows_success(
            "console.error('Failed to update timezone:', err);"
        ));
        assert!(!shows_success("return res;"));
        assert!(!shows_success("alert('The invitation could not be sent');"));
    }
}
