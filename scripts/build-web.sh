#!/usr/bin/env bash
# Builds the SPA in release mode into dist/ and pre-compresses it, so the server sends brotli
# or gzip without compressing on every request.
#
# The wasm is split: the main module holds the shell and the sign-in page, and each screen of
# frontend/src/screens.rs becomes a chunk the browser fetches when the screen first opens, so
# a first visit downloads a fraction of the app. Trunk 0.21 cannot split, so this script runs
# the wasm steps itself and Trunk only builds the page, the stylesheets and the copied files:
#   1. cargo (feature `split`, relocations kept for the splitter)
#   2. wasm-split-cli: main module + chunks + the loader module (__wasm_split.js)
#   3. wasm-bindgen on the main module (its lld exports kept: the chunks link against them)
#   4. wasm-opt -Oz on the main module and every chunk (npm's binaryen; see install-tools.sh)
#   5. names with one content hash (the glue and the loader import each other, so one hash
#      over everything names them all), the references between them rewritten to match
#   6. the start script and preloads added to dist/index.html, then pre-compression
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
. scripts/lib.sh
# shellcheck source=scripts/tool-versions.sh
. scripts/tool-versions.sh

name=roster-frontend
work=target/web/split
wasm=target/web/wasm32-unknown-unknown/wasm-release/$name.wasm

step "Compiling the web app for wasm32 (the first build also compiles Rust's std: a few minutes)"
ROSTER_WASM_LINK_ARGS="-Clink-arg=--emit-relocs" scripts/wasm-env cargo build \
  --target wasm32-unknown-unknown --profile wasm-release -p roster-frontend \
  --bin roster-frontend --features split

step "Splitting the screens into chunks (wasm-split-cli)"
rm -rf "$work"
mkdir -p "$work/bindgen"
scripts/wasm-env wasm-split-cli "$wasm" "$work" --out-name "$name"
[ -f "$work/__wasm_split.js" ] || { echo "the splitter wrote no loader module" >&2; exit 1; }

step "wasm-bindgen on the main module"
scripts/wasm-env wasm-bindgen --target web --no-typescript --keep-lld-exports \
  --out-dir "$work/bindgen" --out-name "$name" "$work/$name.wasm"
rm "$work/$name.wasm"
mv "$work"/*.wasm "$work/bindgen/" 2>/dev/null || true
mv "$work/__wasm_split.js" "$work/bindgen/"

step "wasm-opt -Oz on the main module and the chunks"
# The features rustc's wasm32 target emits by default; wasm-bindgen needs reference types.
features=(--enable-reference-types --enable-bulk-memory --enable-multivalue
  --enable-mutable-globals --enable-nontrapping-float-to-int --enable-sign-ext)
for module in "$work"/bindgen/*.wasm; do
  scripts/wasm-env wasm-opt -Oz "${features[@]}" "$module" -o "$module"
done

step "Bundling the page and styles with Trunk into dist/"
scripts/wasm-env trunk --log=warn build --release

step "Naming the modules by content and starting them from index.html"
hash=$(cat "$work"/bindgen/* | sha256sum | cut -c1-16)
glue="$name-$hash.js"
main_wasm="$name-${hash}_bg.wasm"
loader="split-$hash.js"
cp "$work/bindgen/${name}_bg.wasm" "dist/$main_wasm"
# The glue imports the loader, which imports the glue back (for the main module's exports).
# Only the import statements change: "./__wasm_split.js" is also the wasm's import module name,
# which the glue's import object is keyed by.
sed "/^import /s#['\"]\./__wasm_split\.js['\"]#'./$loader'#" "$work/bindgen/$name.js" >"dist/$glue"
grep -q "'./$loader'" "dist/$glue" || { echo "the glue does not import the loader" >&2; exit 1; }
loader_js=$(sed "s#\"\./$name\.js\"#\"./$glue\"#" "$work/bindgen/__wasm_split.js")
chunks=0
for chunk in "$work"/bindgen/*.wasm; do
  base=$(basename "$chunk" .wasm)
  [ "$base" = "${name}_bg" ] && continue
  cp "$chunk" "dist/$base-$hash.wasm"
  loader_js=${loader_js//\"\.\/$base.wasm\"/\"./$base-$hash.wasm\"}
  chunks=$((chunks + 1))
done
printf '%s\n' "$loader_js" >"dist/$loader"
grep -q "\"./$glue\"" "dist/$loader" || { echo "the loader does not import the glue" >&2; exit 1; }
# The start script: an inline module (the server allows it by its hash, see backend spa.rs),
# with the glue, the loader and the main module preloaded so nothing waits on a waterfall.
start="<link rel=\"modulepreload\" href=\"/$glue\">\
<link rel=\"modulepreload\" href=\"/$loader\">\
<link rel=\"preload\" href=\"/$main_wasm\" as=\"fetch\" type=\"application/wasm\" crossorigin>\
<script type=\"module\">import init from '/$glue';init({module_or_path:'/$main_wasm'});</script>"
sed -i "s#</head>#$start</head>#" dist/index.html
grep -q "$main_wasm" dist/index.html || { echo "index.html does not start the app" >&2; exit 1; }
echo "main module $(stat -c %s "dist/$main_wasm") bytes, $chunks chunks" >&2

step "Pre-compressing dist/ (brotli, gzip)"
find dist -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.svg' \
  -o -name '*.webmanifest' \) -print0 |
  while IFS= read -r -d '' file; do
    brotli -q 11 -f -k "$file"
    gzip -9 -n -f -k "$file"
  done
step_done
