// Minifies the JavaScript that wasm-bindgen writes beside a release build's wasm (terser, which
// scripts/setup.sh installs), as every production JS page is minified: the glue of the bench
// page went from 7,909 to 5,913 bytes gzip. With a trunk `index.html` in the folder, the glue is
// the module it preloads, whose `integrity` hash is rewritten to match; a folder without one
// (wasm-bindgen's own output) has its `*.js` files minified.
//   node scripts/minify-glue.mjs [--quiet] DIR   (--quiet: nothing printed unless it fails)
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";

const args = process.argv.slice(2);
const quiet = args[0] === "--quiet";
const dir = quiet ? args[1] : args[0];
if (!dir) {
  console.error("usage: node scripts/minify-glue.mjs [--quiet] DIR");
  process.exit(2);
}
const tools = resolve(process.env.DATA_FARM_TOOLS ?? "target/tools", "terser");
let minify;
try {
  ({ minify } = createRequire(join(tools, "package.json"))("terser"));
} catch {
  console.error(`terser missing in ${tools}: run scripts/setup.sh demo`);
  process.exit(1);
}

const page = join(dir, "index.html");
let html = existsSync(page) ? readFileSync(page, "utf8") : null;
// trunk preloads the glue: <link ... href=/name-hash.js integrity=sha384-... rel=modulepreload>
const glue = html
  ? [...html.matchAll(/<link[^>]*rel="?modulepreload"?[^>]*>/g)]
      .map((link) => /href="?\/?(?:[^"\s>]*\/)?([^"\s>/]+\.js)"?/.exec(link[0])?.[1])
      .filter(Boolean)
  : readdirSync(dir).filter((name) => name.endsWith(".js"));
if (glue.length === 0) {
  console.error(`no wasm-bindgen glue found in ${dir}`);
  process.exit(1);
}
let before = 0, after = 0;
for (const name of glue) {
  const path = join(dir, name);
  const source = readFileSync(path, "utf8");
  const out = await minify(source, { module: true, compress: true, mangle: true });
  if (typeof out.code !== "string") {
    console.error(`terser wrote nothing for ${path}`);
    process.exit(1);
  }
  writeFileSync(path, out.code);
  before += source.length;
  after += out.code.length;
  if (html) {
    const digest = (text) => "sha384-" + createHash("sha384").update(text).digest("base64");
    const old = digest(source);
    if (html.includes(old)) html = html.replaceAll(old, digest(out.code));
  }
}
if (html) writeFileSync(page, html);
if (!quiet) console.error(`minified ${glue.join(", ")}: ${before} -> ${after} bytes`);
