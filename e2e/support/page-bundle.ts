/**
 * Bundles app modules for a plain page (no server): the audio tests load the
 * real engine, kits and exporters into about:blank and render offline.
 */
import { build } from "esbuild";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** `entry`: TypeScript that imports from the repository root ("./app/…", "./core/…") and sets window globals. */
export async function bundleForPage(entry: string, name: string): Promise<string> {
  const result = await build({
    stdin: { contents: entry, resolveDir: root, loader: "ts", sourcefile: `${name}-entry.ts` },
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error(`esbuild produced no bundle for ${name}`);
  return output.text;
}
