//! When to retry a GitHub API call, and how long to wait first.
//!
//! GitHub asks clients to retry server errors with backoff, to wait for the
//! time in `Retry-After` on secondary rate limits, and to wait until
//! `x-ratelimit-reset` when the primary rate limit is used up
//! (`x-ratelimit-remaining: 0`). A 403 with none of these is a permission
//! problem and is never retried.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How hard to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per request, the first included.
    pub max_attempts: u32,
    /// The first backoff delay; it doubles on each further attempt.
    pub base_delay: Duration,
    /// The longest single wait; a rate limit that resets later is an error.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_secs(1),
            max_wait: Duration::from_secs(90),
        }
    }
}

/// What to do with a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The response is final (success or an error not worth retrying).
    Final,
    /// Wait this long, then try again.
    Retry(Duration),
    /// A rate limit that resets too late to wait for.
    RateLimitedFor(Duration),
}

/// The response headers the verdict depends on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LimitHeaders {
    /// `Retry-After` (seconds).
    pub retry_after: Option<String>,
    /// `x-ratelimit-remaining`.
    pub remaining: Option<String>,
    /// `x-ratelimit-reset` (Unix seconds).
    pub reset: Option<String>,
}

impl RetryPolicy {
    /// The exponential backoff before attempt `attempt + 1` (`attempt` ≥ 1).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1u32 << attempt.saturating_sub(1).min(10);
        self.base_delay.saturating_mul(factor).min(self.max_wait)
    }

    /// Judge the response to attempt `attempt` (1-based).
    pub fn judge(
        &self,
        status: u16,
        headers: &LimitHeaders,
        body: &str,
        attempt: u32,
        now: SystemTime,
    ) -> Verdict {
        let wait = match status {
            500..=599 => Some(retry_after(headers).unwrap_or_else(|| self.backoff(attempt))),
            403 | 429 => {
                if let Some(after) = retry_after(headers) {
                    Some(after)
                } else if headers.remaining.as_deref().map(str::trim) == Some("0") {
                    Some(until_reset(headers, now).unwrap_or_else(|| self.backoff(attempt)))
                } else if status == 429 || mentions_secondary_limit(body) {
                    // GitHub: with no header, wait at least a minute.
                    Some(Duration::from_secs(60).max(self.backoff(attempt)))
                } else {
                    None
                }
            }
            _ => None,
        };
        match wait {
            None => Verdict::Final,
            Some(wait) if wait > self.max_wait => Verdict::RateLimitedFor(wait),
            Some(_) if attempt >= self.max_attempts => Verdict::Final,
            Some(wait) => Verdict::Retry(wait),
        }
    }

    /// Judge a request that got no response (connection refused, reset, timeout).
    pub fn judge_transport_error(&self, attempt: u32) -> Verdict {
        if attempt >= self.max_attempts {
            Verdict::Final
        } else {
            Verdict::Retry(self.backoff(attempt))
        }
    }
}

fn retry_after(headers: &LimitHeaders) -> Option<Duration> {
    let seconds: u64 = headers.retry_after.as_deref()?.trim().parse().ok()?;
    Some(Duration::from_secs(seconds))
}

fn until_reset(headers: &LimitHeaders, now: SystemTime) -> Option<Duration> {
    let reset: u64 = headers.reset.as_deref()?.trim().parse().ok()?;
    let now = now.duration_since(UNIX_EPOCH).ok()?.as_secs();
    // One second of slack: the reset time is rounded down.
    Some(Duration::from_secs(reset.saturating_sub(now) + 1))
}

fn mentions_secondary_limit(body: &str) -> bool {
    let lower = body.to_ascii_lowercase();
    lower.contains("secondary rate limit") || lower.contains("abuse")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(
        retry_after: Option<&str>,
        remaining: Option<&str>,
        reset: Option<&str>,
    ) -> LimitHeaders {
        LimitHeaders {
            retry_after: retry_after.map(str::to_string),
            remaining: remaining.map(str::to_string),
            reset: reset.map(str::to_string),
        }
    }

    fn at(seconds: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(seconds)
    }

    #[test]
    fn server_errors_back_off_exponentially_then_give_up() {
        let policy = RetryPolicy::default();
        let none = LimitHeaders::default();
        assert_eq!(
            policy.judge(502, &none, "", 1, at(0)),
            Verdict::Retry(Duration::from_secs(1))
        );
        assert_eq!(
            policy.judge(503, &none, "", 3, at(0)),
            Verdict::Retry(Duration::from_secs(4))
        );
        assert_eq!(policy.judge(500, &none, "", 5, at(0)), Verdict::Final);
    }

    #[test]
    fn secondary_rate_limit_honours_retry_after() {
        let policy = RetryPolicy::default();
        let limited = headers(Some("1"), None, None);
        assert_eq!(
            policy.judge(403, &limited, "", 1, at(0)),
            Verdict::Retry(Duration::from_secs(1))
        );
        assert_eq!(
            policy.judge(429, &limited, "", 1, at(0)),
            Verdict::Retry(Duration::from_secs(1))
        );
    }

    #[test]
    fn primary_rate_limit_waits_until_the_reset() {
        let policy = RetryPolicy::default();
        let exhausted = headers(None, Some("0"), Some("1010"));
        assert_eq!(
            policy.judge(403, &exhausted, "", 1, at(1000)),
            Verdict::Retry(Duration::from_secs(11))
        );
        let far = headers(None, Some("0"), Some("5000"));
        assert_eq!(
            policy.judge(403, &far, "", 1, at(1000)),
            Verdict::RateLimitedFor(Duration::from_secs(4001))
        );
    }

    #[test]
    fn forbidden_without_rate_limit_signals_is_final() {
        let policy = RetryPolicy::default();
        let plenty = headers(None, Some("4999"), Some("1010"));
        let body = r#"{"message":"Resource not accessible by integration"}"#;
        assert_eq!(
            policy.judge(403, &plenty, body, 1, at(1000)),
            Verdict::Final
        );
        assert_eq!(policy.judge(404, &plenty, "", 1, at(1000)), Verdict::Final);
        assert_eq!(policy.judge(422, &plenty, "", 1, at(1000)), Verdict::Final);
        assert_eq!(policy.judge(201, &plenty, "", 1, at(1000)), Verdict::Final);
    }

    #[test]
    fn secondary_limit_message_without_headers_waits_a_minute() {
        let policy = RetryPolicy::default();
        let body = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.";
        assert_eq!(
            policy.judge(403, &LimitHeaders::default(), body, 1, at(0)),
            Verdict::Retry(Duration::from_secs(60))
        );
    }
}
