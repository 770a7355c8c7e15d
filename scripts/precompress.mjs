// Writes `.br` (quality 11) and `.gz` (level 9) beside every text or wasm file of a folder, for
// the reference server to send precompressed (tower-http ServeDir). Node's own zlib: no install.
//   node scripts/precompress.mjs dist
import { readdirSync, readFileSync, writeFileSync, statSync } from "node:fs";
import { join, extname } from "node:path";
import { brotliCompressSync, gzipSync, constants } from "node:zlib";

const kinds = new Set([".wasm", ".js", ".css", ".html", ".json", ".svg", ".txt"]);
const dir = process.argv[2];
if (!dir) {
  console.error("usage: node scripts/precompress.mjs DIR");
  process.exit(2);
}
let raw = 0, br = 0, gz = 0;
for (const name of readdirSync(dir)) {
  const path = join(dir, name);
  if (!statSync(path).isFile() || !kinds.has(extname(name))) continue;
  const data = readFileSync(path);
  const b = brotliCompressSync(data, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  });
  const g = gzipSync(data, { level: 9 });
  writeFileSync(path + ".br", b);
  writeFileSync(path + ".gz", g);
  raw += data.length; br += b.length; gz += g.length;
}
console.log(JSON.stringify({ raw_bytes: raw, brotli_bytes: br, gzip_bytes: gz }));
