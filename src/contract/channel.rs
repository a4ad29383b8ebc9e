//! Where a payload travels: a message topic, the body of a request to a
//! route, or the response of a route. Producers and consumers meet on a
//! channel.

use std::fmt;

/// A route path, normalised: literal segments and parameters
/// (`/orders/:id`, `/orders/{id}`, `/orders/<int:id>` and `${base}/orders/${id}`
/// all have the segments `orders`, `*` after any host part).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Route {
    /// The segments; `None` is a parameter.
    segments: Vec<Option<String>>,
}

impl Route {
    /// Parse a route or URL as written; `None` when it has no literal segment.
    pub fn parse(text: &str) -> Option<Route> {
        let mut rest = text.trim();
        if let Some(scheme) = rest.find("://") {
            rest = &rest[scheme + 3..];
            rest = rest.find('/').map_or("", |slash| &rest[slash..]);
        }
        let rest = rest.split(['?', '#']).next().unwrap_or(rest);
        let mut segments: Vec<Option<String>> = Vec::new();
        let parts: Vec<&str> = rest.split('/').collect();
        for (position, part) in parts.iter().enumerate() {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let templated = part.contains("${") || part.contains('{') || part.contains('<');
            // A leading `${API_BASE}` or `{settings.BASE}` before the first `/`
            // is a host, not a path segment.
            if position == 0 && templated && !text.trim_start().starts_with('/') {
                continue;
            }
            if part.starts_with(':') || templated || part == "*" {
                segments.push(None);
            } else {
                segments.push(Some(part.to_string()));
            }
        }
        segments
            .iter()
            .any(Option::is_some)
            .then_some(Route { segments })
    }

    /// Whether two routes can be the same endpoint: one is a suffix of the
    /// other, segment by segment (a router mounted under `/api` serves
    /// `/orders` as `/api/orders`), parameters matching anything, and at
    /// least one literal of each stands against the same literal of the
    /// other: `/:id/refund` and `/tokens/:name` only meet where each
    /// parameter swallows the other's literal, which says nothing.
    pub fn matches(&self, other: &Route) -> bool {
        let (short, long) = if self.segments.len() <= other.segments.len() {
            (&self.segments, &other.segments)
        } else {
            (&other.segments, &self.segments)
        };
        let offset = long.len() - short.len();
        let pairs = || short.iter().zip(&long[offset..]);
        pairs().all(|(a, b)| match (a, b) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        }) && pairs().any(|(a, b)| a.is_some() && b.is_some())
    }

    /// How many parameters follow the last literal segment (`/orders/:id` has one).
    pub fn trailing_parameters(&self) -> usize {
        self.segments
            .iter()
            .rev()
            .take_while(|s| s.is_none())
            .count()
    }

    /// The literal segments, for searching the repository's text.
    pub fn literals(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().flatten().map(String::as_str)
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for segment in &self.segments {
            f.write_str("/")?;
            f.write_str(segment.as_deref().unwrap_or(":param"))?;
        }
        Ok(())
    }
}

/// Where a payload travels.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    /// A message topic, queue, event or job name (`order.created`).
    Topic(String),
    /// The body of a request to a route.
    Request {
        /// The HTTP method in upper case, when the code says it.
        method: Option<String>,
        /// The route.
        route: Route,
    },
    /// The JSON body of a route's response.
    Response {
        /// The route.
        route: Route,
    },
    /// A consumer known only by its function name
    /// (`handle_order_created_event`, `onOrderCreatedEvent`): it receives
    /// the topics whose words appear in its name, in order.
    Named {
        /// The words of the function name, lower case.
        words: Vec<String>,
    },
}

