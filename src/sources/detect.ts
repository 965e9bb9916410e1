// What a SOURCE argument is, in one place: a dataset module (a file or URL ending .js/.mjs/.cjs/.ts), else the
// first registered data format that recognises it (zarr: a directory or URL holding zarr.json, .zgroup, .zarray
// or .zmetadata; other backends, e.g. netCDF by its magic bytes, register themselves with registerSourceFormat),
// else an error naming it. Also glob expansion of SOURCE arguments (Node 20 has no fs.globSync).
import { createHash } from "node:crypto";
import { existsSync, readdirSync, statSync } from "node:fs";
import { open as openFile } from "node:fs/promises";
import { join, parse as parsePath, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import type { Dataset } from "../model/dataset.js";
import { resolveStore, storeScheme } from "../store/resolve.js";
import { SourceError } from "./errors.js";
import { readGroup, type ReadableStore } from "./zarr-meta.js";

/** A located SOURCE: an absolute path, or a URL. */
export interface SourceLocation {
  /** The argument as given. */
  given: string;
  /** Absolute path, or the URL (http(s):, ...). */
  location: string;
  isUrl: boolean;
  isDirectory: boolean;
  isFile: boolean;
  /** The first `n` bytes of a file (fewer when it is shorter); empty for directories and URLs. */
  head(n: number): Promise<Uint8Array>;
}

export interface SourceOpenOptions {
  /** Variables to leave out (unreadable ones, e.g. strings). */
  dropVariables?: readonly string[];
  onWarning?: (message: string) => void;
}

/** A data format a SOURCE can be (registered below for zarr; netCDF registers its own). */
export interface SourceFormat {
  /** Recorded in the plan ("zarr", "netcdf"). */
  name: string;
  /** What a source of this format is, for the error listing what was expected. */
  describe: string;
  detect(loc: SourceLocation): Promise<boolean> | boolean;
  open(location: string, options: SourceOpenOptions): Promise<Dataset>;
  /** A digest of the source's metadata: a source whose metadata changed after `init` is refused by `write`. */
  fingerprint(location: string): Promise<string>;
}

const FORMATS: SourceFormat[] = [];

/** Add a data format (tried in order of registration, before zarr; a name registered again is replaced). */
export function registerSourceFormat(format: SourceFormat): void {
  const i = FORMATS.findIndex((f) => f.name === format.name);
  if (i >= 0) FORMATS[i] = format;
  else FORMATS.splice(Math.max(0, FORMATS.length - 1), 0, format); // zarr (registered first) stays last
}

export function sourceFormat(name: string): SourceFormat {
  const f = FORMATS.find((x) => x.name === name);
  if (!f) throw new SourceError(`unknown source format ${JSON.stringify(name)} (known: ${FORMATS.map((x) => x.name).join(", ")})`);
  return f;
}

export const MODULE_EXTENSIONS = [".js", ".mjs", ".cjs", ".ts"] as const;

const isUrl = (s: string): boolean => storeScheme(s) !== undefined;

/** A source argument as an absolute path or URL: `file:` URLs become paths, other URLs stay as they are. */
export function locateSource(given: string, cwd: string): SourceLocation {
  if (given === "") throw new SourceError("source is empty: expected a path or URL");
  let location = given;
  const url = isUrl(given) && storeScheme(given) !== "file";
  if (!url) {
    // file: URLs through the scheme table, which checks them; plain paths against cwd.
    location = storeScheme(given) === "file" ? (resolveStore(given) as unknown as { root: string }).root : resolve(cwd, given);
  }
  const st = url ? undefined : statSync(location, { throwIfNoEntry: false });
  return {
    given, location, isUrl: url, isDirectory: !!st?.isDirectory(), isFile: !!st?.isFile(),
    async head(n) {
      if (!st?.isFile()) return new Uint8Array(0);
      const fh = await openFile(location, "r");
      try {
        const buf = new Uint8Array(n);
        const { bytesRead } = await fh.read(buf, 0, n, 0);
        return buf.subarray(0, bytesRead);
      } finally {
        await fh.close();
      }
    },
  };
}

export type DetectedSource =
  | { kind: "module"; given: string; url: string }
  | { kind: "data"; given: string; location: string; format: SourceFormat };

/** What `given` is: a dataset module, or a source of a registered format; else a SourceError naming it. */
export async function detectSource(given: string, cwd: string): Promise<DetectedSource> {
  if (/^data:/i.test(given)) return { kind: "module", given, url: given }; // a module inline
  const loc = locateSource(given, cwd);
  const path = loc.isUrl ? new URL(loc.location).pathname : loc.location;
  if ((MODULE_EXTENSIONS as readonly string[]).includes(parsePath(path).ext.toLowerCase())) {
    if (!loc.isUrl && !loc.isFile) throw new SourceError(`dataset module not found: ${loc.location}`);
    return { kind: "module", given, url: loc.isUrl ? loc.location : pathToFileURL(loc.location).href };
  }
  if (!loc.isUrl && !loc.isFile && !loc.isDirectory) throw new SourceError(`source not found: ${loc.location} (no such file or directory)`);
  for (const f of FORMATS) if (await f.detect(loc)) return { kind: "data", given, location: loc.location, format: f };
  const what = [`a dataset module (${MODULE_EXTENSIONS.join(", ")})`, ...[...FORMATS].reverse().map((f) => f.describe)];
  throw new SourceError(`${loc.location} is not a source: expected ${what.join(", or ")}`);
}

// ---------------------------------------------------------------------------------------------------- zarr
const ZARR_KEYS = ["zarr.json", ".zmetadata", ".zgroup", ".zarray"];

function zarrStore(location: string): ReadableStore {
  return resolveStore(location) as unknown as ReadableStore;
}

registerSourceFormat({
  name: "zarr",
  describe: "a zarr store (a directory or URL holding zarr.json, .zgroup, .zarray or .zmetadata)",
  async detect(loc) {
    if (loc.isDirectory) return ZARR_KEYS.some((k) => existsSync(join(loc.location, k)));
    if (!loc.isUrl) return false;
    const s = zarrStore(loc.location);
    for (const k of ZARR_KEYS) if ((await s.get(`/${k}`)) !== undefined) return true;
    return false;
  },
  // Loaded when a zarr source is opened (zarrita and the codecs): a netCDF run's threads never need them.
  open: async (location, options) => (await import("./zarr.js")).openZarr(location, options),
  async fingerprint(location) {
    const g = await readGroup(zarrStore(location), location, undefined, undefined);
    const canon = JSON.stringify({ format: g.format, attrs: sorted(g.attrs), arrays: g.arrays.map((a) => [a.name, sorted(a.doc), sorted(a.attrs)]) });
    return createHash("sha256").update(canon).digest("hex").slice(0, 32);
  },
});

/** Objects with keys sorted (for a stable digest); NaN and infinities kept apart from null. */
function sorted(v: unknown): unknown {
  if (typeof v === "number" && !Number.isFinite(v)) return String(v);
  if (Array.isArray(v)) return v.map(sorted);
  if (typeof v !== "object" || v === null) return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])]));
}

