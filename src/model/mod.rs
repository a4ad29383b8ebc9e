//! The language-neutral model that every frontend produces and every rule reads.
//!
//! A [`FileModel`] is a tree of [`Function`]s whose bodies are ordered [`Node`]s:
//! calls, syntactic blocks (try/catch, loops, `with`, branches), nested functions
//! and returns. Frontends record *syntax* only (what was called, with which
//! arguments, inside which block); what a call *means* (a transaction opener, an
//! e-mail sink, a deferral) is decided later by the knowledge packs, so a new SDK
//! never touches a frontend.

use serde::Serialize;

/// A source range in the file version it came from.
///
/// Bytes are 0-based offsets; lines and columns are 1-based, columns counted in
/// characters (not bytes) so that they match what editors and GitHub show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub struct Span {
    /// Byte offset of the first byte.
    pub start_byte: usize,
    /// Byte offset one past the last byte.
    pub end_byte: usize,
    /// 1-based line of the first character.
    pub start_line: u32,
    /// 1-based column of the first character.
    pub start_col: u32,
    /// 1-based line of the last character.
    pub end_line: u32,
    /// 1-based column one past the last character.
    pub end_col: u32,
}

impl Span {
    /// Whether the span covers any line of the inclusive range `first..=last`.
    pub fn touches_lines(&self, first: u32, last: u32) -> bool {
        self.start_line <= last && first <= self.end_line
    }
}

/// The source languages Handoff parses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// JavaScript, including JSX (`.js .mjs .cjs .jsx`).
    JavaScript,
    /// TypeScript without JSX (`.ts .mts .cts`).
    TypeScript,
    /// TypeScript with JSX (`.tsx`).
    Tsx,
    /// Python (`.py .pyi`).
    Python,
    /// Rust (`.rs`).
    Rust,
}

impl Language {
    /// The language of a repository path, judged by its extension.
    pub fn from_path(path: &str) -> Option<Language> {
        let ext = path.rsplit_once('.')?.1;
        match ext {
            "js" | "mjs" | "cjs" | "jsx" => Some(Language::JavaScript),
            "ts" | "mts" | "cts" => Some(Language::TypeScript),
            "tsx" => Some(Language::Tsx),
            "py" | "pyi" => Some(Language::Python),
            "rs" => Some(Language::Rust),
            _ => None,
        }
    }

    /// A short lowercase name, as used in fixtures folders and output.
    pub fn name(self) -> &'static str {
        match self {
            Language::JavaScript => "javascript",
            Language::TypeScript => "typescript",
            Language::Tsx => "tsx",
            Language::Python => "python",
            Language::Rust => "rust",
        }
    }

    /// The ecosystem whose knowledge applies (`js`, `python`, `rust`).
    pub fn ecosystem(self) -> Ecosystem {
        match self {
            Language::JavaScript | Language::TypeScript | Language::Tsx => Ecosystem::Js,
            Language::Python => Ecosystem::Python,
            Language::Rust => Ecosystem::Rust,
        }
    }
}

/// A family of languages sharing libraries, and so sharing knowledge.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Ecosystem {
    /// JavaScript and TypeScript.
    Js,
    /// Python.
    Python,
    /// Rust.
    Rust,
}

/// Everything a frontend extracted from one version of one file.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FileModel {
    /// Top-level statements of the module, as a pseudo-function named `<module>`.
    pub module: Function,
    /// Every comment, in source order (for suppressions and fixture expectations).
    pub comments: Vec<Comment>,
    /// Number of syntax errors the parser recovered from (0 for a clean parse).
    pub parse_errors: usize,
    /// Whether nesting deeper than the frontend's limit was cut off.
    pub truncated: bool,
    /// Declared data shapes: TypeScript interfaces, type aliases and enums;
    /// Python `TypedDict`s, dataclasses, pydantic models, DRF and marshmallow
    /// serializers and `Enum`s; Rust structs and enums (serde attributes
    /// resolved into wire names). In source order, nested ones included.
    pub types: Vec<TypeDecl>,
    /// Reads of object fields by name — `event.orderId`, `event["order_id"]`,
    /// `event.get("order_id")`, destructuring `{ orderId } = event` — in source
    /// order, for the payload-contract rules.
    pub reads: Vec<FieldRead>,
    /// Local bindings declared with a type annotation
    /// (`const e: OrderCreated = …`, `e: OrderCreated = …`, `let e: OrderCreated = …`).
    pub bindings: Vec<TypedBinding>,
}

