//! Embeds the widget's built files (`www/paywall.js`, `www/pkg/paywall.js`,
//! `www/pkg/paywall_bg.wasm`) in the server binary when they exist, so that one binary serves
//! everything. Without them (the widget not built yet) the server serves the widget from the
//! site directory on disk; `PAYWALL_REQUIRE_EMBEDDED_WIDGET=1` (set by `cargo xtask test`)
//! makes their absence an error instead.

use std::path::Path;

const FILES: [&str; 3] = ["www/paywall.js", "www/pkg/paywall.js", "www/pkg/paywall_bg.wasm"];

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    println!("cargo:rerun-if-env-changed=PAYWALL_REQUIRE_EMBEDDED_WIDGET");
    for file in FILES {
        println!("cargo:rerun-if-changed={}", root.join(file).display());
    }
    let present = FILES.iter().all(|file| root.join(file).is_file());
    let required = std::env::var("PAYWALL_REQUIRE_EMBEDDED_WIDGET").is_ok_and(|value| value == "1");
    assert!(
        present || !required,
        "the widget is not built: run `cargo xtask size` (or `cargo xtask test`) first"
    );
    let code = if present {
        let [loader, glue, wasm] = FILES.map(|file| root.join(file).canonicalize().expect("the file exists"));
        format!(
            "Some(crate::widget::Files {{ loader: include_bytes!({loader:?}), glue: include_bytes!({glue:?}), wasm: include_bytes!({wasm:?}) }})"
        )
    } else {
        println!("cargo:warning=the widget is not built; this server will serve it from the site directory");
        "None".to_owned()
    };
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded_widget.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}
