//! Parse throughput per language (MB/s), and Handoff's cost over a raw parse.
//!
//! For each language, on about 1 MB of generated source (the corpus of
//! `benches/generate.rs`, whole files):
//!
//! - `raw`: tree-sitter (JavaScript, TypeScript, TSX, Python) or syn (Rust)
//!   parsing alone, with a reused parser — the floor;
//! - `frontend`: Handoff's frontend, source to language-neutral model;
//! - `frontend+rules`: the frontend, then every rule with the built-in
//!   knowledge (what a scan does per file version).
//!
//! ```text
//! cargo bench --bench parse
//! ```

#[path = "corpus/mod.rs"]
mod corpus;

use corpus::Lang;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use handoff::config::Config;
use handoff::model::Language;
use std::hint::black_box;
use std::time::Duration;

const SEED: u64 = 7;
const BYTES_PER_LANGUAGE: usize = 1_000_000;

fn language(lang: Lang) -> Language {
    match lang {
        Lang::Js => Language::JavaScript,
        Lang::Ts => Language::TypeScript,
        Lang::Tsx => Language::Tsx,
        Lang::Py => Language::Python,
        Lang::Rs => Language::Rust,
    }
}

fn grammar(lang: Lang) -> Option<tree_sitter::Language> {
    match lang {
        Lang::Js => Some(tree_sitter_javascript::LANGUAGE.into()),
        Lang::Ts => Some(tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into()),
        Lang::Tsx => Some(tree_sitter_typescript::LANGUAGE_TSX.into()),
        Lang::Py => Some(tree_sitter_python::LANGUAGE.into()),
        Lang::Rs => None,
    }
}

/// Parse every file with a reused tree-sitter parser, or with syn; returns
/// the number of files that parsed cleanly (so nothing is optimised away).
fn raw_parse(parser: &mut Option<tree_sitter::Parser>, files: &[String]) -> usize {
    files
        .iter()
        .filter(|text| match parser {
            Some(parser) => parser
                .parse(text.as_str(), None)
                .is_some_and(|tree| !tree.root_node().has_error()),
            None => syn::parse_file(text).is_ok(),
        })
        .count()
}

fn bench_parse(c: &mut Criterion) {
    let config = Config::builtin().unwrap_or_else(|error| panic!("built-in knowledge: {error}"));
    for lang in Lang::ALL {
        let files = corpus::sample(SEED, lang, BYTES_PER_LANGUAGE);
        let bytes: usize = files.iter().map(String::len).sum();
        let mut group = c.benchmark_group(format!("parse/{}", lang.name()));
        group
            .throughput(Throughput::Bytes(bytes as u64))
            .sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(4));
        let mut parser = grammar(lang).map(|grammar| {
            let mut parser = tree_sitter::Parser::new();
            parser
                .set_language(&grammar)
                .unwrap_or_else(|error| panic!("grammar of {}: {error}", lang.name()));
            parser
        });
        let raw = if parser.is_some() {
            "raw tree-sitter"
        } else {
            "raw syn"
        };
        group.bench_function(BenchmarkId::from_parameter(raw), |b| {
            b.iter(|| black_box(raw_parse(&mut parser, &files)))
        });
        group.bench_function(BenchmarkId::from_parameter("handoff frontend"), |b| {
            b.iter(|| {
                files
                    .iter()
                    .map(|text| handoff::lang::parse(language(lang), text).parse_errors)
                    .sum::<usize>()
            })
        });
        group.bench_function(BenchmarkId::from_parameter("handoff frontend+rules"), |b| {
            b.iter(|| {
                files
                    .iter()
                    .map(|text| {
                        handoff::scan::analyze_version(language(lang), "bench", text, &config)
                            .findings
                            .len()
                    })
                    .sum::<usize>()
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench_parse);
criterion_main!(benches);