/// A declared data shape (an interface, a model class, a struct, an enum).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TypeDecl {
    /// The type's name as declared (`OrderCreated`).
    pub name: String,
    /// What kind of declaration it is.
    pub kind: TypeDeclKind,
    /// The fields, in declaration order (skipped serde fields left out).
    pub fields: Vec<FieldDecl>,
    /// The values of an enum or of a union of string literals, in order.
    pub variants: Vec<EnumValue>,
    /// Types it extends or includes: TS `extends`/intersections, Python base
    /// classes, as written.
    pub bases: Vec<String>,
    /// Whether the declaration itself says instances are written to a wire
    /// (Rust `#[derive(Serialize)]`, pydantic models, DRF/marshmallow serializers).
    pub serializes: bool,
    /// Whether the declaration itself says instances are read from a wire
    /// (Rust `#[derive(Deserialize)]`, pydantic models, DRF/marshmallow serializers).
    pub deserializes: bool,
    /// The whole declaration, attributes and decorators included.
    pub span: Span,
}

/// The kinds of [`TypeDecl`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub enum TypeDeclKind {
    /// TypeScript `interface`.
    #[default]
    Interface,
    /// TypeScript `type X = …`, Python `X = Literal[…]`.
    Alias,
    /// An enum: TS `enum`, Python `Enum` subclass, Rust `enum`.
    Enum,
    /// A Python class declaring fields (TypedDict, dataclass, model, serializer).
    Class,
    /// A Rust `struct`.
    Struct,
}

/// One field of a [`TypeDecl`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FieldDecl {
    /// The name as written in the source (a Rust field identifier, without `r#`).
    pub name: String,
    /// The key on the wire: the name after `#[serde(rename…)]`, `rename_all`,
    /// a pydantic `alias`, a marshmallow `data_key`; else the name.
    pub wire_name: String,
    /// Other keys accepted when reading (`#[serde(alias = "…")]`).
    pub aliases: Vec<String>,
    /// The field's type as written (`Option<String>`, `string | null`,
    /// `serializers.CharField(required=False)`).
    pub type_text: String,
    /// Whether the key may be absent or null in a payload: TS `?` and
    /// `| undefined`, `Option<T>`, `skip_serializing_if`, `Optional[…]`,
    /// `| None`, `NotRequired[…]`, `total=False`, `allow_null=True`.
    pub optional: bool,
    /// Whether a reader fills in a missing key with a default, so the key is
    /// not required on input: `#[serde(default)]`, a Python default value,
    /// DRF `required=False`, marshmallow without `required=True`.
    pub defaulted: bool,
    /// `#[serde(flatten)]`: the fields of `type_text` appear at this level.
    pub flatten: bool,
    /// A serde `with`/`serialize_with` module (`chrono::serde::ts_seconds`),
    /// which decides the wire format of the value.
    pub format: Option<String>,
    /// Where the field is declared.
    pub span: Span,
}

/// One value of an enum or literal union.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EnumValue {
    /// The member name as written (`Paid`, `PAID`; the literal for a union).
    pub name: String,
    /// The value on the wire (`paid`): an explicit value, a serde rename, or
    /// the name.
    pub wire_value: String,
    /// Where it is declared.
    pub span: Span,
}

/// How a field is read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub enum ReadKind {
    /// `event.orderId`.
    #[default]
    Member,
    /// `event["order_id"]`.
    Index,
    /// `event.get("order_id")`.
    Get,
    /// `{ orderId } = event`, `({ orderId }) => …`, `Order { order_id, .. }`.
    Destructure,
}

/// A read of one field by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FieldRead {
    /// The object read from, as a normalised path (`event`, `req.body`,
    /// `event.data`). For a destructured parameter: the path inside the
    /// parameter, empty for its top level (see `param`).
    pub object: String,
    /// Set when the read destructures parameter `n` (0-based) of the
    /// innermost function around it.
    pub param: Option<usize>,
    /// The key read (`orderId`; string keys without quotes).
    pub key: String,
    /// How it is read.
    pub kind: ReadKind,
    /// For destructuring: the local name the value is bound to (`amount` for
    /// `{ total: amount }`), when it is a plain name.
    pub binding: Option<String>,
    /// Where the read is (the key, for destructuring).
    pub span: Span,
}

