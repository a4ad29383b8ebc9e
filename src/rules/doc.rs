//! A rule's documentation: written once, as the doc comment of its
//! [`declare_rule!`](super::declare_rule) block, read here into sections.

use crate::model::Language;

/// A rule's documentation, rendered by `handoff explain`, the SARIF help text
/// and the README's rule table.
///
/// Prose is written wrapped in the declaration; here each paragraph is one
/// line (a table cell, a SARIF text).
#[derive(Debug, Clone, Default)]
pub struct RuleDoc {
    /// One-line summary.
    pub summary: String,
    /// What the rule detects.
    pub detects: String,
    /// Why it breaks workflows.
    pub why: String,
    /// A change the rule reports.
    pub bad: Example,
    /// The same change made safely: the rule stays quiet.
    pub good: Example,
    /// How to fix it.
    pub fix: String,
    /// The reviewer questions the rule raises, in general form.
    pub questions: Vec<String>,
    /// What does not follow the layout (an unknown heading, a missing part).
    problems: Vec<String>,
}

/// A fenced code example of a rule's documentation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Example {
    /// The fence's language name (`javascript`, `python`, `rust`).
    pub language: String,
    /// The code, as written.
    pub code: String,
}

impl Example {
    /// The language of the example, if Handoff reads it.
    pub fn language(&self) -> Option<Language> {
        match self.language.as_str() {
            "javascript" | "js" | "jsx" => Some(Language::JavaScript),
            "typescript" | "ts" => Some(Language::TypeScript),
            "tsx" => Some(Language::Tsx),
            "python" | "py" => Some(Language::Python),
            "rust" | "rs" => Some(Language::Rust),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Summary,
    Detects,
    Why,
    Example,
    Fix,
    Questions,
    Unknown,
}

impl Section {
    fn of_heading(title: &str) -> Section {
        match title.trim() {
            "What it detects" => Section::Detects,
            "Why it breaks workflows" => Section::Why,
            "Example" => Section::Example,
            "How to fix it" => Section::Fix,
            "Reviewer questions" => Section::Questions,
            _ => Section::Unknown,
        }
    }
}

/// The paragraphs and code blocks of a doc comment, one at a time.
struct Reader {
    doc: RuleDoc,
    section: Section,
    paragraph: Vec<String>,
    fence: Option<Example>,
    examples: usize,
}

impl RuleDoc {
    /// Reads a declaration's doc comment (`///` lines joined, each with the
    /// space after `///`). Never fails: what does not fit the layout is
    /// listed by [`RuleDoc::problems`].
    pub fn parse(text: &str) -> RuleDoc {
        let mut reader = Reader {
            doc: RuleDoc::default(),
            section: Section::Summary,
            paragraph: Vec::new(),
            fence: None,
            examples: 0,
        };
        for raw in text.lines() {
            reader.line(raw.strip_prefix(' ').unwrap_or(raw));
        }
        reader.finish()
    }

    /// What is missing from the documentation or does not follow the layout;
    /// empty for a complete doc.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = self.problems.clone();
        for (name, text) in [
            ("summary", &self.summary),
            ("## What it detects", &self.detects),
            ("## Why it breaks workflows", &self.why),
            ("## How to fix it", &self.fix),
        ] {
            if text.is_empty() {
                problems.push(format!("{name} is missing"));
            }
        }
        if self.summary.contains('\n') {
            problems.push("the summary is more than one paragraph".to_string());
        }
        for (name, example) in [("bad", &self.bad), ("good", &self.good)] {
            if example.code.trim().is_empty() {
                problems.push(format!("the {name} example is missing"));
            } else if example.language().is_none() {
                problems.push(format!(
                    "the {name} example's fence names no language Handoff reads: `{}`",
                    example.language
                ));
            }
        }
        if self.questions.is_empty() {
            problems.push("## Reviewer questions lists no question".to_string());
        }
        problems
    }
}

impl Reader {
    fn line(&mut self, line: &str) {
        if let Some(example) = &mut self.fence {
            if line.trim_end() == "```" {
                self.close_fence();
            } else {
                example.code.push_str(line);
                example.code.push('\n');
            }
            return;
        }
        if let Some(info) = line.trim_start().strip_prefix("```") {
            self.flush();
            // `rust,ignore`: rustdoc must not compile the example.
            let language = info.split(',').next().unwrap_or_default().trim();
            self.fence = Some(Example {
                language: language.to_string(),
                code: String::new(),
            });
        } else if let Some(title) = line.strip_prefix("## ") {
            self.flush();
            self.section = Section::of_heading(title);
            if self.section == Section::Unknown {
                self.doc
                    .problems
                    .push(format!("unknown heading `## {title}`"));
            }
        } else if line.trim().is_empty() {
            self.flush();
        } else if self.section == Section::Questions && line.starts_with("- ") {
            self.flush();
            self.paragraph.push(line[2..].trim().to_string());
        } else {
            self.paragraph.push(line.trim().to_string());
        }
    }

