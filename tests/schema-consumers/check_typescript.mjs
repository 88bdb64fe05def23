// The README's TypeScript path for the JSON Schemas, run over every sample payload.
//
// Run by scripts/schema-consumers.sh after check_python.py, which wrote work/cases.json:
// an envelope of every sample event, the schema its payload is read with (null: UNPARSED
// or a type without a model), the Upvest/SnapTrade variant it must land in, what the
// README's handle() prints for it, and the README's TypeScript blocks. This check:
// - runs the README's quicktype commands verbatim in work/, compiles the README's code
//   with them (tsc --strict) and runs handle() over every envelope: what it prints must be
//   the payload's own text;
// - compiles every schema with the README's ajv instance (exactly its set-up) and
//   validates every envelope and payload;
// - generates quicktype's run-time checked converters (one per schema, one per variant of
//   a oneOf) and converts every envelope and payload with them.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const work = join(here, "work");
const bin = join(here, "node_modules", ".bin");
const schemas = join(here, "..", "..", "models", "schemas");
const require = createRequire(import.meta.url);

class CheckFailed extends Error {}
process.on("uncaughtException", (error) => {
  console.error(`schema consumers (TypeScript): FAILED: ${error.message}`);
  process.exit(1);
});
const check = (condition, message) => {
  if (!condition) throw new CheckFailed(message);
};

function run(command, args, options = {}) {
  execFileSync(command, args, {
    cwd: work,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    ...options,
  });
}

function tsc(files) {
  // CommonJS output next to the sources, as a plain `tsc` project of the README's code.
  run(join(bin, "tsc"), [
    "--strict", "--esModuleInterop", "--skipLibCheck", "--module", "commonjs",
    "--moduleResolution", "node10", "--target", "es2022", "--types", "node", ...files,
  ]);
}

/** console.log output of fn(). */
function printed(fn) {
  const lines = [];
  const log = console.log;
  console.log = (...args) => lines.push(`${args.map(String).join(" ")}\n`);
  try {
    fn();
  } finally {
    console.log = log;
  }
  return lines.join("");
}

const { cases, typescript_shell: readmeShell, typescript_code: readmeCode } = JSON.parse(
  readFileSync(join(work, "cases.json"), "utf8"),
);
const schemaNames = readdirSync(schemas).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5));
const schemaOf = (name) => JSON.parse(readFileSync(join(schemas, `${name}.json`), "utf8"));

// 1. The README's commands and code, verbatim.
run("bash", ["-euo", "pipefail", "-c", readmeShell]);
writeFileSync(join(work, "consumer.ts"), readmeCode);
tsc([join(work, "consumer.ts")]);
process.chdir(work); // the README's code reads models/schemas/ from the working directory
const consumer = require(join(work, "consumer.js"));
for (const c of cases) {
  let output;
  try {
    output = printed(() => consumer.handle(c.body));
  } catch (error) {
    throw new CheckFailed(`${c.name}: the README's handle() threw: ${error.message}`);
  }
  check(output === c.typescript_prints, `${c.name}: README TypeScript printed ${JSON.stringify(output)}, expected ${JSON.stringify(c.typescript_prints)}`);
}

// 2. ajv, exactly as the README sets it up: every schema compiles, every document fits.
const validators = Object.fromEntries(schemaNames.map((name) => [name, consumer.ajv.compile(schemaOf(name))]));
const valid = (name, document, what) => {
  const validate = validators[name];
  check(validate(document), `${what} does not fit ${name}: ${consumer.ajv.errorsText(validate.errors)}`);
};
let payloads = 0;
for (const c of cases) {
  const envelope = JSON.parse(c.body);
  valid("envelope", envelope, `${c.name} envelope`);
  if (c.schema) {
    valid(c.schema, envelope.payload, c.name);
    payloads += 1;
  }
}

// 3. quicktype's run-time checked converters: one per schema, one per variant of a oneOf.
const generated = join(work, "converters");
rmSync(generated, { recursive: true, force: true });
mkdirSync(generated);
const converters = {};
for (const name of schemaNames) {
  const schema = schemaOf(name);
  const variants = (schema.oneOf ?? []).map((one) => one.$ref.replace("#/$defs/", ""));
  const sources = variants.length ? variants.map((v) => `${join(schemas, name)}.json#/$defs/${v}`) : [join(schemas, `${name}.json`)];
  const out = join(generated, `${name}.ts`);
  run(join(bin, "quicktype"), ["--src-lang", "schema", "--lang", "typescript", "--no-date-times", "--out", out, ...sources]);
  converters[name] = out;
}
tsc(Object.values(converters));
const convert = (name, variant, document, what) => {
  const { Convert } = require(converters[name].replace(/\.ts$/, ".js"));
  const method = variant ? `to${variant}` : Object.getOwnPropertyNames(Convert).find((m) => m.startsWith("to"));
  check(typeof Convert[method] === "function", `quicktype made no ${method} for ${name}`);
  try {
    Convert[method](JSON.stringify(document));
  } catch (error) {
    throw new CheckFailed(`${what}: quicktype's ${name} ${method} refused it: ${error.message}`);
  }
};
for (const c of cases) {
  const envelope = JSON.parse(c.body);
  convert("envelope", null, envelope, `${c.name} envelope`);
  if (c.schema) convert(c.schema, schemaOf(c.schema).oneOf ? c.variant : null, envelope.payload, c.name);
}

console.log(
  `schema consumers (TypeScript): ${schemaNames.length} schemas compiled by the README's ajv; ` +
    `${cases.length} envelopes and ${payloads} payloads validated by ajv and converted by quicktype's types; ` +
    `the README's handle() printed every payload's exact text`,
);
