// Deterministic JSON for zarr metadata: fixed key order (insertion order), 64-bit integers written exactly
// (BigInt -> digits, never through a double), and `RawJson` for tokens JSON.stringify cannot produce (-0.0).
// zarr v2 documents are written as zarr-python 2 writes them (json.dumps(ensure_ascii=True)): every character
// outside printable ASCII as \uXXXX (astral ones as surrogate pairs), so that readers decoding them as ASCII
// (zarr 2.13) can; non-finite numbers as the bare tokens NaN, Infinity, -Infinity. `parseJsonTolerant` reads
// those tokens back.

/** A JSON token written verbatim. */
export class RawJson {
  constructor(readonly text: string) {}
}

export class JsonError extends TypeError {
  override readonly name = "JsonError";
}

export interface JsonOptions {
  /** Escape every character outside U+0020..U+007E as \uXXXX, as Python's json.dumps(ensure_ascii=True). */
  ascii?: boolean;
  /** "tokens": NaN, Infinity, -Infinity as bare tokens (Python's json, zarr v2); "error" (default): refuse. */
  nonFinite?: "error" | "tokens";
}

/** Serialise `value` with `indent` spaces. Non-finite numbers are an error naming where they are (unless tokens). */
export function toJson(value: unknown, indent = 4, options: JsonOptions = {}): string {
  return write(value, "", " ".repeat(indent), "$", options);
}

const NON_ASCII = /[^\x20-\x7e]/g;
const hex4 = (c: string): string => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0");

/** A JSON string literal; with `ascii`, Python's ensure_ascii form (lower-case hex, as json.dumps writes). */
export function quoteJson(s: string, ascii = false): string {
  const q = JSON.stringify(s);
  return ascii ? q.replace(NON_ASCII, hex4) : q;
}

function write(v: unknown, pad: string, step: string, where: string, o: JsonOptions): string {
  if (v === null || v === undefined) return "null";
  if (v instanceof RawJson) return v.text;
  switch (typeof v) {
    case "boolean":
      return v ? "true" : "false";
    case "bigint":
      return v.toString();
    case "string":
      return quoteJson(v, o.ascii);
    case "number":
      if (!Number.isFinite(v)) {
        if (o.nonFinite === "tokens") return Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
        throw new JsonError(`${where} is ${v}: JSON cannot hold it (write it as a string, e.g. "NaN", or drop it)`);
      }
      return JSON.stringify(v);
    case "object":
      break;
    default:
      throw new JsonError(`${where} is a ${typeof v}: not JSON`);
  }
  const inner = pad + step;
  const nl = step ? "\n" : "";
  const sep = step ? ": " : ":";
  if (Array.isArray(v)) {
    if (v.length === 0) return "[]";
    const items = v.map((x, i) => inner + write(x, inner, step, `${where}[${i}]`, o));
    return `[${nl}${items.join("," + nl)}${nl}${pad}]`;
  }
  if (ArrayBuffer.isView(v)) return write(Array.from(v as unknown as ArrayLike<number>), pad, step, where, o);
  const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
  if (entries.length === 0) return "{}";
  const items = entries.map(([k, x]) => inner + quoteJson(k, o.ascii) + sep + write(x, inner, step, `${where}.${k}`, o));
  return `{${nl}${items.join("," + nl)}${nl}${pad}}`;
}

export function jsonBytes(value: unknown, indent = 4, options: JsonOptions = {}): Uint8Array {
  return new TextEncoder().encode(toJson(value, indent, options) + "\n");
}

export function parseJsonBytes(bytes: Uint8Array): unknown {
  return parseJsonTolerant(bytes);
}

const decoder = new TextDecoder();
const TOKENS: Record<string, number> = { NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity };

/**
 * JSON.parse that also accepts the bare tokens NaN, Infinity and -Infinity outside strings (as Python's json,
 * zarr-python 2 and xarray write them in zarr v2 attributes). `source` names the document in errors.
 */
export function parseJsonTolerant(input: Uint8Array | string, source?: string): unknown {
  const text = typeof input === "string" ? input : decoder.decode(input);
  try {
    // Fast path: no token anywhere (not even inside a string).
    if (!text.includes("NaN") && !text.includes("Infinity")) return JSON.parse(text);
    return parseWithTokens(text);
  } catch (e) {
    if (e instanceof SyntaxError && source !== undefined) throw new JsonError(`${source} is not valid JSON: ${e.message}`, { cause: e });
    throw e;
  }
}

/**
 * Replace each bare token by a marker string, then turn markers back into numbers. The marker carries a random
 * nonce: a document cannot hold it by chance (escaped forms included, which a check of the text would miss).
 */
function parseWithTokens(text: string): unknown {
  const marker = `\u0001xp-non-finite-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}\u0001`;
  const out: string[] = [];
  let last = 0, found = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // Skip the string: its escapes included.
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i++;
        else if (d === 0x22) break;
      }
      continue;
    }
    let tok: string | undefined;
    if (c === 0x4e /* N */ && text.startsWith("NaN", i)) tok = "NaN";
    else if (c === 0x49 /* I */ && text.startsWith("Infinity", i)) tok = "Infinity";
    else if (c === 0x2d /* - */ && text.startsWith("-Infinity", i)) tok = "-Infinity";
    if (tok === undefined) continue;
    out.push(text.slice(last, i), JSON.stringify(marker + tok));
    i += tok.length - 1;
    last = i + 1;
    found = true;
  }
  if (!found) return JSON.parse(text);
  out.push(text.slice(last));
  return JSON.parse(out.join(""), (_k, v: unknown) =>
    typeof v === "string" && v.startsWith(marker) ? TOKENS[v.slice(marker.length)] : v,
  );
}