    fn close_fence(&mut self) {
        let Some(mut example) = self.fence.take() else {
            return;
        };
        example.code.truncate(example.code.trim_end().len());
        match (self.section, self.examples) {
            (Section::Example, 0) => self.doc.bad = example,
            (Section::Example, 1) => self.doc.good = example,
            _ => self
                .doc
                .problems
                .push("a code block outside the two examples".to_string()),
        }
        self.examples += usize::from(self.section == Section::Example);
    }

    /// Ends the paragraph being read: one line in its section.
    fn flush(&mut self) {
        if self.paragraph.is_empty() {
            return;
        }
        let paragraph = self.paragraph.join(" ");
        self.paragraph.clear();
        let target = match self.section {
            Section::Summary => &mut self.doc.summary,
            Section::Detects => &mut self.doc.detects,
            Section::Why => &mut self.doc.why,
            Section::Fix => &mut self.doc.fix,
            Section::Questions => {
                self.doc.questions.push(paragraph);
                return;
            }
            // The prose between the examples is the fixed `Use instead:`.
            Section::Example | Section::Unknown => return,
        };
        if !target.is_empty() {
            target.push_str("\n\n");
        }
        target.push_str(&paragraph);
    }

    fn finish(mut self) -> RuleDoc {
        self.flush();
        if self.fence.is_some() {
            self.doc
                .problems
                .push("a code block is not closed".to_string());
        }
        self.doc
    }
}

/// A rule's documentation as Markdown: `handoff explain`, SARIF `help.markdown`.
pub fn doc_markdown(rule: &dyn super::Rule) -> String {
    let doc = rule.doc();
    let mut out = format!(
        "# {}\n\nClass: {} · default severity: {}\n\n{}\n\n## What it detects\n\n{}\n\n## Why it breaks workflows\n\n{}\n\n## Example\n\n```{}\n{}\n```\n\nUse instead:\n\n```{}\n{}\n```\n\n## How to fix it\n\n{}\n\n## Reviewer questions\n\n",
        rule.id(),
        rule.class().as_str(),
        rule.default_severity(),
        doc.summary,
        doc.detects,
        doc.why,
        doc.bad.language,
        doc.bad.code,
        doc.good.language,
        doc.good.code,
        doc.fix
    );
    for question in &doc.questions {
        out.push_str("- ");
        out.push_str(question);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMPLETE: &str = " Sends too early.\n\n ## What it detects\n A call\n made early.\n\n ## Why it breaks workflows\n It breaks.\n\n ## Example\n ```javascript\n publish();\n   indented();\n ```\n\n Use instead:\n ```rust,ignore\n later();\n ```\n\n ## How to fix it\n Wait.\n\n ## Reviewer questions\n - Why now?\n - What if it\n   arrives twice?\n";

    #[test]
    fn a_complete_doc_is_read_into_its_sections_with_paragraphs_on_one_line() {
        let doc = RuleDoc::parse(COMPLETE);
        assert_eq!(doc.problems(), Vec::<String>::new());
        assert_eq!(doc.summary, "Sends too early.");
        assert_eq!(doc.detects, "A call made early.");
        assert_eq!(doc.why, "It breaks.");
        assert_eq!(doc.fix, "Wait.");
        assert_eq!(
            doc.bad,
            Example {
                language: "javascript".to_string(),
                code: "publish();\n  indented();".to_string()
            }
        );
        assert_eq!(doc.good.language, "rust");
        assert_eq!(doc.good.language(), Some(Language::Rust));
        assert_eq!(doc.questions, ["Why now?", "What if it arrives twice?"]);
    }

    #[test]
    fn missing_sections_unknown_headings_and_languages_are_problems() {
        let doc =
            RuleDoc::parse(" Summary.\n\n ## Caveats\n none\n\n ## Example\n ```cobol\n x\n ```\n");
        let problems = doc.problems();
        for expected in [
            "unknown heading `## Caveats`",
            "## What it detects is missing",
            "## How to fix it is missing",
            "the bad example's fence names no language Handoff reads: `cobol`",
            "the good example is missing",
            "## Reviewer questions lists no question",
        ] {
            assert!(
                problems.iter().any(|p| p == expected),
                "{expected} not in {problems:?}"
            );
        }
    }

    #[test]
    fn every_built_in_rule_doc_is_complete() {
        for rule in crate::rules::all_rules() {
            assert_eq!(rule.doc().problems(), Vec::<String>::new(), "{}", rule.id());
        }
    }
}
