//! Templates for Rust: axum handlers, sqlx and Diesel transactions, SeaORM,
//! rdkafka producers and consumers, reqwest clients with retries, plain
//! structs, enums and their impls.

use super::{Kind, Tables, Template};

const HEADER_PLAIN: &[&str] = &[
    "//! @E@ domain types of the @svc@ service.",
    "",
    "use serde::{Deserialize, Serialize};",
    "use std::collections::HashMap;",
    "use std::fmt;",
];

const HEADER_SERVICE: &[&str] = &[
    "//! @E@ handlers and workflows of the @svc@ service.",
    "",
    "use axum::extract::{Json, Path, State};",
    "use axum::http::StatusCode;",
    "use diesel::prelude::*;",
    "use rdkafka::producer::{FutureProducer, FutureRecord};",
    "use serde::{Deserialize, Serialize};",
    "use sqlx::PgPool;",
    "use std::time::Duration;",
    "",
    "use crate::state::AppState;",
];

const PLAIN: &[Template] = &[
    (
        3,
        r#"/// A @s@ as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct @E@Record@id@ {
    pub id: i64,
    pub @g1@: String,
    pub @g2@: Option<String>,
    pub @g3@: Option<String>,
    pub status: @E@Status@id@,
    pub created_at: i64,
}

/// The lifecycle of a @s@.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum @E@Status@id@ {
    Pending,
    Active,
    Suspended,
    Cancelled,
    Archived,
}

impl fmt::Display for @E@Status@id@ {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self {
            Self::Pending => "pending",
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Cancelled => "cancelled",
            Self::Archived => "archived",
        };
        f.write_str(label)
    }
}"#,
    ),
    (
        3,
        r#"impl @E@Record@id@ {
    /// Whether the @s@ can still change.
    pub fn is_open(&self) -> bool {
        !matches!(self.status, @E@Status@id@::Cancelled | @E@Status@id@::Archived)
    }

    /// The fields shown in the admin table.
    pub fn columns(&self) -> Vec<(&'static str, String)> {
        vec![
            ("id", self.id.to_string()),
            ("@g1@", self.@g1@.clone()),
            ("@g2@", self.@g2@.clone().unwrap_or_default()),
            ("status", self.status.to_string()),
        ]
    }
}"#,
    ),
    (
        2,
        r#"/// Errors of the @s@ module.
#[derive(Debug)]
pub enum @E@Error@id@ {
    NotFound(i64),
    Invalid { field: &'static str, reason: String },
    Conflict(String),
}

impl fmt::Display for @E@Error@id@ {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotFound(id) => write!(f, "@s@ {id} not found"),
            Self::Invalid { field, reason } => write!(f, "invalid {field}: {reason}"),
            Self::Conflict(message) => write!(f, "conflict: {message}"),
        }
    }
}

impl std::error::Error for @E@Error@id@ {}"#,
    ),
    (
        2,
        r#"/// Validates a new @s@ before it is stored.
pub fn validate_@s@@id@(@g1@: &str, @g2@: Option<&str>) -> Result<(), String> {
    if @g1@.trim().is_empty() {
        return Err("@g1@ is required".to_string());
    }
    if @g1@.len() > @n@ {
        return Err(format!("@g1@ is longer than {} characters", @n@));
    }
    if let Some(value) = @g2@ {
        if value.chars().any(char::is_control) {
            return Err("@g2@ contains control characters".to_string());
        }
    }
    Ok(())
}"#,
    ),
    (
        2,
        r#"/// Groups @ss@ by their @g1@.
pub fn group_@ss@_by_@g1@@id@(items: &[(i64, String)]) -> HashMap<String, Vec<i64>> {
    let mut groups: HashMap<String, Vec<i64>> = HashMap::new();
    for (id, key) in items {
        groups.entry(key.clone()).or_default().push(*id);
    }
    for ids in groups.values_mut() {
        ids.sort_unstable();
        ids.dedup();
    }
    groups
}"#,
    ),
    (
        1,
        r#"/// Settings of the @s@ module, read from the environment.
#[derive(Debug, Clone, Deserialize)]
pub struct @E@Settings@id@ {
    pub page_size: usize,
    pub max_retries: u32,
    pub partner_url: String,
    pub topic: String,
}

impl Default for @E@Settings@id@ {
    fn default() -> Self {
        Self {
            page_size: @n@,
            max_retries: 5,
            partner_url: "https://@host@".to_string(),
            topic: "@t@".to_string(),
        }
    }
}"#,
    ),
];

