//! The REST client: octocrab for transport and authentication; retries,
//! pagination and error messages are ours.

use super::GitHubError;
use super::retry::{LimitHeaders, RetryPolicy, Verdict};
use http::{HeaderMap, Method, StatusCode};
use octocrab::Octocrab;
use serde_json::Value;
use std::future::Future;
use std::time::{Duration, SystemTime};

/// Pages fetched at most by one list call (100 items each).
const MAX_PAGES: usize = 100;

/// How to reach GitHub.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// `GITHUB_API_URL`, e.g. `https://api.github.com` or
    /// `https://ghe.example.com/api/v3`.
    pub api_url: String,
    /// The token (never printed).
    pub token: String,
    /// Retries.
    pub retry: RetryPolicy,
    /// Connect and read timeout of one request.
    pub timeout: Duration,
}

/// A GitHub REST client.
#[derive(Debug)]
pub struct Client {
    octocrab: Octocrab,
    api_url: String,
    retry: RetryPolicy,
}

/// A response as we use it.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Client {
    /// Build a client; fails on a malformed URL or token, naming which.
    pub fn new(options: &ClientOptions) -> Result<Client, GitHubError> {
        let api_url = options.api_url.trim().trim_end_matches('/').to_string();
        let uri: http::Uri = api_url.parse().map_err(|_| {
            GitHubError::Setup(format!(
                "GITHUB_API_URL `{api_url}` is not a URL: use e.g. https://api.github.com or https://HOST/api/v3"
            ))
        })?;
        if uri.scheme().is_none() || uri.authority().is_none() {
            return Err(GitHubError::Setup(format!(
                "GITHUB_API_URL `{api_url}` is not an absolute http(s) URL: use e.g. https://api.github.com"
            )));
        }
        let token = options.token.trim();
        // octocrab panics on a token that is not a valid header value.
        if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(GitHubError::Setup(
                "the github-token input is empty or contains characters a token cannot have (spaces, new lines): pass `github-token: ${{ github.token }}`"
                    .to_string(),
            ));
        }
        let octocrab = Octocrab::builder()
            .base_uri(uri)
            .map_err(|e| GitHubError::Setup(format!("GITHUB_API_URL `{api_url}`: {e}")))?
            .personal_token(token.to_string())
            .add_header(
                http::header::ACCEPT,
                "application/vnd.github+json".to_string(),
            )
            .add_header(
                http::header::HeaderName::from_static("x-github-api-version"),
                "2022-11-28".to_string(),
            )
            .add_header(
                http::header::USER_AGENT,
                format!("handoff/{}", env!("CARGO_PKG_VERSION")),
            )
            .set_connect_timeout(Some(options.timeout))
            .set_read_timeout(Some(options.timeout))
            .set_write_timeout(Some(options.timeout))
            .build()
            .map_err(|e| GitHubError::Setup(one_line(&e.to_string())))?;
        Ok(Client {
            octocrab,
            api_url,
            retry: options.retry,
        })
    }

    /// Every item of a list endpoint (`GET path`), following the `Link`
    /// header's `next` page (100 items per page).
    pub async fn get_all(&self, path: &str) -> Result<Vec<Value>, GitHubError> {
        let separator = if path.contains('?') { '&' } else { '?' };
        let mut next = Some(format!("{path}{separator}per_page=100"));
        let mut items = Vec::new();
        let mut pages = 0;
        while let Some(uri) = next.take() {
            pages += 1;
            let answer = self.send(Method::GET, path, &uri, None).await?;
            let page: Value = parse_json(&Method::GET, path, &answer.body)?;
            let Value::Array(page) = page else {
                return Err(GitHubError::InvalidResponse {
                    method: Method::GET.to_string(),
                    path: path.to_string(),
                    cause: "expected a JSON array".to_string(),
                });
            };
            items.extend(page);
            if pages >= MAX_PAGES {
                break;
            }
            next = next_link(&answer.headers);
        }
        Ok(items)
    }

    /// `GET path` of one object.
    pub async fn get_one(&self, path: &str) -> Result<Value, GitHubError> {
        let answer = self.send(Method::GET, path, path, None).await?;
        parse_json(&Method::GET, path, &answer.body)
    }

    /// `PATCH path` with a JSON body (idempotent, so retried freely).
    pub async fn patch(&self, path: &str, body: &Value) -> Result<Value, GitHubError> {
        let answer = self.send(Method::PATCH, path, path, Some(body)).await?;
        parse_json(&Method::PATCH, path, &answer.body)
    }

    /// `POST path` that creates something. A POST that failed with a server
    /// error or no answer may still have been applied, so before each retry
    /// `already_created` is asked whether it was (and its result returned).
    pub async fn create<F, Fut>(
        &self,
        path: &str,
        body: &Value,
        already_created: F,
    ) -> Result<Value, GitHubError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<Option<Value>, GitHubError>>,
    {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let outcome = self.attempt(&Method::POST, path, Some(body)).await;
            let (verdict, maybe_applied, result) =
                self.judge(&Method::POST, path, outcome, attempt);
            match verdict {
                Verdict::Retry(wait) => {
                    tokio::time::sleep(wait).await;
                    if maybe_applied && let Some(created) = already_created().await? {
                        return Ok(created);
                    }
                }
                _ => {
                    let answer = result?;
                    return parse_json(&Method::POST, path, &answer.body);
                }
            }
        }
    }

    /// One request with retries; an error status after the last attempt is an error.
    async fn send(
        &self,
        method: Method,
        path: &str,
        uri: &str,
        body: Option<&Value>,
    ) -> Result<Answer, GitHubError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let outcome = self.attempt(&method, uri, body).await;
            let (verdict, _, result) = self.judge(&method, path, outcome, attempt);
            match verdict {
                Verdict::Retry(wait) => tokio::time::sleep(wait).await,
                _ => return result,
            }
        }
    }

    /// Decide about one attempt: the verdict, whether the request may have
    /// been applied, and the result to return if it is final.
    fn judge(
        &self,
        method: &Method,
        path: &str,
        outcome: Result<Answer, String>,
        attempt: u32,
    ) -> (Verdict, bool, Result<Answer, GitHubError>) {
        match outcome {
            Ok(answer) => {
                let status = answer.status.as_u16();
                let verdict = if answer.status.is_success() {
                    Verdict::Final
                } else {
                    self.retry.judge(
                        status,
                        &limit_headers(&answer.headers),
                        &answer.body,
                        attempt,
                        SystemTime::now(),
                    )
                };
                let result = match verdict {
                    Verdict::RateLimitedFor(wait) => Err(GitHubError::RateLimited {
                        method: method.to_string(),
                        path: path.to_string(),
                        seconds: wait.as_secs(),
                    }),
                    _ if answer.status.is_success() => Ok(answer),
                    _ => Err(GitHubError::Status {
                        method: method.to_string(),
                        path: path.to_string(),
                        status,
                        message: error_message(&answer.body),
                    }),
                };
                (verdict, status >= 500, result)
            }
            Err(cause) => (
                self.retry.judge_transport_error(attempt),
                true,
                Err(GitHubError::Transport {
                    method: method.to_string(),
                    path: path.to_string(),
                    api: self.api_url.clone(),
                    cause,
                }),
            ),
        }
    }

    /// Send one request; `Err` only when there is no answer at all.
    async fn attempt(
        &self,
        method: &Method,
        uri: &str,
        body: Option<&Value>,
    ) -> Result<Answer, String> {
        let response = match *method {
            Method::GET => self.octocrab._get(uri).await,
            Method::POST => self.octocrab._post(uri, body).await,
            Method::PATCH => self.octocrab._patch(uri, body).await,
            _ => return Err(format!("method {method} is not used by Handoff")),
        }
        .map_err(|e| transport_cause(&e))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = self
            .octocrab
            .body_to_string(response)
            .await
            .map_err(|e| transport_cause(&e))?;
        Ok(Answer {
            status,
            headers,
            body,
        })
    }
}