/// A local binding declared with a type annotation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TypedBinding {
    /// The bound name.
    pub name: String,
    /// The annotation as written (`OrderCreated`).
    pub type_text: String,
    /// Where the binding is.
    pub span: Span,
}

/// A source comment, with its text stripped of the comment markers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comment {
    /// The comment text without `//`, `#`, `/*`, `*/`.
    pub text: String,
    /// Where the comment is.
    pub span: Span,
}

/// What kind of function this is, as far as syntax tells.
///
/// Frontends fill [`Function::origin`]; the knowledge layer decides whether that
/// makes it a route handler, a message consumer or a job.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub enum FunctionOrigin {
    /// The module's top level.
    #[default]
    Module,
    /// A named declaration: `function f`, `def f`, `fn f`, a method.
    Declaration,
    /// An anonymous function or closure passed as argument `index` of a call
    /// whose normalised callee is `callee` (`app.post`, `worker.on`).
    Callback {
        /// Normalised callee of the call receiving the callback.
        callee: String,
        /// Zero-based argument position.
        index: usize,
        /// The first string-literal argument of that call, if any (a route or topic).
        first_string: Option<String>,
    },
    /// An anonymous function or closure that is not a direct call argument
    /// (assigned to a variable, returned, in an object literal).
    Anonymous,
}

/// A function, method, closure or the module top level.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Function {
    /// A stable name: `checkout`, `OrderService.create`, or for callbacks the
    /// receiving call with its first string argument: `app.post("/checkout")`.
    pub name: String,
    /// Where it came from syntactically.
    pub origin: FunctionOrigin,
    /// Decorators (Python), attributes (Rust, as `#[path]`) as normalised call paths
    /// with their arguments, outermost first.
    pub decorators: Vec<Call>,
    /// Parameter names in order (`self` included in Python; patterns as written).
    pub params: Vec<Param>,
    /// `async` function / `async fn` / `async def`.
    pub is_async: bool,
    /// The enclosing class or impl type, if a method.
    pub class: Option<String>,
    /// Base classes (Python `class X(Base)`, JS `extends`) of the enclosing class.
    pub class_bases: Vec<String>,
    /// The whole function, signature included.
    pub span: Span,
    /// The statements of the body, in source order.
    pub body: Vec<Node>,
}

/// One parameter of a function.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Param {
    /// The parameter name, or the pattern's source text for destructuring.
    pub name: String,
    /// Keys bound by an object/dict/struct destructuring pattern (`{ orderId }`).
    pub destructured: Vec<String>,
    /// The type annotation as written, if any.
    pub type_annotation: Option<String>,
}

/// An element of a function body.
#[derive(Debug, Clone, Serialize)]
pub enum Node {
    /// A call expression (including `new X()` and awaited calls).
    Call(Call),
    /// A syntactic block that changes how its body runs.
    Block(Block),
    /// A nested named function or method declaration.
    Function(Function),
    /// A `return` (or Rust tail expression / `?`-free early exit).
    Return(Return),
    /// An assignment or binding whose right side is not a call
    /// (`const key = randomUUID()` is a [`Call`] with `bound_to`).
    Assign(Assign),
}

impl Node {
    /// Where the node is.
    pub fn span(&self) -> Span {
        match self {
            Node::Call(call) => call.span,
            Node::Block(block) => block.span,
            Node::Function(function) => function.span,
            Node::Return(ret) => ret.span,
            Node::Assign(assign) => assign.span,
        }
    }
}

