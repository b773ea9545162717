//! One module per screen.

pub mod accept;
pub mod audit;
pub mod home;
pub mod mailbox;
pub mod new_user;
pub mod not_found;
pub mod person;
pub mod profile;
pub mod security;
pub mod settings_layout;
pub mod setup;
pub mod sign_in;
pub mod sub_accounts;
pub mod users;
