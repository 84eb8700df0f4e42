//! The widget's transfer size (what a reader downloads, compressed as a CDN would) and the
//! dashboard's.

use crate::compress::{brotli, gzip};
use crate::root;
use crate::run::{self, Failed};

/// Everything a reader's browser fetches for the widget: the loader as served (minified), the
/// glue and the WebAssembly. The CSS is compiled into the wasm.
const FILES: [&str; 3] = [crate::build::LOADER, "www/pkg/paywall.js", "www/pkg/paywall_bg.wasm"];

/// Prints raw, gzip -9 and brotli (quality 11) sizes of each of the widget's files and in all,
/// then the dashboard's.
pub fn report() -> Result<(), Failed> {
    run::step("Widget transfer size");
    table(&FILES)?;
    run::step("Dashboard transfer size (staff load it once a session)");
    table(&[
        "www/admin/index.html",
        "www/admin/boot.js",
        "www/admin/admin.css",
        crate::build::DASHBOARD_FILES[0],
        crate::build::DASHBOARD_FILES[1],
    ])
}

fn table(files: &[&str]) -> Result<(), Failed> {
    println!("    {:<36} {:>10} {:>10} {:>10}", "file", "raw", "gzip -9", "brotli 11");
    let mut total = [0usize; 3];
    for file in files {
        let bytes =
            std::fs::read(root().join(file)).map_err(|error| Failed(format!("reading {file}: {error}")))?;
        let sizes = [bytes.len(), gzip(&bytes).len(), brotli(&bytes).len()];
        for (sum, size) in total.iter_mut().zip(sizes) {
            *sum += size;
        }
        println!("    {:<36} {:>10} {:>10} {:>10}", file, kb(sizes[0]), kb(sizes[1]), kb(sizes[2]));
    }
    println!("    {:<36} {:>10} {:>10} {:>10}", "total", kb(total[0]), kb(total[1]), kb(total[2]));
    Ok(())
}

fn kb(bytes: usize) -> String {
    format!("{:.1} KB", bytes as f64 / 1000.0)
}