/// A call expression.
///
/// Chains are one call each: `client.post(url).json(&b).send().await` is three
/// calls; the outermost has callee `client.post().json().send` and `chain`
/// containing the inner ones.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Call {
    /// Normalised callee path: segments joined with `.`, Rust `::` turned into
    /// `.`, call parentheses kept as `()` on the segment they follow, `this`/
    /// `self` kept, generics/type arguments dropped, optional chaining `?.` as `.`.
    /// `new EventEmitter()` has callee `EventEmitter` and `is_new` set.
    pub callee: String,
    /// The receiver expression's normalised path (`eventBus` for
    /// `eventBus.publish(..)`, `client.post()` for `client.post(u).send()`).
    pub receiver: Option<String>,
    /// The last callee segment (`publish`).
    pub method: String,
    /// Arguments in order.
    pub args: Vec<Argument>,
    /// Whether the call is awaited (`await x`, `x.await`), directly or as the
    /// end of an awaited chain.
    pub awaited: bool,
    /// Whether this is a constructor call (`new X()`, Python/Rust have none).
    pub is_new: bool,
    /// How the call's value is used.
    pub result: CallResult,
    /// Variable name the result is bound to (`const order = await f()`,
    /// `let tx = pool.begin().await?`, `order = f()`), if any.
    pub bound_to: Option<String>,
    /// The library construction the receiver is bound to, when it is a local
    /// bound once to one (`httpx.Client` for `client.post(..)` inside `with
    /// httpx.Client() as client:`; see `lang::constructions`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub constructed_receiver: Option<String>,
    /// Whether the Rust call is followed by `?` (error propagated).
    pub propagated: bool,
    /// The inner calls of a method chain, innermost first (`client.post(url)`,
    /// `.json(&b)`), so that rules can see their arguments.
    pub chain: Vec<Call>,
    /// The full source text of the call expression.
    pub text: String,
    /// The span of the whole call expression.
    pub span: Span,
}

/// What happens to a call's value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub enum CallResult {
    /// An expression statement: the value is dropped.
    #[default]
    Discarded,
    /// Bound to a variable or assigned.
    Bound,
    /// Returned from the function (`return f()`, a Rust tail expression).
    Returned,
    /// Used inside a larger expression (an argument, a condition, an operand).
    Used,
    /// Explicitly discarded: Rust `let _ = f()`, JS `void f()`. (A Rust
    /// `sink(..).ok();` statement is the call `sink().ok`, `Discarded`, with the
    /// sink call in its `chain`.)
    ExplicitlyIgnored,
}

/// One argument of a call.
#[derive(Debug, Clone, Serialize)]
pub struct Argument {
    /// What kind of expression the argument is.
    pub value: Value,
    /// For Python keyword arguments and Rust named struct fields: the keyword.
    pub keyword: Option<String>,
    /// The argument's source text.
    pub text: String,
    /// Where it is.
    pub span: Span,
    /// For a variable bound once, in the same or an enclosing function, to
    /// an object / dict literal (`fetch(url, init)` after `const init =
    /// {..}`): that literal, so that its options read as if written inline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bound_literal: Option<Value>,
}

/// The methods HTTP clients are asked for by name.
const HTTP_METHODS: [&str; 7] = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"];

impl Argument {
    /// The HTTP method this positional argument names: a string that is one
    /// or starts with one and a space (`"POST"`, `"POST /repos"`), or a path
    /// that ends in one in capitals (`Method::POST`, `HTTPMethod.DELETE`).
    pub fn http_method(&self) -> Option<&str> {
        if self.keyword.is_some() {
            return None;
        }
        // A variable that falls back to a method constant carries it (see
        // `lang::rust::builders`).
        let value = match (&self.value, &self.bound_literal) {
            (Value::Path(_), Some(constant @ Value::Path(_))) => constant,
            (value, _) => value,
        };
        let (word, any_case) = match value {
            Value::String(text) => (text.split(' ').next()?, true),
            // A constant (`Method::POST`), not a variable named `options`.
            Value::Path(path) => (path.rsplit(['.', ':']).next()?, false),
            _ => return None,
        };
        HTTP_METHODS
            .iter()
            .any(|method| *method == word || (any_case && method.eq_ignore_ascii_case(word)))
            .then_some(word)
    }
}

/// The shape of an argument (or of an object-literal property value).
#[derive(Debug, Clone, Serialize)]
pub enum Value {
    /// A string literal (quotes removed; template literals without
    /// substitutions included; f-strings as written without the prefix).
    String(String),
    /// A number literal as written.
    Number(String),
    /// `true`/`false`/`True`/`False`.
    Bool(bool),
    /// An object literal / dict literal / struct literal / `json!({..})`:
    /// its keys in order, with each value's shape.
    Object(Vec<Property>),
    /// An array / list literal.
    Array(Vec<Value>),
    /// A plain identifier or member path (`order.id` → `order.id`).
    Path(String),
    /// A function or closure passed inline.
    Function(Box<Function>),
    /// A call expression used as an argument.
    Call(Box<Call>),
    /// Anything else.
    Other,
}

