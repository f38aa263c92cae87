#!/usr/bin/env node
/**
 * Keeps the two Prisma clients in step with the ONE source of truth,
 * prisma/schema.prisma (SQLite):
 *
 *   1. derives prisma/postgres/schema.prisma (committed) by swapping the
 *      datasource provider and the generator output;
 *   2. runs `prisma generate` for both schemas into generated/{sqlite,postgres}.
 *
 *   node scripts/generate-prisma.mjs           derive + generate (skips clients whose inputs are unchanged)
 *   node scripts/generate-prisma.mjs --force   regenerate even when unchanged
 *   node scripts/generate-prisma.mjs --check   only verify the committed postgres schema is current (CI)
 *
 * Works offline: `prisma generate` never needs the native schema engine, but
 * the CLI insists the engine file exists, so PRISMA_SCHEMA_ENGINE_BINARY points
 * at any existing executable (see docs in /work/shared/notes/offline-stack.md).
 */
import { createHash } from "node:crypto";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const SCHEMAS = {
  sqlite: join(ROOT, "prisma/schema.prisma"),
  postgres: join(ROOT, "prisma/postgres/schema.prisma"),
};
const OUTPUTS = {
  sqlite: join(ROOT, "generated/sqlite"),
  postgres: join(ROOT, "generated/postgres"),
};

const HEADER =
  "// GENERATED from prisma/schema.prisma by scripts/generate-prisma.mjs — do not edit.\n" +
  "// Edit prisma/schema.prisma and run `npm run prisma:generate`.\n\n";

/** Replaces exactly one match, so a reshaped source schema fails loudly instead of deriving nonsense. */
function replaceOnce(text, pattern, replacement, what) {
  const matches = text.match(new RegExp(pattern.source, pattern.flags.includes("g") ? pattern.flags : pattern.flags + "g"));
  if (!matches || matches.length !== 1) {
    throw new Error(`generate-prisma: expected exactly one ${what} in prisma/schema.prisma, found ${matches?.length ?? 0}`);
  }
  return text.replace(pattern, replacement);
}

/** The PostgreSQL schema text for a given SQLite source schema text. */
export function derivePostgresSchema(sqliteSchema) {
  let text = replaceOnce(
    sqliteSchema,
    /(datasource\s+\w+\s*\{[^}]*?provider\s*=\s*)"sqlite"/,
    '$1"postgresql"',
    'datasource provider = "sqlite"',
  );
  // The output path is relative to the schema file, which lives one level deeper.
  text = replaceOnce(
    text,
    /(generator\s+\w+\s*\{[^}]*?output\s*=\s*)"\.\.\/generated\/sqlite"/,
    '$1"../../generated/postgres"',
    'generator output = "../generated/sqlite"',
  );
  return HEADER + text;
}

export function readSource() {
  return readFileSync(SCHEMAS.sqlite, "utf8");
}

/** An executable that exists: the CLI only checks the engine path, generate never runs it. */
function dummyEngineBinary() {
  return existsSync("/bin/true") ? "/bin/true" : process.execPath;
}

export function prismaEnv() {
  return {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || dummyEngineBinary(),
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
    CHECKPOINT_DISABLE: "1",
    PRISMA_TELEMETRY_DISABLED: "1",
  };
}

function prismaCliVersion() {
  return JSON.parse(readFileSync(join(ROOT, "node_modules/prisma/package.json"), "utf8")).version;
}

function runPrismaGenerate(schemaPath) {
  const cli = join(ROOT, "node_modules/prisma/build/index.js");
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [cli, "generate", "--schema", schemaPath, "--no-hints"], {
      cwd: ROOT,
      env: prismaEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code === 0) resolvePromise(output);
      else reject(new Error(`prisma generate --schema ${relative(ROOT, schemaPath)} failed (exit ${code}):\n${output}`));
    });
  });
}

/** Fingerprint of everything that determines a generated client. */
function inputsHash(schemaText) {
  return createHash("sha256")
    .update(prismaCliVersion())
    .update("\0")
    .update(readFileSync(fileURLToPath(import.meta.url)))
    .update("\0")
    .update(schemaText)
    .digest("hex");
}

async function generate(kind, schemaText, force) {
  const stampPath = join(OUTPUTS[kind], ".inputs-sha256");
  const hash = inputsHash(schemaText);
  const upToDate =
    existsSync(join(OUTPUTS[kind], "client.ts")) &&
    existsSync(stampPath) &&
    readFileSync(stampPath, "utf8").trim() === hash;
  if (upToDate && !force) return `${kind}: up to date`;
  await runPrismaGenerate(SCHEMAS[kind]);
  writeFileSync(stampPath, hash + "\n");
  return `${kind}: generated ${relative(ROOT, OUTPUTS[kind])}`;
}

async function main(args) {
  const unknown = args.filter((a) => a !== "--check" && a !== "--force");
  if (unknown.length > 0) throw new Error(`generate-prisma: unknown arguments ${unknown.join(" ")}`);

  const source = readSource();
  const postgres = derivePostgresSchema(source);
  const current = existsSync(SCHEMAS.postgres) ? readFileSync(SCHEMAS.postgres, "utf8") : null;

  if (args.includes("--check")) {
    if (current !== postgres) {
      console.error(
        "prisma/postgres/schema.prisma is out of date with prisma/schema.prisma.\n" +
          "Run `npm run prisma:generate` and commit the result.",
      );
      process.exitCode = 1;
      return;
    }
    console.log("prisma/postgres/schema.prisma is up to date.");
    return;
  }

  if (current !== postgres) {
    mkdirSync(dirname(SCHEMAS.postgres), { recursive: true });
    writeFileSync(SCHEMAS.postgres, postgres);
    console.log("wrote prisma/postgres/schema.prisma");
  }
  const force = args.includes("--force");
  const results = await Promise.all([generate("sqlite", source, force), generate("postgres", postgres, force)]);
  for (const line of results) console.log(line);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
