//! The web app's first-visit transfer: every file of `dist/` that the first page load fetches,
//! raw, gzip -9 and brotli -q 11, against the budget on the brotli total.
//!
//! A first visit fetches `index.html` and what it names (the glue, the split loader, the main
//! wasm module, the stylesheets); each screen's chunks come later, when the screen opens
//! (scripts/build-web.sh). Those are measured too, per screen, from the loader module, which
//! says which chunk files each screen needs.
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
    /// Every chunk file, loaded on demand.
    pub chunks: Vec<FileSizes>,
    /// Each screen and the chunk files it needs (its own and those it shares).
    pub screens: Vec<Screen>,
}

/// A screen that loads on demand.
pub struct Screen {
    pub name: String,
    pub files: Vec<String>,
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
        if !self.screens.is_empty() {
            let brotli_of = |files: &[String]| -> u64 {
                self.chunks
                    .iter()
                    .filter(|c| files.contains(&c.name))
                    .map(|c| c.brotli)
                    .sum()
            };
            println!(
                "screens loaded on demand: {} chunk files, {:.1} KB brotli in all (whole app {:.1} KB)",
                self.chunks.len(),
                self.chunks.iter().map(|c| c.brotli).sum::<u64>() as f64 / 1000.0,
                (total.brotli + self.chunks.iter().map(|c| c.brotli).sum::<u64>()) as f64 / 1000.0
            );
            for screen in &self.screens {
                let extra = brotli_of(&screen.files);
                println!(
                    "  {:<24} +{:>6.1} KB ({} files) -> first visit there {:.1} KB",
                    screen.name,
                    extra as f64 / 1000.0,
                    screen.files.len(),
                    (total.brotli + extra) as f64 / 1000.0
                );
            }
        }
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
    let first = first_visit_files(dist)?;
    let files = sizes(dist, &first)?;
    let loader = first.iter().find(|p| {
        p.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("split-"))
    });
    let screens = match loader {
        Some(loader) => screens_of(
            &fs::read_to_string(loader).with_context(|| format!("reading {}", loader.display()))?,
        ),
        None => Vec::new(),
    };
    let mut chunk_names: Vec<String> = screens.iter().flat_map(|s| s.files.clone()).collect();
    chunk_names.sort();
    chunk_names.dedup();
    let chunk_paths: Vec<PathBuf> = chunk_names.iter().map(|n| dist.join(n)).collect();
    let chunks = sizes(dist, &chunk_paths)?;
    Ok(Transfer {
        files,
        chunks,
        screens,
    })
}

fn sizes(dist: &Path, files: &[PathBuf]) -> Result<Vec<FileSizes>> {
    files
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
        .collect::<Result<Vec<_>>>()
}

/// `index.html`, then the files it names (`"/name.js"`, `.wasm`, `.css`), in the order named.
/// The precompressed `.gz` / `.br` siblings are not counted twice; icons and the manifest load
/// lazily, if at all.
fn first_visit_files(dist: &Path) -> Result<Vec<PathBuf>> {
    let index = dist.join("index.html");
    if !index.is_file() {
        bail!(
            "{} is missing: build the web app first (`make web`)",
            index.display()
        );
    }
    let html =
        fs::read_to_string(&index).with_context(|| format!("reading {}", index.display()))?;
    let mut files = vec![index];
    for quoted in html.split(['"', '\'']).skip(1).step_by(2) {
        let Some(name) = quoted.strip_prefix('/') else {
            continue;
        };
        let loaded = [".js", ".wasm", ".css"].iter().any(|s| name.ends_with(s));
        let path = dist.join(name);
        if loaded && !name.contains('/') && path.is_file() && !files.contains(&path) {
            files.push(path);
        }
    }
    Ok(files)
}

/// The screens the split loader module can load, each with the chunk files it fetches: its
/// own (`export const __wasm_split_load_<screen> = … "./<file>" … [deps]`) and the shared
/// chunks it waits for (`const __chunk_<n> = makeLoad(… "./<file>" …)`).
fn screens_of(loader: &str) -> Vec<Screen> {
    let file_in = |text: &str| -> Option<String> {
        let start = text.find("new URL(\"./")? + "new URL(\"./".len();
        let end = text[start..].find('"')?;
        Some(text[start..start + end].to_owned())
    };
    let mut chunks = Vec::new();
    for part in loader.split("const __chunk_").skip(1) {
        let Some((number, rest)) = part.split_once(" = makeLoad(") else {
            continue;
        };
        if let Some(file) = file_in(rest.split("export const").next().unwrap_or(rest)) {
            chunks.push((format!("__chunk_{number}"), file));
        }
    }
    let mut screens = Vec::new();
    for part in loader.split("export const __wasm_split_load_").skip(1) {
        let Some((name, rest)) = part.split_once(" = ") else {
            continue;
        };
        let statement = rest.split("]));").next().unwrap_or(rest);
        let mut files: Vec<String> = file_in(statement).into_iter().collect();
        if let Some((_, deps)) = statement.rsplit_once('[') {
            for dep in deps.split(',').map(str::trim).filter(|d| !d.is_empty()) {
                if let Some((_, file)) = chunks.iter().find(|(var, _)| var == dep) {
                    files.push(file.clone());
                }
            }
        }
        screens.push(Screen {
            name: name.to_owned(),
            files,
        });
    }
    screens
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
            "app-1.js",
            "app-1.js.br",
            "app-1_bg.wasm",
            "app-1_bg.wasm.gz",
            "split-1.js",
            "split_users-1.wasm",
            "main-2.css",
            "manifest.webmanifest",
        ] {
            fs::write(dist.path().join(name), name).unwrap();
        }
        fs::write(
            dist.path().join("index.html"),
            "<link rel=\"manifest\" href=\"/manifest.webmanifest\">\
             <link rel=\"stylesheet\" href=\"/main-2.css\">\
             <link rel=\"modulepreload\" href=\"/app-1.js\">\
             <link rel=\"modulepreload\" href=\"/split-1.js\">\
             <script type=\"module\">import init from '/app-1.js';\
             init({module_or_path:'/app-1_bg.wasm'});</script>",
        )
        .unwrap();
        let names: Vec<_> = first_visit_files(dist.path())
            .unwrap()
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "index.html",
                "main-2.css",
                "app-1.js",
                "split-1.js",
                "app-1_bg.wasm"
            ]
        );
    }

    #[test]
    fn each_screen_needs_its_chunk_and_the_chunks_it_shares() {
        let loader = r#"import { initSync } from "./app-1.js";
/* users, new_user */
const __chunk_3 = makeLoad(() => {
    const src = fetch(new URL("./chunk_3-1.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
export const __wasm_split_load_users = wrapAsyncCb(makeLoad(() => {
    const src = fetch(new URL("./split_users-1.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, [__chunk_3]));
export const __wasm_split_load_audit = wrapAsyncCb(makeLoad(() => async (_imp) => ({}), []));
"#;
        let screens = screens_of(loader);
        assert_eq!(screens.len(), 2);
        assert_eq!(screens[0].name, "users");
        assert_eq!(screens[0].files, ["split_users-1.wasm", "chunk_3-1.wasm"]);
        assert_eq!(screens[1].name, "audit");
        assert!(screens[1].files.is_empty());
    }
}
