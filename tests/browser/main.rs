//! What a person sees: the served SPA in headless Chromium. A broken wasm module still serves
//! a fine-looking `index.html`, so every test here waits for something only the running wasm
//! code can render.

mod accessibility;
mod automation;
mod foundation;
mod identity;
mod local_time;
mod mail;
mod passkeys;
mod profile;
mod seats;
mod sign_in;
mod sso;
mod sub_accounts;
mod team;
mod tour;
mod webhooks;
