//! The publisher's dashboard, served at `/admin`: staff sign in with an emailed link and run
//! the paywall from here, every page over the admin API (`/v1/admin`), as their role allows.
#![cfg(target_arch = "wasm32")]

mod api;
mod app;
mod chart;
mod pages;
mod route;
mod view;

use wasm_bindgen::prelude::wasm_bindgen;

/// Draws the dashboard into `#app`.
#[wasm_bindgen(start)]
pub fn start() {
    let Some(root) = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.get_element_by_id("app"))
    else {
        return;
    };
    yew::Renderer::<app::App>::with_root(root).render();
}
