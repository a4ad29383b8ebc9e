//! A fake GitHub REST API on loopback (wiremock) that keeps state: issue
//! comments, review comments and reviews, paginated like GitHub (`per_page`,
//! `page`, `Link`), with objects built from the examples in GitHub's own
//! REST description. Tests mount failures (500, 403, rate limits) in front
//! of it and check every request against the description.
#![allow(dead_code)]

pub mod openapi;

use openapi::{OpenApi, node_module_file};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The login GitHub shows for `GITHUB_TOKEN` writes.
pub const BOT_LOGIN: &str = "github-actions[bot]";

/// The state of the fake repository's pull request.
#[derive(Debug, Default)]
pub struct State {
    next_id: u64,
    /// Conversation (issue) comments.
    pub issue_comments: Vec<Value>,
    /// Review comments (on lines).
    pub review_comments: Vec<Value>,
    /// Submitted reviews.
    pub reviews: Vec<Value>,
    /// When set, `(path, first, last)` ranges where review comments may sit;
    /// a review with a comment elsewhere is refused with 422, as GitHub does.
    pub diff_lines: Option<Vec<(String, u32, u32)>>,
    /// The next this many creations are applied but answered 502, as when
    /// GitHub's answer is lost after the write.
    pub lose_answers: u32,
    /// Pull requests `GET /pulls/{number}` knows: number, head commit and
    /// head repository (`owner/name`).
    pub pulls: Vec<(u64, String, String)>,
    /// Tokens that may only read: every write with one is refused with 403,
    /// as GitHub refuses a fork's `pull_request` token.
    pub read_only_tokens: Vec<String>,
    /// Writes refused because the token was read-only.
    pub refused_writes: u32,
    /// Logins with write access to the repository (everyone else reads).
    pub writers: Vec<String>,
    /// Reactions on review comments: comment id, login, content (`-1`, `+1`…).
    pub reactions: Vec<(u64, String, String)>,
    /// The pull request's issue events (`labeled`…), oldest first.
    pub issue_events: Vec<Value>,
}

impl State {
    fn id(&mut self) -> u64 {
        self.next_id += 1;
        1000 + self.next_id
    }
}

/// The fake server and its state.
pub struct FakeGitHub {
    /// The wiremock server.
    pub server: MockServer,
    /// The shared state.
    pub state: Arc<Mutex<State>>,
    /// The API path prefix (`""`, or `/api/v3` for GitHub Enterprise).
    pub prefix: String,
    /// `owner/name`.
    pub repository: String,
}

/// An example object from GitHub's REST description (real GitHub objects).
fn openapi_example(name: &str) -> Value {
    OpenApi::get().example(name)
}

fn bot_user() -> Value {
    let mut user = openapi_example("issue-comment")["user"].clone();
    user["login"] = json!(BOT_LOGIN);
    user["id"] = json!(41898282);
    user["type"] = json!("Bot");
    user["html_url"] = json!("https://github.com/apps/github-actions");
    user
}

fn person(login: &str) -> Value {
    let mut user = openapi_example("issue-comment")["user"].clone();
    user["login"] = json!(login);
    user
}

fn now() -> &'static str {
    "2026-11-25T12:00:00Z"
}