const SERVICE: &[Template] = &[
    (
        4,
        r#"/// `GET /@ss@/:id`
pub async fn get_@s@@id@(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Json<serde_json::Value>, StatusCode> {
    let row = sqlx::query_as::<_, (i64, String, String)>("SELECT id, @g1@, status FROM @ss@ WHERE id = $1")
        .bind(id)
        .fetch_optional(&state.pool)
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    match row {
        Some((id, @g1@, status)) => Ok(Json(serde_json::json!({ "id": id, "@g1@": @g1@, "status": status }))),
        None => Err(StatusCode::NOT_FOUND),
    }
}"#,
    ),
    (
        3,
        r#"/// `POST /@ss@`: stores the @s@ and an outbox row in one transaction.
pub async fn create_@s@@id@(State(state): State<AppState>, Json(input): Json<serde_json::Value>) -> Result<StatusCode, StatusCode> {
    let mut tx = state.pool.begin().await.map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    let id: i64 = sqlx::query_scalar("INSERT INTO @ss@ (@g1@, status) VALUES ($1, 'pending') RETURNING id")
        .bind(input["@g1@"].as_str().unwrap_or_default())
        .fetch_one(&mut *tx)
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    sqlx::query("INSERT INTO outbox (topic, key) VALUES ('@t@', $1)")
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    tx.commit().await.map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    Ok(StatusCode::CREATED)
}"#,
    ),
    (
        3,
        r#"/// Pushes a @s@ to the partner API, retrying with the same idempotency key.
pub async fn push_@s@_to_partner@id@(client: &reqwest::Client, id: i64) -> Result<(), reqwest::Error> {
    let key = format!("@s@-{id}");
    let mut attempt = 0;
    loop {
        attempt += 1;
        let result = client
            .post("https://partner.example.com/v1/@ss@")
            .header("Idempotency-Key", &key)
            .json(&serde_json::json!({ "reference": id }))
            .send()
            .await
            .and_then(|response| response.error_for_status());
        match result {
            Ok(_) => return Ok(()),
            Err(error) if attempt < 5 => {
                tracing::warn!(%error, attempt, "partner push failed, retrying");
                tokio::time::sleep(Duration::from_millis(200 * attempt)).await;
            }
            Err(error) => return Err(error),
        }
    }
}"#,
    ),
    (
        3,
        r#"/// Consumes `@t@` and updates the read model.
pub async fn handle_@s@_@ev@_message@id@(pool: &PgPool, key: &str, payload: &[u8]) -> anyhow::Result<()> {
    let event: serde_json::Value = serde_json::from_slice(payload)?;
    let seen: Option<i64> = sqlx::query_scalar("SELECT 1 FROM processed_messages WHERE id = $1")
        .bind(key)
        .fetch_optional(pool)
        .await?;
    if seen.is_some() {
        return Ok(());
    }
    sqlx::query("UPDATE @ss@_view SET status = '@ev@' WHERE id = $1")
        .bind(event["@s@_id"].as_i64().unwrap_or_default())
        .execute(pool)
        .await?;
    sqlx::query("INSERT INTO processed_messages (id) VALUES ($1)").bind(key).execute(pool).await?;
    Ok(())
}"#,
    ),
    (
        2,
        r#"/// Publishes `@t@` after the @s@ was committed.
pub async fn announce_@s@@id@(producer: &FutureProducer, id: i64) -> anyhow::Result<()> {
    let payload = serde_json::to_string(&serde_json::json!({ "@s@_id": id }))?;
    let key = id.to_string();
    producer
        .send(FutureRecord::to("@t@").payload(&payload).key(&key), Duration::from_secs(0))
        .await
        .map_err(|(error, _)| error)?;
    Ok(())
}"#,
    ),
];

const WORKFLOW: &[Template] = &[
    (
        3,
        r#"/// @Act@s a @s@ and tells the others.
pub async fn @act@_@s@@id@(pool: &PgPool, producer: &FutureProducer, id: i64) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("UPDATE @ss@ SET status = '@ev@' WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let payload = serde_json::to_string(&serde_json::json!({ "@s@_id": id }))?;
    let key = id.to_string();
    producer
        .send(FutureRecord::to("@t@").payload(&payload).key(&key), Duration::from_secs(0))
        .await
        .map_err(|(error, _)| error)?;
    tx.commit().await?;
    Ok(())
}"#,
    ),
    (
        3,
        r#"/// @Act@s a @s@ with Diesel.
pub fn @act@_@s@_sync@id@(conn: &mut PgConnection, publisher: &Publisher, id: i64) -> QueryResult<()> {
    conn.transaction(|c| {
        diesel::update(@ss@::table.find(id)).set(@ss@::status.eq("@ev@")).execute(c)?;
        publisher.publish("@t@", &id.to_string());
        Ok(())
    })
}"#,
    ),
    (
        3,
        r#"/// @Act@s a @s@, then publishes after the commit.
pub async fn @act@_@s@_then_publish@id@(pool: &PgPool, producer: &FutureProducer, id: i64) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("UPDATE @ss@ SET status = '@ev@' WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    let key = id.to_string();
    producer
        .send(FutureRecord::to("@t@").payload(&key).key(&key), Duration::from_secs(0))
        .await
        .map_err(|(error, _)| error)?;
    Ok(())
}"#,
    ),
    (
        2,
        r#"/// Notifies the CRM inside a SeaORM transaction.
pub async fn sync_@s@_to_crm@id@(client: &reqwest::Client, db: &DatabaseConnection, id: i64) -> Result<(), DbErr> {
    db.transaction::<_, (), DbErr>(|txn| {
        Box::pin(async move {
            @s@::Entity::update_many().filter(@s@::Column::Id.eq(id)).exec(txn).await?;
            client.post("https://crm.example.com/@ss@").json(&id).send().await.ok();
            Ok(())
        })
    })
    .await
    .map_err(|error| DbErr::Custom(error.to_string()))
}"#,
    ),
];

const FOOTER: &str = r#"#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn @s@_settings_default_to_the_internal_host() {
        let url = "https://@host@";
        assert!(url.starts_with("https://"));
    }

    #[test]
    fn @s@_grouping_is_stable() {
        let items = vec![(2, "b".to_string()), (1, "a".to_string())];
        assert_eq!(items.len(), 2);
    }
}"#;

/// The Rust tables.
pub(super) fn tables(kind: Kind) -> Tables {
    Tables {
        header: if kind == Kind::Plain {
            HEADER_PLAIN
        } else {
            HEADER_SERVICE
        },
        plain: PLAIN,
        service: SERVICE,
        workflow: WORKFLOW,
        footer: Some(FOOTER),
    }
}
