//! Finding fingerprints: stable across line moves, different across code.

use sha2::{Digest, Sha256};

/// The fingerprint of a finding: rule id, path, enclosing function and the
/// trigger's code with all white space removed — never line numbers, so
/// moved code keeps its fingerprint. `occurrence` tells apart identical
/// triggers in the same function (0 for the first).
pub fn fingerprint(
    rule: &str,
    path: &str,
    function: &str,
    trigger: &str,
    occurrence: usize,
) -> String {
    let normalised: String = trigger.chars().filter(|c| !c.is_whitespace()).collect();
    let mut hasher = Sha256::new();
    for part in [rule, path, function, &normalised, &occurrence.to_string()] {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    hex::encode(&hasher.finalize()[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn white_space_and_lines_do_not_change_the_fingerprint() {
        let a = fingerprint("r/x", "a.js", "f", "bus.publish('a', { id })", 0);
        let b = fingerprint("r/x", "a.js", "f", "bus.publish(\n  'a',\n  { id }\n)", 0);
        assert_eq!(a, b);
        assert_ne!(
            a,
            fingerprint("r/x", "a.js", "g", "bus.publish('a', { id })", 0)
        );
        assert_ne!(
            a,
            fingerprint("r/x", "a.js", "f", "bus.publish('a', { id })", 1)
        );
        assert_eq!(a.len(), 32);
    }
}