/// One key of an object / dict / struct literal.
#[derive(Debug, Clone, Serialize)]
pub struct Property {
    /// The key (`orderId`, `"order_id"` without quotes); `...` for a spread.
    pub key: String,
    /// The value's shape.
    pub value: Value,
    /// Where the property is.
    pub span: Span,
}

/// A syntactic block.
#[derive(Debug, Clone, Serialize)]
pub struct Block {
    /// What kind of block.
    pub kind: BlockKind,
    /// The statements inside, in order.
    pub body: Vec<Node>,
    /// The whole block.
    pub span: Span,
}

impl Block {
    /// Whether `later`, the block right after this one in the same body, is
    /// another branch of this block's `if` chain (`elif`, `else if`,
    /// `else`): frontends report a chain as sibling [`BlockKind::If`]
    /// blocks, and only one of its branches runs. Told by the source between
    /// and at their starts (`else` between them, or `elif`/`else` opening
    /// `later`), so a new `if` statement that follows is not taken for one.
    pub fn continued_by(&self, later: &Block, source: &str) -> bool {
        if !matches!(self.kind, BlockKind::If { .. }) || !matches!(later.kind, BlockKind::If { .. })
        {
            return false;
        }
        let between = source
            .get(self.span.end_byte..later.span.start_byte)
            .unwrap_or("")
            .trim_matches(|c: char| c.is_whitespace() || c == '}');
        let opening = source.get(later.span.start_byte..).unwrap_or("");
        let starts_with_word = |text: &str, word: &str| {
            text.strip_prefix(word)
                .is_some_and(|rest| !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_'))
        };
        starts_with_word(between, "else")
            || (between.is_empty()
                && (starts_with_word(opening, "elif") || starts_with_word(opening, "else")))
    }
}

/// The kinds of block a frontend reports.
#[derive(Debug, Clone, Serialize)]
pub enum BlockKind {
    /// The protected body of `try` (JS/Python). Its handlers follow as
    /// separate [`BlockKind::Catch`] / [`BlockKind::Finally`] blocks immediately
    /// after it in the same body.
    Try,
    /// `catch (e)` / `except E as e`. `error_types` are the caught types
    /// (empty for a bare catch); `binding` the bound name.
    Catch {
        /// Exception types named by the handler (empty: catches everything).
        error_types: Vec<String>,
        /// The name the error is bound to, if any.
        binding: Option<String>,
        /// Whether the handler rethrows: a `raise`/`throw` statement in it
        /// (in a nested branch too, not in a nested function).
        rethrows: bool,
    },
    /// `finally`.
    Finally,
    /// `for`, `for…of`, `while`, `do…while`, Rust `loop`/`while`/`for`.
    /// `header` is the loop header's source text (`attempt in range(3)`).
    Loop {
        /// Source text of the loop header.
        header: String,
    },
    /// An `if` branch (or `elif`/`else if`). `condition` is its source text.
    /// `else` branches are reported as `If` with condition `else`.
    If {
        /// The condition's source text.
        condition: String,
    },
    /// A Python `with`/`async with`: its context managers as calls (or
    /// paths, as calls with no arguments).
    With {
        /// The context-manager expressions.
        items: Vec<Call>,
        /// Whether it is `async with`.
        is_async: bool,
    },
    /// A Rust `match` arm or JS `switch` case; `pattern` its source text.
    Arm {
        /// The arm pattern's source text.
        pattern: String,
    },
    /// A block with no special meaning that still groups statements
    /// (a bare `{ }`, a Rust `unsafe {}` or `async {}` block).
    Plain,
}

/// A return statement.
#[derive(Debug, Clone, Serialize)]
pub struct Return {
    /// The returned expression's source text, empty for a bare `return`.
    pub value_text: String,
    /// The shape of the returned value, when it has one worth keeping.
    pub value: Option<Value>,
    /// Where it is.
    pub span: Span,
}

/// An assignment or binding whose right-hand side is not a call.
#[derive(Debug, Clone, Serialize)]
pub struct Assign {
    /// The bound name or target's source text.
    pub target: String,
    /// The value's shape.
    pub value: Value,
    /// Where it is.
    pub span: Span,
}

impl Function {
    /// Visit every call in this function's body in source order, descending
    /// into blocks, call arguments, chains and nested functions.
    pub fn for_each_call<'a>(&'a self, visit: &mut dyn FnMut(&'a Call)) {
        for_each_call_in(&self.body, visit);
    }
}

/// Visit every function declared under `nodes` in source order: methods and
/// nested functions included, callbacks passed as arguments not.
pub fn for_each_function<'a>(nodes: &'a [Node], visit: &mut dyn FnMut(&'a Function)) {
    for node in nodes {
        match node {
            Node::Function(function) => {
                visit(function);
                for_each_function(&function.body, visit);
            }
            Node::Block(block) => for_each_function(&block.body, visit),
            _ => {}
        }
    }
}

/// Visit every call under `nodes` in source order (see [`Function::for_each_call`]).
pub fn for_each_call_in<'a>(nodes: &'a [Node], visit: &mut dyn FnMut(&'a Call)) {
    for node in nodes {
        match node {
            Node::Call(call) => visit_call(call, visit),
            Node::Block(block) => for_each_call_in(&block.body, visit),
            Node::Function(function) => for_each_call_in(&function.body, visit),
            Node::Return(ret) => {
                if let Some(value) = &ret.value {
                    visit_value(value, visit);
                }
            }
            Node::Assign(assign) => visit_value(&assign.value, visit),
        }
    }
}

fn visit_call<'a>(call: &'a Call, visit: &mut dyn FnMut(&'a Call)) {
    for inner in &call.chain {
        visit_call(inner, visit);
    }
    visit(call);
    for arg in &call.args {
        visit_value(&arg.value, visit);
    }
}

fn visit_value<'a>(value: &'a Value, visit: &mut dyn FnMut(&'a Call)) {
    match value {
        Value::Call(call) => visit_call(call, visit),
        Value::Function(function) => for_each_call_in(&function.body, visit),
        Value::Object(props) => props.iter().for_each(|p| visit_value(&p.value, visit)),
        Value::Array(items) => items.iter().for_each(|v| visit_value(v, visit)),
        _ => {}
    }
}

impl Call {
    /// The first string-literal argument (a topic, route, queue or SQL text).
    pub fn first_string_arg(&self) -> Option<&str> {
        self.args.iter().find_map(|a| match &a.value {
            Value::String(s) => Some(s.as_str()),
            _ => None,
        })
    }

