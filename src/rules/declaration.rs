//! How a rule is declared: [`declare_rule!`] holds a rule's id, default
//! severity and documentation in one block, in the spirit of oxc's
//! `declare_oxc_lint!`. The class is read from the id's prefix when the
//! declaration is compiled; the documentation is the struct's doc comment,
//! parsed once into a [`RuleDoc`] for `handoff explain`, the SARIF help and
//! the README's rule table.

use super::{Class, RuleDoc, RuleId, Severity};
use std::sync::OnceLock;

/// Declares a rule: a unit struct, its doc comment (the rule's only
/// documentation), its id, its default severity, and whether it checks each
/// file version (the file then implements [`FileRule`](super::FileRule)) or
/// the repository once per change ([`RepositoryRule`](super::RepositoryRule)).
///
/// The doc comment follows one layout, checked by a test: a one-paragraph
/// summary, then `## What it detects`, `## Why it breaks workflows`,
/// `## Example` (a fenced bad example, `Use instead:`, a fenced good
/// example; the fence names the language), `## How to fix it` and
/// `## Reviewer questions` (a list).
///
/// An id that is not `<class>/<kebab-name>` with one of the four classes
/// does not compile.
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])+
        $vis:vis struct $name:ident {
            id: $id:literal,
            severity: $severity:ident,
            checks: $checks:ident $(,)?
        }
    ) => {
        $(#[doc = $doc])+
        $vis struct $name;

        impl $name {
            /// The rule's id.
            pub const ID: $crate::rules::RuleId = $crate::rules::RuleId::new($id);
        }

        impl $crate::rules::Rule for $name {
            fn declaration(&self) -> &'static $crate::rules::Declaration {
                static DECLARATION: $crate::rules::Declaration = $crate::rules::Declaration::new(
                    $name::ID,
                    $crate::rules::Severity::$severity,
                    concat!($($doc, "\n"),+),
                );
                &DECLARATION
            }

            $crate::rules::declare_rule!(@checks $checks);
        }
    };
    (@checks file) => {
        fn file_rule(&self) -> Option<&dyn $crate::rules::FileRule> {
            Some(self)
        }
    };
    (@checks repository) => {
        fn repository(&self) -> Option<&dyn $crate::rules::RepositoryRule> {
            Some(self)
        }
    };
}

pub(crate) use declare_rule;

/// What [`declare_rule!`] records about a rule.
pub struct Declaration {
    id: RuleId,
    severity: Severity,
    documentation: &'static str,
    doc: OnceLock<RuleDoc>,
}

impl Declaration {
    /// A declaration; evaluated at compile time, where [`RuleId::new`] stops
    /// the build on an id without a known class prefix or a kebab-case name.
    pub const fn new(id: RuleId, severity: Severity, documentation: &'static str) -> Self {
        Declaration {
            id,
            severity,
            documentation,
            doc: OnceLock::new(),
        }
    }

    /// The stable id.
    pub fn id(&self) -> RuleId {
        self.id
    }

    /// The class, the id's prefix.
    pub fn class(&self) -> Class {
        self.id.class()
    }

    /// The default severity.
    pub fn severity(&self) -> Severity {
        self.severity
    }

    /// The documentation as written in the declaration (Markdown).
    pub fn documentation(&self) -> &'static str {
        self.documentation
    }

    /// The documentation, parsed once.
    pub fn doc(&self) -> &RuleDoc {
        self.doc.get_or_init(|| RuleDoc::parse(self.documentation))
    }
}

impl Class {
    /// The class of a rule id `<class>/<kebab-name>`; `None` when the prefix
    /// is not a class or the name is not kebab-case (lowercase ASCII letters
    /// and digits in words joined by single hyphens).
    pub const fn of_rule_id(id: &str) -> Option<Class> {
        let id = id.as_bytes();
        let classes = [
            Class::Sequencing,
            Class::Idempotency,
            Class::Contract,
            Class::Rejection,
        ];
        let mut index = 0;
        while index < classes.len() {
            let prefix = classes[index].as_str().as_bytes();
            if starts_with(id, prefix) && id.len() > prefix.len() && id[prefix.len()] == b'/' {
                let (_, name) = id.split_at(prefix.len() + 1);
                return if is_kebab(name) {
                    Some(classes[index])
                } else {
                    None
                };
            }
            index += 1;
        }
        None
    }
}

const fn starts_with(text: &[u8], prefix: &[u8]) -> bool {
    if text.len() < prefix.len() {
        return false;
    }
    let mut index = 0;
    while index < prefix.len() {
        if text[index] != prefix[index] {
            return false;
        }
        index += 1;
    }
    true
}

const fn is_kebab(name: &[u8]) -> bool {
    if name.is_empty() || name[0] == b'-' || name[name.len() - 1] == b'-' {
        return false;
    }
    let mut index = 0;
    while index < name.len() {
        let byte = name[index];
        let hyphen_pair = byte == b'-' && index > 0 && name[index - 1] == b'-';
        if hyphen_pair || !(byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-') {
            return false;
        }
        index += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_class_is_the_id_prefix() {
        assert_eq!(
            Class::of_rule_id("sequencing/side-effect-in-transaction"),
            Some(Class::Sequencing)
        );
        assert_eq!(
            Class::of_rule_id("contract/field-renamed"),
            Some(Class::Contract)
        );
        assert_eq!(Class::of_rule_id("rejection/x2"), Some(Class::Rejection));
    }

    #[test]
    fn an_id_without_a_class_or_a_kebab_name_has_no_class() {
        for id in [
            "ordering/side-effect",
            "sequencing",
            "sequencing/",
            "sequencing/Side-Effect",
            "sequencing/side_effect",
            "sequencing/-side",
            "sequencing/side-",
            "sequencing/side--effect",
            "sequencingx/side",
            "idempotency/retry/key",
        ] {
            assert_eq!(Class::of_rule_id(id), None, "{id}");
        }
    }

    #[test]
    #[should_panic(expected = "with a known class")]
    fn a_rule_id_without_a_known_class_is_refused() {
        let id = String::from("ordering/publish-early");
        RuleId::new(id.leak());
    }

    #[test]
    fn every_built_in_rule_is_in_the_class_its_id_names() {
        for rule in crate::rules::all_rules() {
            let prefix = rule.id().as_str().split('/').next().unwrap_or_default();
            assert_eq!(rule.class().as_str(), prefix, "{}", rule.id());
        }
    }
}
