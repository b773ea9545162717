//! One module per screen.

pub mod home;
pub mod mailbox;
pub mod not_found;
pub mod profile;
pub mod security;
pub mod setup;
pub mod sign_in;
