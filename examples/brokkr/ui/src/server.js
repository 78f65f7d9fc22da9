// The UI's runtime: `--version` prints the build; otherwise serves the static
// site next to this file on $PORT (8080) and an empty API.
'use strict';
const http = require('http');
const fs = require('fs');
const path = require('path');

const build = require('./build.json');
if (process.argv[2] === '--version') {
  console.log(`brokkr-ui ${build.version}`);
  process.exit(0);
}
const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json' };
http.createServer((request, response) => {
  const url = new URL(request.url, 'http://ui');
  if (url.pathname.startsWith('/api/')) {
    response.writeHead(200, { 'content-type': 'application/json' });
    return response.end('[]');
  }
  const name = path.normalize(url.pathname === '/' ? '/index.html' : url.pathname).replace(/^(\.\.[/\\])+/, '');
  fs.readFile(path.join(__dirname, name), (error, body) => {
    if (error) {
      response.writeHead(404);
      return response.end();
    }
    response.writeHead(200, { 'content-type': types[path.extname(name)] || 'application/octet-stream' });
    response.end(body);
  });
}).listen(Number(process.env.PORT || 8080));
