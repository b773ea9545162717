//! What a person sees: the served SPA in headless Chromium. A broken wasm module still serves
//! a fine-looking `index.html`, so every test here waits for something only the running wasm
//! code can render.

mod foundation;
mod identity;
mod mail;
mod team;
mod tour;
