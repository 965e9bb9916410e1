// Deterministic JSON for zarr metadata: fixed key order (insertion order), 64-bit integers written exactly
// (BigInt -> digits, never through a double), and `RawJson` for tokens JSON.stringify cannot produce (-0.0).

/** A JSON token written verbatim. */
export class RawJson {
  constructor(readonly text: string) {}
}

export class JsonError extends TypeError {
  override readonly name = "JsonError";
}

/** Serialise `value` with `indent` spaces. Non-finite numbers are an error naming where they are. */
export function toJson(value: unknown, indent = 4): string {
  return write(value, "", " ".repeat(indent), "$");
}

function write(v: unknown, pad: string, step: string, where: string): string {
  if (v === null || v === undefined) return "null";
  if (v instanceof RawJson) return v.text;
  switch (typeof v) {
    case "boolean":
      return v ? "true" : "false";
    case "bigint":
      return v.toString();
    case "string":
      return JSON.stringify(v);
    case "number":
      if (!Number.isFinite(v)) {
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
    const items = v.map((x, i) => inner + write(x, inner, step, `${where}[${i}]`));
    return `[${nl}${items.join("," + nl)}${nl}${pad}]`;
  }
  if (ArrayBuffer.isView(v)) return write(Array.from(v as unknown as ArrayLike<number>), pad, step, where);
  const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
  if (entries.length === 0) return "{}";
  const items = entries.map(([k, x]) => inner + JSON.stringify(k) + sep + write(x, inner, step, `${where}.${k}`));
  return `{${nl}${items.join("," + nl)}${nl}${pad}}`;
}

export function jsonBytes(value: unknown, indent = 4): Uint8Array {
  return new TextEncoder().encode(toJson(value, indent) + "\n");
}

export function parseJsonBytes(bytes: Uint8Array): unknown {
  return JSON.parse(new TextDecoder().decode(bytes));
}
