// The UI's build (what `npm run build` does in Brokkr): src/ -> dist/, the
// version stamped into the page and build.json, comments and indentation
// stripped from the scripts and styles.  Node's standard library only: no
// npm registry is needed.   node build.js VERSION
'use strict';
const fs = require('fs');
const path = require('path');

const version = process.argv[2] || 'dev';
const src = path.join(__dirname, 'src');
const dist = path.join(__dirname, 'dist');
fs.rmSync(dist, { recursive: true, force: true });
fs.mkdirSync(dist);

const minify = (text) => text
  .replace(/\/\*[\s\S]*?\*\//g, '')
  .split('\n')
  .filter((line) => !/^\s*\/\//.test(line))
  .map((line) => line.trim())
  .filter((line) => line)
  .join('\n');

for (const name of fs.readdirSync(src)) {
  let text = fs.readFileSync(path.join(src, name), 'utf8');
  if (name.endsWith('.html')) text = text.replace(/{{VERSION}}/g, version);
  else if (name !== 'server.js') text = minify(text);
  fs.writeFileSync(path.join(dist, name), text);
}
fs.writeFileSync(path.join(dist, 'build.json'), JSON.stringify({ component: 'brokkr-ui', version }) + '\n');
console.log(`built ${fs.readdirSync(dist).length} files into dist/ (${version})`);