impl FakeGitHub {
    /// Start a fake for `owner/name` under `prefix`.
    pub async fn start(repository: &str, prefix: &str) -> FakeGitHub {
        let fake = FakeGitHub {
            server: MockServer::start().await,
            state: Arc::new(Mutex::new(State::default())),
            prefix: prefix.to_string(),
            repository: repository.to_string(),
        };
        let repo = format!("{prefix}/repos/{repository}");
        let routes: Vec<(&str, String, Kind)> = vec![
            (
                "GET",
                format!(r"^{repo}/issues/\d+/comments$"),
                Kind::ListIssueComments,
            ),
            (
                "POST",
                format!(r"^{repo}/issues/\d+/comments$"),
                Kind::CreateIssueComment,
            ),
            (
                "PATCH",
                format!(r"^{repo}/issues/comments/\d+$"),
                Kind::UpdateIssueComment,
            ),
            (
                "GET",
                format!(r"^{repo}/pulls/\d+/comments$"),
                Kind::ListReviewComments,
            ),
            (
                "POST",
                format!(r"^{repo}/pulls/\d+/reviews$"),
                Kind::CreateReview,
            ),
            (
                "PATCH",
                format!(r"^{repo}/pulls/comments/\d+$"),
                Kind::UpdateReviewComment,
            ),
            ("GET", format!(r"^{repo}/pulls/\d+$"), Kind::GetPullRequest),
            (
                "GET",
                format!(r"^{repo}/collaborators/[^/]+/permission$"),
                Kind::GetPermission,
            ),
            (
                "GET",
                format!(r"^{repo}/issues/\d+/events$"),
                Kind::ListIssueEvents,
            ),
            (
                "GET",
                format!(r"^{repo}/pulls/comments/\d+/reactions$"),
                Kind::ListReviewCommentReactions,
            ),
        ];
        let mut routes = routes;
        routes.push((
            "GET",
            format!(r"^{prefix}/user$"),
            Kind::GetAuthenticatedUser,
        ));
        for (verb, pattern, kind) in routes {
            Mock::given(method(verb))
                .and(path_regex(pattern))
                .respond_with(Responder {
                    kind,
                    state: fake.state.clone(),
                    base: fake.server.uri(),
                    repository: repository.to_string(),
                })
                .with_priority(10)
                .mount(&fake.server)
                .await;
        }
        fake
    }

    /// `GITHUB_API_URL` for this fake.
    pub fn api_url(&self) -> String {
        format!("{}{}", self.server.uri(), self.prefix)
    }

    /// The path of `/repos/owner/name` + `rest` on this fake, as a regex.
    pub fn path_pattern(&self, rest: &str) -> String {
        format!(r"^{}/repos/{}{rest}$", self.prefix, self.repository)
    }

    /// Answer the next `times` requests matching `verb` and `rest` (a regex
    /// after `/repos/owner/name`) with `response`, before the fake's state.
    pub async fn fail_next(&self, verb: &str, rest: &str, times: u64, response: ResponseTemplate) {
        Mock::given(method(verb))
            .and(path_regex(self.path_pattern(rest)))
            .respond_with(response)
            .up_to_n_times(times)
            .with_priority(1)
            .mount(&self.server)
            .await;
    }

    /// Comments already on the pull request, by people.
    pub fn seed_issue_comments(&self, count: usize) {
        let mut state = self.state.lock().expect("state lock");
        for index in 0..count {
            let id = state.id();
            let mut comment = openapi_example("issue-comment");
            comment["id"] = json!(id);
            comment["body"] = json!(format!("comment {index} from a reviewer"));
            comment["user"] = person("octocat");
            state.issue_comments.push(comment);
        }
    }

    /// Add an issue comment with this body by a person (not the bot).
    pub fn add_person_comment(&self, body: &str) -> u64 {
        self.add_comment_by("octocat", body)
    }

    /// Add an issue comment with this body by `login`.
    pub fn add_comment_by(&self, login: &str, body: &str) -> u64 {
        let mut state = self.state.lock().expect("state lock");
        let id = state.id();
        let mut comment = openapi_example("issue-comment");
        comment["id"] = json!(id);
        comment["body"] = json!(body);
        comment["user"] = person(login);
        state.issue_comments.push(comment);
        id
    }

    /// Give `login` write access to the repository.
    pub fn add_writer(&self, login: &str) {
        let mut state = self.state.lock().expect("state lock");
        state.writers.push(login.to_string());
    }

    /// `login` reacts with `content` (`-1`, `+1`…) to review comment `id`.
    pub fn react(&self, id: u64, login: &str, content: &str) {
        let mut state = self.state.lock().expect("state lock");
        state
            .reactions
            .push((id, login.to_string(), content.to_string()));
    }

    /// `login` adds the label `name` to the pull request (an issue event).
    pub fn label(&self, login: &str, name: &str) {
        let mut state = self.state.lock().expect("state lock");
        let id = state.id();
        let mut event = openapi_example("issue-event");
        event["id"] = json!(id);
        event["event"] = json!("labeled");
        event["actor"] = person(login);
        event["label"] = json!({"name": name, "color": "ededed"});
        state.issue_events.push(event);
    }

