// Parses Mermaid diagrams with Mermaid's own parser. Input: a JSON array of
// diagram sources in the file named by the last argument. Output: one line
// per diagram, `OK <type>` or `ERR <message>`. Mermaid's label sanitiser
// (DOMPurify) needs a DOM, which jsdom provides; nothing touches the network.
import { readFileSync } from 'node:fs';
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');

const diagrams = JSON.parse(readFileSync(process.argv[process.argv.length - 1], 'utf8'));
for (const text of diagrams) {
  try {
    const result = await mermaid.parse(text);
    console.log(`OK ${result.diagramType}`);
  } catch (error) {
    console.log(`ERR ${String(error.message ?? error).split('\n').join(' | ')}`);
  }
}