/// The lower-case words of an identifier or topic: split at `_`, `-`, `.`,
/// `:`, `/`, spaces and lower-to-upper case changes.
pub fn words(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for ch in text.chars() {
        if !ch.is_alphanumeric() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if ch.is_uppercase() && previous_lower && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        previous_lower = ch.is_lowercase() || ch.is_ascii_digit();
        current.extend(ch.to_lowercase());
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Whether the words of a topic appear, in order and adjacent, in the words
/// of a consumer's name.
fn named_after(topic: &str, name_words: &[String]) -> bool {
    let topic_words = words(topic);
    !topic_words.is_empty()
        && name_words
            .windows(topic_words.len())
            .any(|window| window == topic_words.as_slice())
}

impl Channel {
    /// Whether a producer on `self` and a consumer on `other` meet.
    pub fn meets(&self, other: &Channel) -> bool {
        match (self, other) {
            (Channel::Topic(a), Channel::Topic(b)) => a == b,
            (
                Channel::Request {
                    method: ma,
                    route: ra,
                },
                Channel::Request {
                    method: mb,
                    route: rb,
                },
            ) => {
                let methods_agree = match (ma, mb) {
                    (Some(a), Some(b)) => a == b,
                    _ => true,
                };
                methods_agree && ra.matches(rb)
            }
            (Channel::Response { route: a }, Channel::Response { route: b }) => a.matches(b),
            (Channel::Topic(topic), Channel::Named { words })
            | (Channel::Named { words }, Channel::Topic(topic)) => named_after(topic, words),
            _ => false,
        }
    }

    /// The literal text a file that uses this channel must contain, with a
    /// regular expression that confirms it is written as this channel: a
    /// topic as a whole string literal, a route path ending where a path
    /// ends (a router mounted elsewhere still ends the same way).
    pub fn needles(&self) -> Vec<(String, String)> {
        match self {
            // The topic as a string; and, for consumers known by name, the
            // topic's words in a declared function's name.
            Channel::Topic(topic) => {
                let mut needles = vec![(
                    topic.clone(),
                    format!("['\"`]{}['\"`]", regex::escape(topic)),
                )];
                let parts = words(topic);
                if parts.len() > 1 {
                    let snake = parts.join("_");
                    let pascal: String = parts
                        .iter()
                        .map(|w| {
                            let mut chars = w.chars();
                            chars.next().map_or(String::new(), |first| {
                                first.to_uppercase().collect::<String>() + chars.as_str()
                            })
                        })
                        .collect();
                    for form in [snake, pascal] {
                        let declared = format!(
                            r"(?i)(?:\bdef|\bfn|\bfunction|\bconst|\blet)\s+\w*{}\w*",
                            regex::escape(&form)
                        );
                        needles.push((form, declared));
                    }
                }
                needles
            }
            Channel::Request { route, .. } | Channel::Response { route } => {
                let Some(last) = route.literals().last() else {
                    return Vec::new();
                };
                vec![(
                    format!("/{last}"),
                    format!(
                        "/{}(?:/[^/'\"`\\s]+){{{}}}/?['\"`?#]",
                        regex::escape(last),
                        route.trailing_parameters()
                    ),
                )]
            }
            // A name does not say which topic string to look for.
            Channel::Named { .. } => Vec::new(),
        }
    }

    /// How messages name the channel: "`order.created`", "the body of `POST /orders`".
    pub fn describe(&self) -> String {
        match self {
            Channel::Topic(topic) => format!("`{topic}`"),
            Channel::Request { method, route } => match method {
                Some(method) => format!("the body of `{method} {route}`"),
                None => format!("the body of requests to `{route}`"),
            },
            Channel::Response { route } => format!("the response of `{route}`"),
            Channel::Named { words } => format!("the topic named in `{}`", words.join("_")),
        }
    }

    /// What a consumer of the channel is called, for messages.
    pub fn consumer_noun(&self) -> &'static str {
        match self {
            Channel::Topic(_) | Channel::Named { .. } => "consumer",
            Channel::Request { .. } => "route handler",
            Channel::Response { .. } => "client",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(text: &str) -> Route {
        Route::parse(text).unwrap_or_else(|| panic!("`{text}` is a route"))
    }

    #[test]
    fn route_styles_of_every_framework_normalise_alike() {
        let express = route("/orders/:id");
        assert!(express.matches(&route("/orders/{order_id}")));
        assert!(express.matches(&route("/orders/<int:order_id>")));
        assert!(express.matches(&route("${API_BASE}/orders/${id}")));
        assert!(express.matches(&route("https://shop.example.com/api/orders/42")));
        assert!(!express.matches(&route("/customers/:id")));
    }

    #[test]
    fn a_mounted_router_matches_by_suffix() {
        assert!(route("/orders").matches(&route("/api/orders")));
        assert!(!route("/orders").matches(&route("/api/orders/refunds")));
        assert_eq!(Route::parse("${BASE}"), None);
    }

    #[test]
    fn routes_meet_on_a_shared_literal_not_on_crossed_parameters() {
        assert!(!route("/{entity_id}/refund").matches(&route("/tokens/{name}")));
        assert!(route("/{entity_id}/refund").matches(&route("/docs/{id}/refund")));
        assert!(route("/users/me").matches(&route("/users/:id")));
    }

    #[test]
    fn request_channels_meet_only_with_compatible_methods() {
        let post = Channel::Request {
            method: Some("POST".into()),
            route: route("/orders"),
        };
        let get = Channel::Request {
            method: Some("GET".into()),
            route: route("/orders"),
        };
        let any = Channel::Request {
            method: None,
            route: route("/api/orders"),
        };
        assert!(post.meets(&any));
        assert!(!post.meets(&get));
        assert!(!post.meets(&Channel::Topic("/orders".into())));
    }

    #[test]
    fn consumers_known_by_name_meet_the_topic_their_name_spells() {
        let topic = Channel::Topic("order.created".into());
        let named = |name: &str| Channel::Named { words: words(name) };
        assert!(topic.meets(&named("handle_order_created_event")));
        assert!(topic.meets(&named("onOrderCreatedEvent")));
        assert!(topic.meets(&named("OrderCreatedConsumer")));
        assert!(!topic.meets(&named("handle_suborder_created_event")));
        assert!(!topic.meets(&named("handle_order_cancelled_event")));
        assert_eq!(
            words("HTTPServer_v2.orderID"),
            vec!["httpserver", "v2", "order", "id"]
        );
    }

    #[test]
    fn needles_confirm_topics_as_strings_and_routes_as_path_ends() {
        let confirms = |channel: &Channel, text: &str| {
            channel.needles().iter().any(|(literal, pattern)| {
                text.contains(literal.as_str())
                    && regex::Regex::new(pattern).is_ok_and(|r| r.is_match(text))
            })
        };
        let topic = Channel::Topic("order.created".into());
        assert!(confirms(&topic, "bus.on('order.created', f)"));
        assert!(!confirms(&topic, "bus.on('sub_order.created.v2', f)"));
        let refunds = Channel::Request {
            method: None,
            route: route("/orders/:id/refunds/:refund"),
        };
        assert!(confirms(
            &refunds,
            "fetch(`${api}/orders/${id}/refunds/${r}`)"
        ));
        assert!(confirms(
            &refunds,
            "@app.post(\"/refunds/<int:refund_id>\")"
        ));
        assert!(!confirms(&refunds, "fetch('/refunds')"));
        assert!(!confirms(
            &refunds,
            "const REFUNDS_DIR = '/refunds/archive/2024';"
        ));
    }
}