    /// A review comment by `login` on `path`, with this body.
    pub fn add_review_comment_by(&self, login: &str, path: &str, line: u32, body: &str) -> u64 {
        let mut state = self.state.lock().expect("state lock");
        let id = state.id();
        let mut comment = openapi_example("pull-request-review-comment");
        comment["id"] = json!(id);
        comment["body"] = json!(body);
        comment["path"] = json!(path);
        comment["line"] = json!(line);
        comment["user"] = person(login);
        if let Some(object) = comment.as_object_mut() {
            object.remove("in_reply_to_id");
        }
        state.review_comments.push(comment);
        id
    }

    /// Review comments already on the pull request, by people.
    pub fn seed_review_comments(&self, count: usize, path: &str) {
        let mut state = self.state.lock().expect("state lock");
        for index in 0..count {
            let id = state.id();
            let mut comment = openapi_example("pull-request-review-comment");
            comment["id"] = json!(id);
            comment["body"] = json!(format!("nit {index}"));
            comment["path"] = json!(path);
            comment["user"] = person("hubot");
            if let Some(object) = comment.as_object_mut() {
                object.remove("in_reply_to_id");
            }
            state.review_comments.push(comment);
        }
    }

    /// Issue comments whose body is Handoff's summary.
    pub fn summaries(&self) -> Vec<Value> {
        let state = self.state.lock().expect("state lock");
        state
            .issue_comments
            .iter()
            .filter(|c| {
                c["body"]
                    .as_str()
                    .is_some_and(|b| b.starts_with("<!-- handoff:summary -->"))
            })
            .cloned()
            .collect()
    }

    /// Review comments carrying a Handoff finding marker.
    pub fn finding_comments(&self) -> Vec<Value> {
        let state = self.state.lock().expect("state lock");
        state
            .review_comments
            .iter()
            .filter(|c| {
                c["body"]
                    .as_str()
                    .is_some_and(|b| b.contains("<!-- handoff:finding "))
            })
            .cloned()
            .collect()
    }

    /// Make `GET /pulls/{number}` answer with this head commit and repository.
    pub fn add_pull(&self, number: u64, head_sha: &str, head_repository: &str) {
        let mut state = self.state.lock().expect("state lock");
        state
            .pulls
            .push((number, head_sha.to_string(), head_repository.to_string()));
    }

    /// Refuse every write made with `token` (403), as for a fork's token.
    pub fn make_read_only(&self, token: &str) {
        let mut state = self.state.lock().expect("state lock");
        state.read_only_tokens.push(token.to_string());
    }

    /// Writes refused because their token was read-only.
    pub fn refused_writes(&self) -> u32 {
        self.state.lock().expect("state lock").refused_writes
    }

    /// Reviews submitted.
    pub fn reviews(&self) -> Vec<Value> {
        self.state.lock().expect("state lock").reviews.clone()
    }

    /// Every request received so far.
    pub async fn requests(&self) -> Vec<Request> {
        self.server.received_requests().await.unwrap_or_default()
    }

    /// Requests with this method whose path ends with `suffix` (a regex after `/repos/owner/name`).
    pub async fn count(&self, verb: &str, rest: &str) -> usize {
        let pattern = regex::Regex::new(&self.path_pattern(rest)).expect("valid pattern");
        self.requests()
            .await
            .iter()
            .filter(|r| r.method.as_str() == verb && pattern.is_match(r.url.path()))
            .count()
    }

    /// Check every request against GitHub's REST description; returns the
    /// operation ids seen.
    pub async fn assert_requests_match_openapi(&self) -> Vec<String> {
        let spec = OpenApi::get();
        let mut problems = Vec::new();
        let mut operations = Vec::new();
        for request in self.requests().await {
            let path = request
                .url
                .path()
                .strip_prefix(&self.prefix)
                .unwrap_or(request.url.path())
                .to_string();
            let query: Vec<(String, String)> = request
                .url
                .query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            match spec.check_request(request.method.as_str(), &path, &query, &request.body) {
                Ok(operation) => operations.push(operation),
                Err(found) => problems.extend(found),
            }
        }
        assert!(
            problems.is_empty(),
            "requests that GitHub's REST description rejects:\n{}",
            problems.join("\n")
        );
        operations
    }
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    ListIssueComments,
    CreateIssueComment,
    UpdateIssueComment,
    ListReviewComments,
    CreateReview,
    UpdateReviewComment,
    GetPullRequest,
    GetPermission,
    ListIssueEvents,
    ListReviewCommentReactions,
    GetAuthenticatedUser,
}

