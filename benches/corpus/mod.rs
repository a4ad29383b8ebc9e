//! A deterministic generator of realistic application source code, shared by
//! `benches/generate.rs` (the benchmark repository) and `benches/parse.rs`
//! (the parse-throughput corpus).
//!
//! Files are assembled from templates of the code a product team writes:
//! route handlers, repositories, DTO mappers, validators, React components,
//! Django views, Celery tasks, SQLAlchemy services, axum handlers, Diesel and
//! sqlx transactions, Kafka/BullMQ/SQS publishers and consumers, retry
//! wrappers and the odd swallowed error. Most files are ordinary code with no
//! database transaction at all; a minority hold the workflow code Handoff is
//! about, some of it buggy (a publish inside a transaction), most of it not
//! (outbox rows, publish after commit).
//!
//! Everything is a pure function of the seed, so two runs produce the same
//! bytes and the same commits.

// Each including target (the generator, the criterion bench) uses a part of it.
#![allow(dead_code)]

use std::collections::HashSet;

/// A small, fast, deterministic PRNG (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// A float in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A standard normal sample (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.unit().max(1e-12);
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    /// An independent generator derived from this one and a label.
    pub fn fork(&self, label: u64) -> Rng {
        let mut forked = Rng(self.0 ^ label.wrapping_mul(0xD6E8_FEB8_6659_FD93));
        forked.next_u64();
        forked
    }
}

/// The languages of the generated repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// JavaScript (`.js`, CommonJS and ESM).
    Js,
    /// TypeScript (`.ts`).
    Ts,
    /// TypeScript with JSX (`.tsx`).
    Tsx,
    /// Python (`.py`).
    Py,
    /// Rust (`.rs`).
    Rs,
}

impl Lang {
    /// Every language, in a fixed order.
    pub const ALL: [Lang; 5] = [Lang::Js, Lang::Ts, Lang::Tsx, Lang::Py, Lang::Rs];

    /// A short name for tables.
    pub fn name(self) -> &'static str {
        match self {
            Lang::Js => "JavaScript",
            Lang::Ts => "TypeScript",
            Lang::Tsx => "TSX",
            Lang::Py => "Python",
            Lang::Rs => "Rust",
        }
    }

    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Lang::Js => "js",
            Lang::Ts => "ts",
            Lang::Tsx => "tsx",
            Lang::Py => "py",
            Lang::Rs => "rs",
        }
    }
}

/// What a file is for, which decides its templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Models, utilities, components, types: no database transaction.
    Plain,
    /// Handlers, clients, consumers and jobs; transactions done right, mostly.
    Service,
    /// Transactional workflows: checkout, payouts, refunds — some of them buggy.
    Workflow,
}

/// A generated file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Repository-relative path.
    pub path: String,
    /// The language.
    pub lang: Lang,
    /// What the file is for.
    pub kind: Kind,
    /// The main entity of the file (`order`), in snake case.
    pub entity: String,
    /// The text.
    pub text: String,
}

const ENTITIES: &[&str] = &[
    "order",
    "invoice",
    "payment",
    "shipment",
    "customer",
    "subscription",
    "refund",
    "cart",
    "booking",
    "ticket",
    "account",
    "product",
    "stock_item",
    "coupon",
    "review",
    "notification",
    "report",
    "data_export",
    "line_item",
    "payout",
    "lead",
    "contact",
    "webhook_delivery",
    "reservation",
    "transfer",
    "plan",
    "user_profile",
    "return_request",
    "gift_card",
    "tax_rate",
];

const FIELDS: &[&str] = &[
    "email",
    "state_reason",
    "total",
    "currency",
    "quantity",
    "sku",
    "note",
    "reference",
    "external_id",
    "due_date",
    "address",
    "phone",
    "region",
    "priority",
    "channel",
    "tenant_id",
    "amount",
    "description",
    "title",
    "discount",
    "weight",
    "tracking_number",
    "carrier",
    "locale",
    "source",
    "owner_id",
    "expires_at",
    "attempts",
    "reason",
    "score",
];

const SERVICES: &[&str] = &[
    "billing",
    "checkout",
    "fulfillment",
    "inventory",
    "notifications",
    "accounts",
    "catalog",
    "shipping",
    "payments",
    "crm",
    "analytics",
    "support",
    "search",
    "identity",
    "pricing",
    "returns",
    "loyalty",
    "marketing",
    "reporting",
    "scheduling",
];

