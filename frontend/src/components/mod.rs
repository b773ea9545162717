//! Reusable pieces of the screens.

pub mod account_switcher;
pub mod account_tree_picker;
pub mod clipboard;
pub mod confirm_dialog;
pub mod country_picker;
pub mod dialog;
pub mod email_chips;
pub mod field;
pub mod guard;
pub mod invite_options;
pub mod invite_outcome;
pub mod load_error;
pub mod menu;
pub mod pager;
pub mod role_select;
pub mod secret_once;
pub mod server_status;
pub mod user_menu;
