//! One module per screen.

pub mod accept;
pub mod api_reference;
pub mod audit;
pub mod bulk;
pub mod email_confirm;
pub mod forgot_password;
pub mod home;
pub mod import;
pub mod mailbox;
pub mod new_user;
pub mod not_found;
pub mod person;
pub mod personal_layout;
pub mod profile;
pub mod provisioning;
pub mod reset_password;
pub mod seats;
pub mod security;
pub mod settings_layout;
pub mod setup;
pub mod sign_in;
pub mod single_sign_on;
pub mod sub_accounts;
pub mod tokens;
pub mod users;
pub mod webhooks;
