/**
 * What a JavaScript chunk is made of, read from its source map: every byte of
 * the minified chunk is attributed to the source file its mapping segment
 * points at, and source files are grouped by npm package (node_modules/<pkg>)
 * or, for the project's own code, by file. Used by bench/bundle.ts.
 *
 * A chunk's gzipped size cannot be split exactly between its sources (gzip
 * shares one dictionary across them), so a group's gzipped share is estimated
 * as its share of the minified bytes times the chunk's gzipped size.
 */

/** A standard (non-indexed) source map, as Turbopack writes with `productionBrowserSourceMaps`. */
export interface SourceMapV3 {
  version: number;
  sources: string[];
  mappings: string;
  sections?: unknown;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_VALUE = new Map([...B64].map((c, i) => [c, i]));

/** Decodes one segment's base64 VLQ fields ("AAgBC" → [0, 0, 16, 1]). */
export function decodeVlq(segment: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const c of segment) {
    const digit = B64_VALUE.get(c);
    if (digit === undefined) throw new RangeError(`Invalid base64 VLQ character, got: ${c}`);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    out.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0;
    shift = 0;
  }
  return out;
}

/** "turbopack:///[project]/node_modules/@scope/pkg/x.js" → "@scope/pkg"; project files keep their path. */
export function groupOf(source: string): string {
  const path = source.replace(/^turbopack:\/\/\/(\[project\]\/)?/, "").replace(/^webpack:\/\/\/?/, "");
  const nm = path.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const parts = path.slice(nm + "node_modules/".length).split("/");
    const pkg = parts[0]!.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!;
    // Next ships React DOM and its other client libraries precompiled inside itself.
    const compiled = pkg === "next" ? /\/dist\/compiled\/((?:@[^/]+\/)?[^/]+)/.exec(path) : null;
    if (compiled) return `next/dist/compiled/${compiled[1]}`;
    return pkg === "next" ? "next (router, runtime)" : pkg;
  }
  return path;
}

/**
 * Minified characters of `code` per group. Characters before a line's first
 * segment, or in a segment without a source, count as "(unmapped)": the
 * bundler's own glue (module table, chunk registration).
 */
export function composition(code: string, map: SourceMapV3): Map<string, number> {
  if (map.sections) throw new Error("Indexed source maps (sections) are not supported");
  const groups = map.sources.map(groupOf);
  const bytes = new Map<string, number>();
  const add = (group: string, n: number) => {
    if (n > 0) bytes.set(group, (bytes.get(group) ?? 0) + n);
  };
  const lines = code.split("\n");
  const mapped = map.mappings.split(";");
  let source = 0; // source index is relative across the whole map
  for (let li = 0; li < lines.length; li++) {
    const lineLength = lines[li]!.length + (li < lines.length - 1 ? 1 : 0); // the newline too
    const segments = (mapped[li] ?? "").split(",").filter((s) => s.length > 0);
    let column = 0; // generated column is relative within a line
    const starts: { column: number; group: string }[] = [];
    for (const seg of segments) {
      const f = decodeVlq(seg);
      column += f[0]!;
      if (f.length >= 4) {
        source += f[1]!;
        starts.push({ column, group: groups[source] ?? "(unmapped)" });
      } else {
        starts.push({ column, group: "(unmapped)" });
      }
    }
    if (starts.length === 0) {
      add("(unmapped)", lineLength);
      continue;
    }
    add("(unmapped)", starts[0]!.column);
    for (let i = 0; i < starts.length; i++) {
      const end = i + 1 < starts.length ? starts[i + 1]!.column : lineLength;
      add(starts[i]!.group, end - starts[i]!.column);
    }
  }
  return bytes;
}

/** The `//# sourceMappingURL=` a chunk names, or null. */
export function sourceMapUrlOf(code: string): string | null {
  const m = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(code);
  return m ? m[1]! : null;
}

/** The chunk without its trailing sourceMappingURL comment: what a build without source maps serves. */
export function withoutSourceMapComment(code: string): string {
  return code.replace(/\n*\/\/# sourceMappingURL=\S+\s*$/, "\n");
}