struct Responder {
    kind: Kind,
    state: Arc<Mutex<State>>,
    base: String,
    repository: String,
}

fn last_number(path: &str, before: &str) -> Option<u64> {
    let segments: Vec<&str> = path.split('/').collect();
    let index = segments.iter().position(|s| *s == before)?;
    segments.get(index + 1)?.parse().ok()
}

impl Responder {
    fn list(&self, request: &Request, items: &[Value]) -> ResponseTemplate {
        let query: Vec<(String, String)> = request
            .url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let get = |name: &str| {
            query
                .iter()
                .find(|(k, _)| k == name)
                .and_then(|(_, v)| v.parse::<usize>().ok())
        };
        let per_page = get("per_page").unwrap_or(30).clamp(1, 100);
        let page = get("page").unwrap_or(1).max(1);
        let pages = items.len().div_ceil(per_page).max(1);
        let slice: Vec<Value> = items
            .iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .cloned()
            .collect();
        let mut response = ResponseTemplate::new(200).set_body_json(Value::Array(slice));
        if pages > 1 {
            let url = |n: usize| {
                format!(
                    "<{}{}?per_page={per_page}&page={n}>",
                    self.base,
                    request.url.path()
                )
            };
            let mut links = Vec::new();
            if page < pages {
                links.push(format!("{}; rel=\"next\"", url(page + 1)));
                links.push(format!("{}; rel=\"last\"", url(pages)));
            }
            if page > 1 {
                links.push(format!("{}; rel=\"first\"", url(1)));
                links.push(format!("{}; rel=\"prev\"", url(page - 1)));
            }
            response = response.insert_header("link", links.join(", ").as_str());
        }
        response
    }
}

impl Respond for Responder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if request.method.as_str() != "GET" && self.read_only(request) {
            self.state.lock().expect("state lock").refused_writes += 1;
            return ResponseTemplate::new(403).set_body_json(json!({
                "message": "Resource not accessible by integration",
                "documentation_url": "https://docs.github.com/rest",
                "status": "403"
            }));
        }
        let (status, response) = self.respond_to(request);
        let mut state = self.state.lock().expect("state lock");
        let created = matches!(self.kind, Kind::CreateIssueComment | Kind::CreateReview);
        if created && state.lose_answers > 0 && (200..300).contains(&status) {
            state.lose_answers -= 1;
            return ResponseTemplate::new(502).set_body_json(json!({"message": "Server Error"}));
        }
        response
    }
}