    /// Every object-literal key passed to this call or its chain, at any depth,
    /// together with keyword-argument names.
    pub fn option_keys(&self) -> Vec<&str> {
        let mut keys = Vec::new();
        for call in self.chain.iter().chain(std::iter::once(self)) {
            for arg in &call.args {
                if let Some(k) = &arg.keyword {
                    keys.push(k.as_str());
                }
                collect_keys(&arg.value, &mut keys);
            }
        }
        keys
    }

    /// The value of an option key (object property or keyword argument) given
    /// to this call or its chain, if present.
    pub fn option_value(&self, key: &str) -> Option<&Value> {
        for call in self.chain.iter().chain(std::iter::once(self)) {
            for arg in &call.args {
                if arg.keyword.as_deref() == Some(key) {
                    return Some(&arg.value);
                }
                let shape = match (&arg.value, &arg.bound_literal) {
                    (Value::Path(_), Some(literal)) => literal,
                    (value, _) => value,
                };
                if let Value::Object(props) = shape
                    && let Some(p) = props.iter().find(|p| p.key == key)
                {
                    return Some(&p.value);
                }
            }
        }
        None
    }

    /// The HTTP method the call or its chain names: a `method` option
    /// (`method: 'POST'`, `method="POST"`) or a first positional argument
    /// that is a method (`request("POST", url)`, `request(Method::POST,
    /// url)`, octokit's `request("POST /repos/{owner}/{repo}/issues")`).
    pub fn http_method(&self) -> Option<&str> {
        if let Some(Value::String(method)) = self.option_value("method") {
            return Some(method);
        }
        self.chain
            .iter()
            .chain(std::iter::once(self))
            .find_map(|call| call.args.first().and_then(Argument::http_method))
    }

    /// The inline callback arguments (functions and closures) of this call.
    pub fn callbacks(&self) -> impl Iterator<Item = &Function> {
        self.args.iter().filter_map(|a| match &a.value {
            Value::Function(f) => Some(f.as_ref()),
            _ => None,
        })
    }
}

fn collect_keys<'a>(value: &'a Value, keys: &mut Vec<&'a str>) {
    match value {
        Value::Object(props) => {
            for p in props {
                keys.push(p.key.as_str());
                collect_keys(&p.value, keys);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_keys(v, keys)),
        _ => {}
    }
}