fn parse_json(method: &Method, path: &str, body: &str) -> Result<Value, GitHubError> {
    if body.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(body).map_err(|e| GitHubError::InvalidResponse {
        method: method.to_string(),
        path: path.to_string(),
        cause: e.to_string(),
    })
}

fn limit_headers(headers: &HeaderMap) -> LimitHeaders {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    LimitHeaders {
        retry_after: get("retry-after"),
        remaining: get("x-ratelimit-remaining"),
        reset: get("x-ratelimit-reset"),
    }
}

/// The `rel="next"` URL of a `Link` header.
pub(crate) fn next_link(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(http::header::LINK)
        .iter()
        .find_map(|value| {
            let value = value.to_str().ok()?;
            value.split(',').find_map(|part| {
                let (url, params) = part.split_once(';')?;
                let is_next = params
                    .split(';')
                    .any(|p| matches!(p.trim(), "rel=\"next\"" | "rel=next"));
                let url = url.trim().strip_prefix('<')?.strip_suffix('>')?;
                is_next.then(|| url.to_string())
            })
        })
}

/// GitHub's `message` and error details, on one short line.
fn error_message(body: &str) -> String {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let mut message = match &parsed {
        Some(json) => {
            let mut text = json["message"].as_str().unwrap_or("no message").to_string();
            if let Some(errors) = json["errors"].as_array() {
                let details: Vec<String> = errors
                    .iter()
                    .map(|e| match e {
                        Value::String(s) => s.clone(),
                        other => other["message"]
                            .as_str()
                            .or(other["code"].as_str())
                            .unwrap_or("")
                            .to_string(),
                    })
                    .filter(|d| !d.is_empty())
                    .collect();
                if !details.is_empty() {
                    text.push_str(" (");
                    text.push_str(&details.join("; "));
                    text.push(')');
                }
            }
            text
        }
        None if body.trim().is_empty() => "empty body".to_string(),
        None => body.to_string(),
    };
    message = one_line(&message);
    if message.chars().count() > 300 {
        message = message.chars().take(299).collect::<String>() + "…";
    }
    message
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The cause of a transport failure, with its source chain, on one line.
fn transport_cause(error: &octocrab::Error) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    one_line(&parts.join(": "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_link_is_read_from_the_link_header() {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::LINK,
            http::HeaderValue::from_static(
                "<https://api.github.com/repositories/1/issues/2/comments?per_page=100&page=2>; rel=\"next\", <https://api.github.com/repositories/1/issues/2/comments?per_page=100&page=3>; rel=\"last\"",
            ),
        );
        assert_eq!(
            next_link(&headers).as_deref(),
            Some("https://api.github.com/repositories/1/issues/2/comments?per_page=100&page=2")
        );
        headers.insert(
            http::header::LINK,
            http::HeaderValue::from_static(
                "<https://x/y?page=1>; rel=\"prev\", <https://x/y?page=1>; rel=\"first\"",
            ),
        );
        assert_eq!(next_link(&headers), None);
    }

    #[test]
    fn error_message_keeps_github_details_on_one_line() {
        let body = r#"{"message":"Unprocessable Entity","errors":["Line could not be resolved",{"resource":"PullRequestReviewComment","code":"invalid"}]}"#;
        assert_eq!(
            error_message(body),
            "Unprocessable Entity (Line could not be resolved; invalid)"
        );
        assert_eq!(error_message(""), "empty body");
    }

    #[test]
    fn malformed_tokens_and_urls_are_setup_errors_without_the_token() {
        let options = |api: &str, token: &str| ClientOptions {
            api_url: api.to_string(),
            token: token.to_string(),
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(5),
        };
        let error =
            Client::new(&options("https://api.github.com", "ghs_abc\ndef")).expect_err("bad token");
        assert!(!error.to_string().contains("ghs_abc"), "{error}");
        let error = Client::new(&options("not a url", "ghs_abc")).expect_err("bad url");
        assert!(error.to_string().contains("GITHUB_API_URL"), "{error}");
    }
}
