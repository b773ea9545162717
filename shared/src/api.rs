//! The JSON bodies exchanged between the SPA and the server.
//!
//! Every type here is (de)serialized on both sides, so a field renamed here is renamed
//! everywhere at once. Values that have rules (emails, roles, …) are the parsed domain types,
//! so an invalid value cannot cross the wire in either direction.

use serde::{Deserialize, Serialize};

/// Which database engine a server runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum DatabaseEngine {
    Sqlite,
    Postgres,
}

impl DatabaseEngine {
    pub fn label(self) -> &'static str {
        match self {
            DatabaseEngine::Sqlite => "SQLite",
            DatabaseEngine::Postgres => "PostgreSQL",
        }
    }
}

/// Whether the server can answer, and with what.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    /// The database answered.
    Ok,
    /// The server runs but its database did not answer.
    Degraded,
}

/// `GET /api/v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    pub status: HealthStatus,
    /// The server's version (the workspace version it was built from).
    pub version: String,
    pub database: DatabaseEngine,
    /// How many schema migrations the database has applied.
    pub migrations_applied: u32,
}

/// The one shape of every error response, whatever failed.
///
/// `code` is stable and meant for programs (`"not_found"`, `"invalid_json"`, …); `message` is
/// a sentence meant for people; `fields` names the inputs at fault, when there are any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

/// A problem with one input of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The input's name as the request spelled it (`"email"`, `"grants[1].role"`).
    pub field: String,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_omits_empty_fields() {
        let body = ErrorBody {
            code: "not_found".into(),
            message: "No such page.".into(),
            fields: vec![],
        };
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "not_found", "message": "No such page."})
        );
    }

    #[test]
    fn health_round_trips_with_lowercase_enums() {
        let health = Health {
            status: HealthStatus::Ok,
            version: "0.1.0".into(),
            database: DatabaseEngine::Postgres,
            migrations_applied: 3,
        };
        let json = serde_json::to_string(&health).unwrap();
        assert!(json.contains(r#""database":"postgres""#), "{json}");
        assert_eq!(serde_json::from_str::<Health>(&json).unwrap(), health);
    }
}
