//! Roster's vocabulary and rules, written once and compiled into both the backend (which
//! decides) and the single-page app (which explains, before a request is sent).
//!
//! Nothing here does I/O or reads a clock: time comes in as an argument, so every rule is a
//! pure function that a unit or property test can pin down. Every value with a rule can only
//! be made by parsing, and deserializes through the same parser, so an invalid value cannot
//! cross the wire in either direction.
//!
//! # Layout
//! - [`email`]: `EmailAddress::parse`, what real mail systems deliver; IDN domains to Punycode.
//! - [`invite_list`]: `InviteList::parse`, the "New User" email box (separators, display
//!   names, duplicates, bad entries with reasons, at most 1,000 people).
//! - [`role`]: `Role`, Owner > Admin > Basic > Reporting, ordered as the hierarchy.
//! - [`account`]: `AccountTree`, sub-accounts to a bounded depth, no cycles, no orphans.
//! - [`access`]: who may manage, grant, change or remove access where (roles flow down the tree).
//! - [`seats`]: `SeatPlan` and `SeatCount`: inviting needs free seats, removal never below the
//!   plan or the seats in use, exact quotes.
//! - [`money`]: exact amounts in minor units with their currency.
//! - [`invitation`]: the 14-day lifecycle and a person's status (Active / Pending / Expired).
//! - [`password`]: `NewPassword`, the rule for choosing one (length, not common, not the email).
//! - [`redirect`]: `LocalPath`, a place in this app to go to from a link (`next=`) that cannot
//!   lead to another site.
//! - [`name`]: `PersonName` and `AccountName` (trimmed, 1–100 characters, no control characters).
//! - [`phone`]: `PhoneNumber`, E.164; full numbering-plan validation with the
//!   `numbering-plan` feature (server), a light shape check without (browser).
//! - [`country`]: `CountryCode`, ISO 3166-1 alpha-2, with names and calling codes.
//! - [`time`]: `Timestamp` (Unix milliseconds) and date formatting.
//! - [`bounded`]: passwords, codes and tokens a client sends, read up to a length none reaches.
//! - [`error_code`]: `ErrorCode`, the stable code of every error the API answers.
//! - [`excerpt`]: what an error message quotes of a refused text (its start, never all of it).
//! - [`audit`]: `AuditAction`, what an audit log entry records.
//! - [`api`]: the JSON bodies between the SPA and the server, and the one error shape.

mod text_enum;

pub mod access;
pub mod account;
pub mod api;
pub mod audit;
pub mod bounded;
pub mod bulk;
pub mod country;
pub mod email;
pub mod error_code;
pub mod excerpt;
pub mod groups;
pub mod invitation;
pub mod invite_list;
pub mod money;
pub mod name;
pub mod password;
pub mod phone;
pub mod redirect;
pub mod role;
pub mod seats;
pub mod time;
pub mod webhook;

mod punycode;