// ---------------------------------------------------------------------------------------------------- globs
export const hasGlob = (s: string): boolean => /[*?[]/.test(s);

/** A glob segment (`*`, `?`, `[abc]`, `[!a-z]`) as a regular expression; `*` and `?` never match a leading dot. */
function segmentRegex(seg: string): RegExp {
  let re = "";
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = seg.indexOf("]", i + 2);
      if (end < 0) re += "\\[";
      else {
        let body = seg.slice(i + 1, end);
        const neg = body[0] === "!" || body[0] === "^";
        if (neg) body = body.slice(1);
        re += `[${neg ? "^" : ""}${body.replace(/[\\\]^]/g, (m) => `\\${m}`)}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\\]]/g, (m) => `\\${m}`);
  }
  return new RegExp(`^${seg.startsWith(".") ? "" : "(?!\\.)"}${re}$`);
}

/** The paths matching an absolute glob pattern, sorted lexicographically. */
export function globPaths(pattern: string): string[] {
  const { root } = parsePath(pattern);
  const segs = pattern.slice(root.length).split(sep).filter((s) => s !== "");
  let paths = [root];
  segs.forEach((seg, i) => {
    const last = i === segs.length - 1;
    const next: string[] = [];
    for (const dir of paths) {
      if (!hasGlob(seg)) {
        const p = join(dir, seg);
        if (last ? existsSync(p) : statSync(p, { throwIfNoEntry: false })?.isDirectory()) next.push(p);
        continue;
      }
      const re = segmentRegex(seg);
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const e of entries) {
        if (!re.test(e.name)) continue;
        const p = join(dir, e.name);
        if (last || e.isDirectory() || (e.isSymbolicLink() && statSync(p, { throwIfNoEntry: false })?.isDirectory())) next.push(p);
      }
    }
    paths = next;
  });
  return paths.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * SOURCE arguments expanded: a URL or an existing path as given; a path that does not exist and holds `*`, `?`
 * or `[` expanded as a glob (sorted lexicographically; matching nothing is an error naming it).
 */
export function expandSources(args: readonly string[], cwd: string): string[] {
  const out: string[] = [];
  for (const a of args) {
    if (isUrl(a) || existsSync(resolve(cwd, a)) || !hasGlob(a)) {
      out.push(a);
      continue;
    }
    const matches = globPaths(resolve(cwd, a));
    if (!matches.length) throw new SourceError(`no file or directory matches ${JSON.stringify(a)} (in ${cwd})`);
    out.push(...matches);
  }
  return out;
}
