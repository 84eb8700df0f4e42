//! Embeds the widget's built files (the loader, `www/pkg/paywall.js`, `www/pkg/paywall_bg.wasm`)
//! in the server binary when they exist, so that one binary serves
//! everything, with the brotli (`.br`) and gzip (`.gz`) copies `cargo xtask` compresses once
//! beside the glue and the WebAssembly (a copy that is not of its file, left from an earlier
//! build, is found out when the server starts, which then compresses that file itself).
//! Without the files (the widget not built yet) the server serves the widget from the site
//! directory on disk;
//! `PAYWALL_REQUIRE_EMBEDDED_WIDGET=1` (set by `cargo xtask test`) makes their absence an
//! error instead. The loader is the minified copy `cargo xtask` makes
//! (`www/pkg/paywall.loader.js`) if it was made from `www/paywall.js` as it is now (the copy of
//! the source beside it says), else that file itself.

use std::path::{Path, PathBuf};

const FILES: [&str; 3] = ["www/paywall.js", "www/pkg/paywall.js", "www/pkg/paywall_bg.wasm"];
const MINIFIED_LOADER: &str = "www/pkg/paywall.loader.js";
const MINIFIED_FROM: &str = "www/pkg/paywall.loader.source.js";

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    println!("cargo:rerun-if-env-changed=PAYWALL_REQUIRE_EMBEDDED_WIDGET");
    for file in [MINIFIED_LOADER, MINIFIED_FROM] {
        println!("cargo:rerun-if-changed={}", root.join(file).display());
    }
    for file in FILES {
        println!("cargo:rerun-if-changed={}", root.join(file).display());
    }
    // Only the built files have compressed copies: a watched file that does not exist makes
    // cargo run this script, and rebuild the server and every test, on every build.
    for file in &FILES[1..] {
        for encoding in ["br", "gz"] {
            println!("cargo:rerun-if-changed={}.{encoding}", root.join(file).display());
        }
    }
    let present = FILES.iter().all(|file| root.join(file).is_file());
    let required = std::env::var("PAYWALL_REQUIRE_EMBEDDED_WIDGET").is_ok_and(|value| value == "1");
    assert!(
        present || !required,
        "the widget is not built: run `cargo xtask size` (or `cargo xtask test`) first"
    );
    let code = if present {
        let [loader, glue, wasm] = FILES.map(|file| root.join(file).canonicalize().expect("the file exists"));
        let loader = minified(&root, &loader).unwrap_or(loader);
        format!(
            "Some(crate::widget::Files {{ loader: include_bytes!({loader:?}), glue: {}, wasm: {} }})",
            built(&glue),
            built(&wasm)
        )
    } else {
        println!("cargo:warning=the widget is not built; this server will serve it from the site directory");
        "None".to_owned()
    };
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded_widget.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}

/// The minified loader, if it was made from `loader` as it is now.
fn minified(root: &Path, loader: &Path) -> Option<PathBuf> {
    let source = std::fs::read(root.join(MINIFIED_FROM)).ok()?;
    (source == std::fs::read(loader).ok()?).then(|| root.join(MINIFIED_LOADER).canonicalize().ok()).flatten()
}

/// A `crate::widget::Built` for `file` and its compressed copies.
fn built(file: &Path) -> String {
    let copy = |encoding: &str| match compressed(file, encoding) {
        Some(copy) => format!("Some(include_bytes!({copy:?}))"),
        None => "None".to_owned(),
    };
    format!(
        "crate::widget::Built {{ raw: include_bytes!({file:?}), br: {}, gzip: {} }}",
        copy("br"),
        copy("gz")
    )
}

/// `file.<encoding>`, if it exists (the server checks that it is `file`'s when it starts).
fn compressed(file: &Path, encoding: &str) -> Option<PathBuf> {
    let copy = PathBuf::from(format!("{}.{encoding}", file.display()));
    copy.is_file().then_some(copy)
}