const EVENTS: &[(&str, &str)] = &[
    ("create", "created"),
    ("update", "updated"),
    ("cancel", "cancelled"),
    ("approve", "approved"),
    ("archive", "archived"),
    ("confirm", "confirmed"),
    ("close", "closed"),
    ("reopen", "reopened"),
    ("settle", "settled"),
    ("expire", "expired"),
    ("assign", "assigned"),
    ("publish", "published"),
];

const COMPONENT_ROLES: &[&str] = &[
    "List", "Form", "Card", "Details", "Table", "Page", "Modal", "Summary", "Row", "Filters",
    "Header", "Editor", "Badge", "Timeline", "Actions",
];

fn pascal(snake: &str) -> String {
    snake
        .split('_')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

fn camel(snake: &str) -> String {
    let p = pascal(snake);
    let mut chars = p.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

fn kebab(snake: &str) -> String {
    snake.replace('_', "-")
}

fn plural(snake: &str) -> String {
    if snake.ends_with('y') && !snake.ends_with("ay") {
        format!("{}ies", &snake[..snake.len() - 1])
    } else if snake.ends_with('s') || snake.ends_with('x') {
        format!("{snake}es")
    } else {
        format!("{snake}s")
    }
}

/// The values substituted into a template: `@e@` is replaced by `vars["e"]`.
struct Vars {
    pairs: Vec<(&'static str, String)>,
}

impl Vars {
    fn new(rng: &mut Rng, entity: &str, service: &str, id: usize) -> Vars {
        let mut fields: Vec<&str> = Vec::new();
        while fields.len() < 3 {
            let field = *rng.pick(FIELDS);
            if !fields.contains(&field) {
                fields.push(field);
            }
        }
        let (act, ev) = *rng.pick(EVENTS);
        let entities = plural(entity);
        let pairs = vec![
            ("e", camel(entity)),
            ("E", pascal(entity)),
            ("s", entity.to_string()),
            ("k", kebab(entity)),
            ("S", entity.to_ascii_uppercase()),
            ("es", camel(&entities)),
            ("Es", pascal(&entities)),
            ("ss", entities.clone()),
            ("t", format!("{entity}.{ev}")),
            ("act", act.to_string()),
            ("Act", pascal(act)),
            ("ev", ev.to_string()),
            ("Ev", pascal(ev)),
            ("svc", service.to_string()),
            ("Svc", pascal(service)),
            ("q", format!("{}-{}", kebab(entity), kebab(act))),
            ("n", (rng.below(90) + 10).to_string()),
            ("m", (rng.below(9000) + 1000).to_string()),
            (
                "id",
                if id == 0 {
                    String::new()
                } else {
                    id.to_string()
                },
            ),
            ("f1", camel(fields[0])),
            ("f2", camel(fields[1])),
            ("f3", camel(fields[2])),
            ("g1", fields[0].to_string()),
            ("g2", fields[1].to_string()),
            ("g3", fields[2].to_string()),
            ("F1", pascal(fields[0])),
            ("F2", pascal(fields[1])),
            ("host", format!("{}.internal.example.com", kebab(service))),
        ];
        Vars { pairs }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// Replace every `@name@` whose name is a known variable; everything else
/// (decorators `@app.get`, e-mail addresses) is kept as written.
fn fill(template: &str, vars: &Vars, out: &mut String) {
    let mut rest = template;
    while let Some(at) = rest.find('@') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let name_len = after
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(after.len());
        let name = &after[..name_len];
        match (after[name_len..].starts_with('@'), vars.get(name)) {
            (true, Some(value)) if !name.is_empty() => {
                out.push_str(value);
                rest = &after[name_len + 1..];
            }
            _ => {
                out.push('@');
                rest = after;
            }
        }
    }
    out.push_str(rest);
}

/// A template with its weight within its table.
type Template = (u32, &'static str);

fn pick_template(rng: &mut Rng, table: &[Template]) -> &'static str {
    let total: u32 = table.iter().map(|(w, _)| *w).sum();
    let mut roll = rng.below(total as usize) as u32;
    for (weight, text) in table {
        if roll < *weight {
            return text;
        }
        roll -= weight;
    }
    table[0].1
}

mod javascript;
mod python;
mod rust;

struct Tables {
    header: &'static [&'static str],
    plain: &'static [Template],
    service: &'static [Template],
    workflow: &'static [Template],
    /// Appended to a Rust file: `#[cfg(test)] mod tests { .. }`.
    footer: Option<&'static str>,
}

fn tables(lang: Lang, kind: Kind) -> Tables {
    match lang {
        Lang::Js => javascript::js_tables(kind),
        Lang::Ts => javascript::ts_tables(kind),
        Lang::Tsx => javascript::tsx_tables(kind),
        Lang::Py => python::tables(kind),
        Lang::Rs => rust::tables(kind),
    }
}

/// Generate one file of about `target_lines` lines.
pub fn generate_file(
    rng: &mut Rng,
    lang: Lang,
    kind: Kind,
    entity: &str,
    service: &str,
    target_lines: usize,
) -> String {
    let tables = tables(lang, kind);
    let mut out = String::with_capacity(target_lines * 40);
    let vars = Vars::new(rng, entity, service, 0);
    for line in tables.header {
        fill(line, &vars, &mut out);
        out.push('\n');
    }
    out.push('\n');
    let mut lines = out.lines().count();
    let mut unit = 1;
    while lines < target_lines {
        // Most units are about the file's own entity; some about a neighbour.
        let unit_entity = if rng.chance(0.8) {
            entity
        } else {
            *rng.pick(ENTITIES)
        };
        let vars = Vars::new(rng, unit_entity, service, unit);
        let table = match kind {
            Kind::Plain => tables.plain,
            Kind::Service => {
                if rng.chance(0.35) {
                    tables.plain
                } else {
                    tables.service
                }
            }
            Kind::Workflow => match rng.below(10) {
                0..=2 => tables.plain,
                3..=5 => tables.service,
                _ => tables.workflow,
            },
        };
        let template = pick_template(rng, table);
        let before = out.len();
        fill(template, &vars, &mut out);
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out.push('\n');
        lines += out[before..].matches('\n').count();
        unit += 1;
    }
    if let Some(footer) = tables.footer {
        let vars = Vars::new(rng, entity, service, unit);
        fill(footer, &vars, &mut out);
        out.push('\n');
    }
    out
}

/// A line count drawn from a log-normal distribution (median about 200
/// lines), with a rare very long file.
fn target_lines(rng: &mut Rng) -> usize {
    if rng.chance(0.004) {
        return 2500 + rng.below(2500);
    }
    let lines = (5.3 + 0.55 * rng.normal()).exp();
    (lines as usize).clamp(25, 1800)
}

fn pick_lang(rng: &mut Rng) -> Lang {
    match rng.below(100) {
        0..=21 => Lang::Js,
        22..=51 => Lang::Ts,
        52..=61 => Lang::Tsx,
        62..=83 => Lang::Py,
        _ => Lang::Rs,
    }
}

fn pick_kind(rng: &mut Rng, lang: Lang) -> Kind {
    let roll = rng.below(100);
    // Components are mostly presentation; server actions carry the workflows.
    let (plain, service) = match lang {
        Lang::Tsx => (75, 17),
        _ => (58, 28),
    };
    if roll < plain {
        Kind::Plain
    } else if roll < plain + service {
        Kind::Service
    } else {
        Kind::Workflow
    }
}

fn path_for(rng: &mut Rng, lang: Lang, kind: Kind, entity: &str, service: &str) -> String {
    match lang {
        Lang::Js => {
            let role = match kind {
                Kind::Plain => *rng.pick(&[
                    "utils",
                    "mapper",
                    "validator",
                    "constants",
                    "repository",
                    "format",
                ]),
                Kind::Service => {
                    *rng.pick(&["routes", "consumer", "worker", "client", "controller"])
                }
                Kind::Workflow => *rng.pick(&["service", "workflow", "checkout", "commands"]),
            };
            format!(
                "services/{service}/src/{}/{}-{role}.js",
                kebab(entity),
                kebab(entity)
            )
        }
        Lang::Ts => {
            let role = match kind {
                Kind::Plain => *rng.pick(&[
                    "dto",
                    "types",
                    "mapper",
                    "validator",
                    "utils",
                    "schema",
                    "policy",
                ]),
                Kind::Service => {
                    *rng.pick(&["controller", "consumer", "client", "worker", "events"])
                }
                Kind::Workflow => *rng.pick(&["service", "repository", "saga", "commands"]),
            };
            format!(
                "packages/{service}/src/{}/{}.{role}.ts",
                kebab(entity),
                kebab(entity)
            )
        }
        Lang::Tsx => {
            let role = *rng.pick(COMPONENT_ROLES);
            let folder = match kind {
                Kind::Plain => "components",
                Kind::Service => "features",
                Kind::Workflow => "actions",
            };
            format!(
                "apps/web/src/{folder}/{}/{}{role}.tsx",
                kebab(entity),
                pascal(entity)
            )
        }
        Lang::Py => {
            let role = match kind {
                Kind::Plain => *rng.pick(&[
                    "models",
                    "serializers",
                    "utils",
                    "schemas",
                    "selectors",
                    "forms",
                    "admin",
                ]),
                Kind::Service => *rng.pick(&["api", "tasks", "consumers", "clients", "handlers"]),
                Kind::Workflow => *rng.pick(&["services", "views", "workflows"]),
            };
            format!("backend/{service}/{entity}/{role}.py")
        }
        Lang::Rs => {
            let role = match kind {
                Kind::Plain => *rng.pick(&["model", "error", "config", "dto", "util", "policy"]),
                Kind::Service => *rng.pick(&["handlers", "client", "consumer", "routes", "jobs"]),
                Kind::Workflow => *rng.pick(&["service", "repo", "store", "events"]),
            };
            format!("crates/{service}/src/{entity}_{role}.rs")
        }
    }
}

/// Every file of a repository of `count` files, in generation order.
pub fn generate_repository(seed: u64, count: usize) -> Vec<SourceFile> {
    let root = Rng::new(seed);
    let mut seen = HashSet::new();
    let mut files = Vec::with_capacity(count);
    for index in 0..count {
        let mut rng = root.fork(index as u64 + 1);
        let lang = pick_lang(&mut rng);
        let kind = pick_kind(&mut rng, lang);
        let entity = *rng.pick(ENTITIES);
        let service = *rng.pick(SERVICES);
        let mut path = path_for(&mut rng, lang, kind, entity, service);
        if !seen.insert(path.clone()) {
            let (stem, ext) = path.rsplit_once('.').unwrap_or((path.as_str(), ""));
            path = format!(
                "{stem}{}.{ext}",
                match lang {
                    Lang::Py | Lang::Rs => format!("_{index}"),
                    Lang::Tsx => index.to_string(),
                    _ => format!("-{index}"),
                }
            );
            seen.insert(path.clone());
        }
        let lines = target_lines(&mut rng);
        let text = generate_file(&mut rng, lang, kind, entity, service, lines);
        files.push(SourceFile {
            path,
            lang,
            kind,
            entity: entity.to_string(),
            text,
        });
    }
    files
}

/// One generated unit (a function or class) of a language and kind, for the
/// pull request's edits.
pub fn generate_unit(rng: &mut Rng, lang: Lang, kind: Kind, entity: &str, id: usize) -> String {
    let tables = tables(lang, kind);
    let table = match kind {
        Kind::Plain => tables.plain,
        Kind::Service => tables.service,
        Kind::Workflow => tables.workflow,
    };
    let service = *rng.pick(SERVICES);
    let vars = Vars::new(rng, entity, service, id);
    let mut out = String::new();
    fill(pick_template(rng, table), &vars, &mut out);
    out
}

/// About `bytes` bytes of source of one language (whole files), for the
/// parse-throughput benchmark.
pub fn sample(seed: u64, lang: Lang, bytes: usize) -> Vec<String> {
    let mut rng = Rng::new(seed).fork(lang.extension().len() as u64 * 7919 + lang as u64);
    let mut files = Vec::new();
    let mut total = 0;
    while total < bytes {
        let kind = pick_kind(&mut rng, lang);
        let entity = *rng.pick(ENTITIES);
        let service = *rng.pick(SERVICES);
        let lines = target_lines(&mut rng).min(600);
        let text = generate_file(&mut rng, lang, kind, entity, service, lines);
        total += text.len();
        files.push(text);
    }
    files
}
