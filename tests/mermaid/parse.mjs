// Parse the Mermaid text on stdin with Mermaid's own parser: prints the diagram type, or the
// parse error and exits 1. Mermaid's sanitiser needs a DOM, which jsdom provides.
import { readFileSync } from "node:fs";
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");
try {
  const parsed = await mermaid.parse(readFileSync(0, "utf8"));
  console.log(parsed.diagramType);
} catch (error) {
  console.log(String(error?.message ?? error));
  process.exit(1);
}
