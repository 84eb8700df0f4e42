//! The widget's transfer size: what a reader downloads, compressed as a CDN would.

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;

use crate::root;
use crate::run::{self, Failed};

/// Everything a reader's browser fetches for the widget. The CSS is compiled into the wasm.
const FILES: [&str; 3] = ["www/paywall.js", "www/pkg/paywall.js", "www/pkg/paywall_bg.wasm"];

/// Prints raw, gzip -9 and brotli (quality 11) sizes of each file and in all.
pub fn report() -> Result<(), Failed> {
    run::step("Widget transfer size");
    println!("    {:<26} {:>10} {:>10} {:>10}", "file", "raw", "gzip -9", "brotli 11");
    let mut total = [0usize; 3];
    for file in FILES {
        let bytes =
            std::fs::read(root().join(file)).map_err(|error| Failed(format!("reading {file}: {error}")))?;
        let sizes = [bytes.len(), gzip(&bytes), brotli(&bytes)];
        for (sum, size) in total.iter_mut().zip(sizes) {
            *sum += size;
        }
        println!("    {:<26} {:>10} {:>10} {:>10}", file, kb(sizes[0]), kb(sizes[1]), kb(sizes[2]));
    }
    println!("    {:<26} {:>10} {:>10} {:>10}", "total", kb(total[0]), kb(total[1]), kb(total[2]));
    Ok(())
}

fn kb(bytes: usize) -> String {
    format!("{:.1} KB", bytes as f64 / 1000.0)
}

fn gzip(bytes: &[u8]) -> usize {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(bytes).expect("writing to memory cannot fail");
    encoder.finish().expect("writing to memory cannot fail").len()
}

fn brotli(bytes: &[u8]) -> usize {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        writer.write_all(bytes).expect("writing to memory cannot fail");
    }
    out.len()
}