impl Responder {
    /// Whether the request's token is one of the read-only ones.
    fn read_only(&self, request: &Request) -> bool {
        let header = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("token "))
            .unwrap_or(header);
        let state = self.state.lock().expect("state lock");
        state.read_only_tokens.iter().any(|t| t == token)
    }

    /// Apply the request to the state; the status and the response.
    fn respond_to(&self, request: &Request) -> (u16, ResponseTemplate) {
        let mut state = self.state.lock().expect("state lock");
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let path = request.url.path().to_string();
        let not_found = || {
            (
                404,
                ResponseTemplate::new(404).set_body_json(
                    json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"}),
                ),
            )
        };
        match self.kind {
            // The Actions token may not read `/user` (what GitHub answers).
            Kind::GetAuthenticatedUser => (
                403,
                ResponseTemplate::new(403).set_body_json(json!({
                    "message": "Resource not accessible by integration",
                    "documentation_url": "https://docs.github.com/rest/users/users#get-the-authenticated-user",
                    "status": "403"
                })),
            ),
            Kind::ListIssueComments => {
                let items = state.issue_comments.clone();
                (200, self.list(request, &items))
            }
            Kind::ListReviewComments => {
                let mut items = state.review_comments.clone();
                for item in &mut items {
                    let id = item["id"].as_u64().unwrap_or_default();
                    let count = |content: &str| {
                        state
                            .reactions
                            .iter()
                            .filter(|(c, _, k)| *c == id && k == content)
                            .count()
                    };
                    item["reactions"]["+1"] = json!(count("+1"));
                    item["reactions"]["-1"] = json!(count("-1"));
                    item["reactions"]["total_count"] = json!(count("+1") + count("-1"));
                }
                (200, self.list(request, &items))
            }
            Kind::GetPermission => {
                let segments: Vec<&str> = path.split('/').collect();
                let Some(login) = segments.iter().rev().nth(1).map(|s| s.to_string()) else {
                    return not_found();
                };
                let permission = if state.writers.contains(&login) {
                    "write"
                } else {
                    "read"
                };
                let mut answer = openapi_example(
                    "repository-collaborator-permission-response-if-user-has-admin-permissions",
                );
                answer["permission"] = json!(permission);
                answer["role_name"] = json!(permission);
                answer["user"] = person(&login);
                (200, ResponseTemplate::new(200).set_body_json(answer))
            }
            Kind::ListIssueEvents => {
                let items = state.issue_events.clone();
                (200, self.list(request, &items))
            }
            Kind::ListReviewCommentReactions => {
                let Some(id) = last_number(&path, "comments") else {
                    return not_found();
                };
                let wanted = request
                    .url
                    .query_pairs()
                    .find(|(k, _)| k == "content")
                    .map(|(_, v)| v.into_owned());
                let template = openapi_example("reaction");
                let items: Vec<Value> = state
                    .reactions
                    .iter()
                    .filter(|(c, _, k)| *c == id && wanted.as_ref().is_none_or(|w| w == k))
                    .enumerate()
                    .map(|(index, (_, login, content))| {
                        let mut reaction = template.clone();
                        reaction["id"] = json!(index + 1);
                        reaction["user"] = person(login);
                        reaction["content"] = json!(content);
                        reaction
                    })
                    .collect();
                (200, self.list(request, &items))
            }
            Kind::GetPullRequest => {
                let Some(number) = last_number(&path, "pulls") else {
                    return not_found();
                };
                let Some((_, head, head_repository)) =
                    state.pulls.iter().find(|(n, _, _)| *n == number).cloned()
                else {
                    return not_found();
                };
                let mut pull = openapi_example("pull-request");
                pull["number"] = json!(number);
                pull["head"]["sha"] = json!(head);
                pull["head"]["repo"]["full_name"] = json!(head_repository);
                (200, ResponseTemplate::new(200).set_body_json(pull))
            }
            Kind::CreateIssueComment => {
                let Some(number) = last_number(&path, "issues") else {
                    return not_found();
                };
                let id = state.id();
                let mut comment = openapi_example("issue-comment");
                comment["id"] = json!(id);
                comment["body"] = body["body"].clone();
                comment["user"] = bot_user();
                comment["author_association"] = json!("NONE");
                comment["created_at"] = json!(now());
                comment["updated_at"] = json!(now());
                comment["url"] = json!(format!(
                    "https://api.github.com/repos/{}/issues/comments/{id}",
                    self.repository
                ));
                comment["html_url"] = json!(format!(
                    "https://github.com/{}/pull/{number}#issuecomment-{id}",
                    self.repository
                ));
                comment["issue_url"] = json!(format!(
                    "https://api.github.com/repos/{}/issues/{number}",
                    self.repository
                ));
                state.issue_comments.push(comment.clone());
                (201, ResponseTemplate::new(201).set_body_json(comment))
            }
            Kind::UpdateIssueComment => {
                let Some(id) = last_number(&path, "comments") else {
                    return not_found();
                };
                let Some(comment) = state
                    .issue_comments
                    .iter_mut()
                    .find(|c| c["id"] == json!(id))
                else {
                    return not_found();
                };
                comment["body"] = body["body"].clone();
                comment["updated_at"] = json!(now());
                (
                    200,
                    ResponseTemplate::new(200).set_body_json(comment.clone()),
                )
            }
            Kind::UpdateReviewComment => {
                let Some(id) = last_number(&path, "comments") else {
                    return not_found();
                };
                let Some(comment) = state
                    .review_comments
                    .iter_mut()
                    .find(|c| c["id"] == json!(id))
                else {
                    return not_found();
                };
                comment["body"] = body["body"].clone();
                comment["updated_at"] = json!(now());
                (
                    200,
                    ResponseTemplate::new(200).set_body_json(comment.clone()),
                )
            }
            Kind::CreateReview => {
                let Some(number) = last_number(&path, "pulls") else {
                    return not_found();
                };
                let comments = body["comments"].as_array().cloned().unwrap_or_default();
                if let Some(allowed) = &state.diff_lines {
                    for comment in &comments {
                        let file = comment["path"].as_str().unwrap_or_default();
                        let line = comment["line"].as_u64().unwrap_or(0) as u32;
                        let first = comment["start_line"].as_u64().map_or(line, |l| l as u32);
                        let inside = allowed
                            .iter()
                            .any(|(p, a, b)| p == file && *a <= first && line <= *b);
                        if !inside {
                            return (
                                422,
                                ResponseTemplate::new(422).set_body_json(json!({
                                    "message": "Unprocessable Entity",
                                    "errors": ["Line could not be resolved"],
                                    "documentation_url": "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request",
                                    "status": "422"
                                })),
                            );
                        }
                    }
                }
                let review_id = state.id();
                let commit = body["commit_id"].clone();
                for comment in comments {
                    let id = state.id();
                    let mut stored = openapi_example("pull-request-review-comment");
                    if let Some(object) = stored.as_object_mut() {
                        object.remove("in_reply_to_id");
                    }
                    stored["id"] = json!(id);
                    stored["pull_request_review_id"] = json!(review_id);
                    stored["path"] = comment["path"].clone();
                    stored["line"] = comment["line"].clone();
                    stored["original_line"] = comment["line"].clone();
                    stored["side"] = comment["side"].clone();
                    stored["start_line"] =
                        comment.get("start_line").cloned().unwrap_or(Value::Null);
                    stored["original_start_line"] = stored["start_line"].clone();
                    stored["start_side"] =
                        comment.get("start_side").cloned().unwrap_or(Value::Null);
                    stored["body"] = comment["body"].clone();
                    stored["commit_id"] = commit.clone();
                    stored["original_commit_id"] = commit.clone();
                    stored["user"] = bot_user();
                    stored["author_association"] = json!("NONE");
                    stored["created_at"] = json!(now());
                    stored["updated_at"] = json!(now());
                    state.review_comments.push(stored);
                }
                let mut review = openapi_example("pull-request-review");
                review["id"] = json!(review_id);
                review["user"] = bot_user();
                review["body"] = body["body"].clone();
                review["state"] = json!("COMMENTED");
                review["commit_id"] = commit;
                review["author_association"] = json!("NONE");
                review["html_url"] = json!(format!(
                    "https://github.com/{}/pull/{number}#pullrequestreview-{review_id}",
                    self.repository
                ));
                state.reviews.push(review.clone());
                (200, ResponseTemplate::new(200).set_body_json(review))
            }
        }
    }
}

/// A real `pull_request` webhook payload (npm `@octokit/webhooks-examples`)
/// for `action`, pointed at local commits.
pub fn pull_request_event(action: &str, base: &str, head: &str) -> Value {
    let mut event = webhook_example("pull_request", |e| e["action"] == action);
    event["pull_request"]["base"]["sha"] = json!(base);
    event["pull_request"]["head"]["sha"] = json!(head);
    event
}

/// The first example of a webhook event that `pick` accepts.
pub fn webhook_example(name: &str, pick: impl Fn(&Value) -> bool) -> Value {
    let path = node_module_file("@octokit/webhooks-examples/api.github.com/index.json");
    let text = std::fs::read_to_string(path).expect("read the webhook examples");
    let all: Value = serde_json::from_str(&text).expect("the webhook examples are JSON");
    all.as_array()
        .into_iter()
        .flatten()
        .find(|e| e["name"] == name)
        .and_then(|e| e["examples"].as_array())
        .and_then(|examples| examples.iter().find(|e| pick(e)).cloned())
        .unwrap_or_else(|| panic!("no {name} example in @octokit/webhooks-examples"))
}
