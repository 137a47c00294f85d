// Prints the raw and gzipped size of the built component (the budget is 100 KB gzipped).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const dir = fileURLToPath(new URL("../../streamlit_rtc/streamlit/component_build", import.meta.url));
const BUDGET = 100 * 1024;

function files(d) {
  return readdirSync(d).flatMap((n) => {
    const p = join(d, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

let raw = 0;
let gz = 0;
for (const f of files(dir)) {
  const buf = readFileSync(f);
  raw += buf.length;
  gz += gzipSync(buf, { level: 9 }).length;
}
console.log(`component bundle: ${(raw / 1024).toFixed(1)} KB raw, ${(gz / 1024).toFixed(1)} KB gzipped (budget 100 KB gzipped)`);
if (gz > BUDGET) {
  console.error("bundle over budget");
  process.exit(1);
}
