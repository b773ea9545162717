//! Reusable pieces of the screens.

pub mod dialog;
pub mod field;
pub mod guard;
pub mod server_status;
pub mod user_menu;
