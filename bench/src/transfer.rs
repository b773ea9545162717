//! The web app's first-visit transfer: every file of `dist/` that the first page load fetches,
//! raw, gzip -9 and brotli -q 11, against the budget on the brotli total.
//!
//! The sizes come from the `gzip` and `brotli` commands themselves, because `make web`
//! pre-compresses `dist/` with exactly those and the server sends those files: these are the
//! bytes a visitor downloads. (Rust ports differ slightly: zlib-rs at level 9 gave 2.4% more
//! than `gzip -9` on the JavaScript, the `brotli` crate at quality 11 within 0.1%.)

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, Result, bail};

/// What a first visit may cost, compressed with brotli (1 KB = 1000 bytes).
pub const BROTLI_BUDGET_BYTES: u64 = 250_000;

pub struct FileSizes {
    /// The path inside `dist/`.
    pub name: String,
    pub raw: u64,
    pub gzip: u64,
    pub brotli: u64,
}

pub struct Transfer {
    pub files: Vec<FileSizes>,
}

impl Transfer {
    pub fn total(&self) -> FileSizes {
        FileSizes {
            name: "total (bytes)".to_owned(),
            raw: self.files.iter().map(|f| f.raw).sum(),
            gzip: self.files.iter().map(|f| f.gzip).sum(),
            brotli: self.files.iter().map(|f| f.brotli).sum(),
        }
    }

    pub fn within_budget(&self) -> bool {
        self.total().brotli <= BROTLI_BUDGET_BYTES
    }

    pub fn print(&self) {
        let row = |f: &FileSizes| {
            println!(
                "{:<44} {:>10} {:>10} {:>10}",
                f.name, f.raw, f.gzip, f.brotli
            );
        };
        println!(
            "{:<44} {:>10} {:>10} {:>10}",
            "file", "raw", "gzip", "brotli"
        );
        self.files.iter().for_each(row);
        let total = self.total();
        row(&total);
        println!(
            "brotli total ≤ {} KB: {} ({:.1} KB)",
            BROTLI_BUDGET_BYTES / 1000,
            if self.within_budget() { "PASS" } else { "FAIL" },
            total.brotli as f64 / 1000.0
        );
    }
}

/// Measures the files a first visit loads: `index.html`, the JavaScript glue, the wasm module
/// and the stylesheet (icons and the manifest load lazily, if at all).
pub fn measure(dist: &Path) -> Result<Transfer> {
    let files = first_visit_files(dist)?;
    let files = files
        .iter()
        .map(|path| {
            Ok(FileSizes {
                name: path
                    .strip_prefix(dist)
                    .unwrap_or(path)
                    .display()
                    .to_string(),
                raw: fs::metadata(path)
                    .with_context(|| format!("reading {}", path.display()))?
                    .len(),
                gzip: gzip_size(path)?,
                brotli: brotli_size(path)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Transfer { files })
}

/// `index.html`, then `*.js`, `*_bg.wasm`, `*.css`, each group sorted: the order of the old
/// shell script's globs. The precompressed `.gz` / `.br` siblings are not counted twice.
fn first_visit_files(dist: &Path) -> Result<Vec<PathBuf>> {
    let index = dist.join("index.html");
    if !index.is_file() {
        bail!(
            "{} is missing: build the web app first (`make web`)",
            index.display()
        );
    }
    let mut names = Vec::new();
    for entry in fs::read_dir(dist).with_context(|| format!("listing {}", dist.display()))? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    let mut files = vec![index];
    for suffix in [".js", "_bg.wasm", ".css"] {
        files.extend(
            names
                .iter()
                .filter(|name| name.ends_with(suffix))
                .map(|name| dist.join(name)),
        );
    }
    Ok(files)
}

/// The size of `program args… file` on stdout: `gzip -9 -n -c` (no name, no time stamp in the
/// header) or `brotli -q 11 -c`.
fn compressed_size(program: &str, args: &[&str], file: &Path) -> Result<u64> {
    let output = Command::new(program)
        .args(args)
        .arg(file)
        .output()
        .with_context(|| format!("cannot run {program} (`make tools` installs it)"))?;
    if !output.status.success() {
        bail!(
            "{program} failed on {}: {}",
            file.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(output.stdout.len() as u64)
}

fn gzip_size(file: &Path) -> Result<u64> {
    compressed_size("gzip", &["-9", "-n", "-c"], file)
}

fn brotli_size(file: &Path) -> Result<u64> {
    compressed_size("brotli", &["-q", "11", "-c"], file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressed_sizes_shrink_repetitive_text() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("people.html");
        let text = "<div class=\"person\">Olivia Owner</div>\n".repeat(200);
        fs::write(&file, &text).unwrap();
        let raw = text.len() as u64;
        let gzip = gzip_size(&file).unwrap();
        let brotli = brotli_size(&file).unwrap();
        assert!(gzip < raw / 10, "gzip {gzip} of {raw}");
        assert!(brotli < gzip, "brotli {brotli}, gzip {gzip}");
    }

    #[test]
    fn only_the_files_a_first_visit_loads_are_counted() {
        let dist = tempfile::tempdir().unwrap();
        for name in [
            "index.html",
            "app-1.js",
            "app-1.js.br",
            "app-1_bg.wasm",
            "app-1_bg.wasm.gz",
            "main-2.css",
            "manifest.webmanifest",
        ] {
            fs::write(dist.path().join(name), name).unwrap();
        }
        let names: Vec<_> = first_visit_files(dist.path())
            .unwrap()
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            ["index.html", "app-1.js", "app-1_bg.wasm", "main-2.css"]
        );
    }
}
