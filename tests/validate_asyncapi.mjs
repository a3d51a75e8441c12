// Parse an AsyncAPI document with the official parser and print its diagnostics as JSON:
// severity 0 is an error, 1 a warning, 2 information, 3 a hint.
import { readFileSync } from "node:fs";
import { Parser } from "@asyncapi/parser";

const { document, diagnostics } = await new Parser().parse(readFileSync(process.argv[2], "utf8"));
const found = diagnostics.map((d) => ({
  severity: d.severity,
  code: d.code,
  message: d.message,
  path: d.path.join("/"),
}));
process.stdout.write(JSON.stringify({ parsed: document !== undefined, diagnostics: found }));
