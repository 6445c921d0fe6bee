// Measures the production bundle as a browser downloads it: every file in dist/, raw and gzip -9.
//   node scripts/bundle-size.mjs            print the table
//   node scripts/bundle-size.mjs --check    also fail when the gzipped total is over the 250 KB budget
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const BUDGET = 250 * 1024;
const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');
if (!fs.existsSync(path.join(dist, 'index.html'))) {
  console.error(`bundle-size: no build in ${dist} (run npm run build)`);
  process.exit(1);
}
const files = [];
const walk = (d) => {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) walk(p);
    else files.push(p);
  }
};
walk(dist);
let raw = 0;
let gz = 0;
for (const f of files.sort()) {
  const buf = fs.readFileSync(f);
  const g = zlib.gzipSync(buf, { level: 9 }).length;
  raw += buf.length;
  gz += g;
  console.log(`${path.relative(dist, f).padEnd(34)} ${(buf.length / 1024).toFixed(1).padStart(8)} KB ${(g / 1024).toFixed(1).padStart(8)} KB gzip`);
}
console.log(`${'total'.padEnd(34)} ${(raw / 1024).toFixed(1).padStart(8)} KB ${(gz / 1024).toFixed(1).padStart(8)} KB gzip (budget ${BUDGET / 1024} KB)`);
if (process.argv.includes('--check') && gz > BUDGET) {
  console.error(`bundle-size: ${(gz / 1024).toFixed(1)} KB gzipped is over the ${BUDGET / 1024} KB budget`);
  process.exit(1);
}
