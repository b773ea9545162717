//! `Role`: the access levels, in the order of the hierarchy.
//!
//! `Owner` > `Admin` > `Basic` > `Reporting`. The derived `Ord` *is* the hierarchy (variants
//! are declared lowest first), so "at least Admin" is `role >= Role::Admin` everywhere.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads reports; changes nothing.
    Reporting,
    /// Uses the product day to day; does not manage people.
    Basic,
    /// Manages people, access and sub-accounts within their accounts.
    Admin,
    /// Everything an Admin can do, plus granting Owner; a top-level account always has one.
    Owner,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{0}” is not a role (owner, admin, basic or reporting)")]
pub struct UnknownRole(pub String);

impl Role {
    /// Highest first, the order pickers list them in.
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Basic, Role::Reporting];

    pub fn parse(input: &str) -> Result<Role, UnknownRole> {
        match input.trim().to_ascii_lowercase().as_str() {
            "owner" => Ok(Role::Owner),
            "admin" | "administrator" => Ok(Role::Admin),
            "basic" => Ok(Role::Basic),
            "reporting" | "read-only" | "readonly" => Ok(Role::Reporting),
            _ => Err(UnknownRole(crate::excerpt::excerpt(input.trim()))),
        }
    }

    /// The wire and CSV spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Basic => "basic",
            Role::Reporting => "reporting",
        }
    }

    /// How people read it.
    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Admin => "Admin",
            Role::Basic => "Basic",
            Role::Reporting => "Reporting",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Role::Owner => "Full control, including other Owners, seats and billing.",
            Role::Admin => "Manages people, their access and sub-accounts.",
            Role::Basic => "Uses the product; cannot manage people.",
            Role::Reporting => "Read-only access to reports.",
        }
    }

    /// Whether this role manages people (invites, edits access) where it applies.
    pub fn manages_users(self) -> bool {
        self >= Role::Admin
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// Reading a stored role: one of the four spellings, or an error (never a default).
impl TryFrom<String> for Role {
    type Error = UnknownRole;

    fn try_from(text: String) -> Result<Self, UnknownRole> {
        Role::parse(&text)
    }
}

impl std::str::FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::parse(s)
    }
}

crate::text_enum::text_enum! {
    /// The role people get who join an organisation through its identity provider without an
    /// invitation. Never Owner: no one becomes an Owner by having an address in a domain.
    pub enum JoinRole ("a role people may join with (admin, basic or reporting)") {
        Admin = "admin",
        Basic = "basic",
        Reporting = "reporting",
    }
}

impl From<JoinRole> for Role {
    fn from(role: JoinRole) -> Role {
        match role {
            JoinRole::Admin => Role::Admin,
            JoinRole::Basic => Role::Basic,
            JoinRole::Reporting => Role::Reporting,
        }
    }
}

/// Owner is the one role people cannot join with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("people who join without an invitation cannot be Owners: choose Admin, Basic or Reporting")]
pub struct OwnerCannotJoin;

impl TryFrom<Role> for JoinRole {
    type Error = OwnerCannotJoin;

    fn try_from(role: Role) -> Result<JoinRole, OwnerCannotJoin> {
        match role {
            Role::Owner => Err(OwnerCannotJoin),
            Role::Admin => Ok(JoinRole::Admin),
            Role::Basic => Ok(JoinRole::Basic),
            Role::Reporting => Ok(JoinRole::Reporting),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_join_with_any_role_but_owner() {
        crate::text_enum::assert_texts_round_trip(JoinRole::ALL, "a role people may join with");
        for role in Role::ALL {
            match JoinRole::try_from(role) {
                Ok(join) => assert_eq!(Role::from(join), role),
                Err(OwnerCannotJoin) => assert_eq!(role, Role::Owner),
            }
        }
        assert!(serde_json::from_str::<JoinRole>("\"owner\"").is_err());
        assert_eq!(
            serde_json::from_str::<JoinRole>("\"basic\"").unwrap(),
            JoinRole::Basic
        );
    }

    #[test]
    fn the_order_is_the_hierarchy() {
        assert!(Role::Owner > Role::Admin);
        assert!(Role::Admin > Role::Basic);
        assert!(Role::Basic > Role::Reporting);
        let mut sorted = Role::ALL;
        sorted.sort();
        sorted.reverse();
        assert_eq!(sorted, Role::ALL);
    }

    #[test]
    fn only_admins_and_owners_manage_users() {
        assert!(Role::Owner.manages_users());
        assert!(Role::Admin.manages_users());
        assert!(!Role::Basic.manages_users());
        assert!(!Role::Reporting.manages_users());
    }

    #[test]
    fn parse_and_serde_agree() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()).unwrap(), role);
            assert_eq!(Role::parse(&role.label().to_uppercase()).unwrap(), role);
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(json, format!("\"{}\"", role.as_str()));
            assert_eq!(serde_json::from_str::<Role>(&json).unwrap(), role);
        }
        assert!(serde_json::from_str::<Role>("\"superuser\"").is_err());
        assert_eq!(
            Role::parse(" superuser ").unwrap_err().to_string(),
            "“superuser” is not a role (owner, admin, basic or reporting)"
        );
    }
}
