// Argument parsing for the CLI on node:util's parseArgs (Node and Deno), with errors rewritten as one clear
// line that names the command and the option.
import { parseArgs } from "node:util";

/** Bad command line: printed as one line, exit status 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

export type OptionSpec = Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }>;

export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export function parse(command: string, argv: string[], options: OptionSpec, positionals: { min: number; max: number; names: string[] }): Parsed {
  let r;
  try {
    r = parseArgs({ args: argv, options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
  } catch (e) {
    const msg = (e as Error).message;
    const code = (e as { code?: string }).code;
    const opt = /'(-[^'\s,]*)/.exec(msg)?.[1];
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") throw new UsageError(`${command}: unknown option ${opt ?? msg} (see xpartition ${command} --help)`);
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      if (/argument missing/.test(msg)) throw new UsageError(`${command}: option ${opt ?? ""} needs a value`);
      const amb = /'(--[\w-]+)(?: <value>)?' argument is ambiguous/.exec(msg);
      if (amb) throw new UsageError(`${command}: option ${amb[1]} needs a value (for one starting with "-", write ${amb[1]}=VALUE)`);
      throw new UsageError(`${command}: option ${opt ?? ""} takes no value`);
    }
    throw new UsageError(`${command}: ${msg.split("\n")[0]}`);
  }
  const values = r.values as Record<string, string | boolean | undefined>;
  if (values.help) return { values, positionals: r.positionals };
  const n = r.positionals.length;
  if (n < positionals.min) {
    throw new UsageError(`${command}: missing ${positionals.names.slice(n, positionals.min).map((s) => `<${s}>`).join(" ")} (usage: xpartition ${command} --help)`);
  }
  if (n > positionals.max) throw new UsageError(`${command}: unexpected argument ${JSON.stringify(r.positionals[positionals.max])}`);
  return { values, positionals: r.positionals };
}

/** An integer option: undefined when absent; errors name the option, the value and the range. */
export function intOption(command: string, values: Parsed["values"], name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const s = String(v).trim();
  const n = /^[+-]?\d+$/.test(s) ? Number(s) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
    throw new UsageError(`${command}: --${name} ${JSON.stringify(String(v))} is not valid: expected ${range}`);
  }
  return n;
}

export function requireOption<T>(command: string, name: string, v: T | undefined): T {
  if (v === undefined) throw new UsageError(`${command}: --${name} is required`);
  return v;
}

/** `--dims a,b`: non-empty, unique names. */
export function dimsOption(command: string, values: Parsed["values"]): string[] | undefined {
  const v = values.dims;
  if (v === undefined) return undefined;
  const dims = String(v).split(",").map((s) => s.trim());
  if (dims.some((d) => d === "")) throw new UsageError(`${command}: --dims ${JSON.stringify(String(v))} is not valid: expected dimension names separated by commas, e.g. --dims time,tile`);
  const dup = dims.find((d, i) => dims.indexOf(d) !== i);
  if (dup !== undefined) throw new UsageError(`${command}: --dims names ${JSON.stringify(dup)} twice`);
  return dims;
}

export function choiceOption<T extends string>(command: string, values: Parsed["values"], name: string, choices: readonly T[]): T | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  if (!choices.includes(v as T)) throw new UsageError(`${command}: --${name} ${JSON.stringify(String(v))} is not valid: expected one of ${choices.join(", ")}`);
  return v as T;
}

/** Format ranks for SLURM's --array (and humans): runs of 3 or more as ranges, `0-3,7,9`. */
export function formatRankList(ranks: readonly number[]): string {
  const s = [...new Set(ranks)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < s.length; ) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j]! + 1) j++;
    if (j - i >= 2) parts.push(`${s[i]}-${s[j]}`);
    else for (let k = i; k <= j; k++) parts.push(String(s[k]));
    i = j + 1;
  }
  return parts.join(",");
}
