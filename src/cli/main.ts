#!/usr/bin/env node
// The `xpartition` command: plan, init, write, run, status, verify, clean, demo. Errors are one line on stderr with a
// non-zero exit status (2 for a bad command line, 1 otherwise); XPARTITION_DEBUG=1 adds the stack.
import process from "node:process";
import { fileURLToPath } from "node:url";
import { realpathSync } from "node:fs";
import { UsageError } from "./args.js";
import type { Command, Io } from "./command.js";
import { prestartRunWorkers } from "../run/prestart.js";
import { startWriterThread } from "../store/io-thread.js";

const help = (COMMANDS: Record<string, Command>) => `xpartition: write a lazily computed dataset into one zarr store from independent processes

usage: xpartition <command> [options]

commands:
${Object.values(COMMANDS).map((c) => `  ${c.name.padEnd(8)}${c.summary}`).join("\n")}

Run 'xpartition <command> --help' for a command's options.

The array-job workflow:
  xpartition init dataset.mjs store.zarr --ranks 8 --dims time
  sbatch --array=0-7 job.sh        # job.sh runs: xpartition write store.zarr (init recorded the dataset)
  xpartition status store.zarr     # complete ranks, missing ranks, and what to resubmit
  xpartition verify store.zarr     # every chunk decoded and checked against its rank's manifest
  xpartition clean store.zarr      # afterwards: temporary files of killed writes, if any

No code: existing zarr stores as sources (copy, rechunk, select, join):
  xpartition run in.zarr out.zarr --chunks time=24 --ranks 8 --dims time
  xpartition init 'day-*.zarr' out.zarr --concat-dim time --ranks 8 --dims time   # then: xpartition write out.zarr

exit status: 0 success, 1 failure, 2 a bad command line; each command's --help lists its own (status: 1 means
ranks missing; write, run: 143 or 130 when stopped by SIGTERM or SIGINT).
`;

/**
 * `run`'s worker threads (and a local store's writer thread) are started from the raw arguments before the commands' modules load, so that their own
 * start-up (importing the package: ~0.3 s of a core) overlaps this thread's. A wrong guess costs threads only:
 * `run` starts those missing and the pool ends those it does not adopt.
 */
function startRunWorkersEarly(args: readonly string[]): void {
  if (args.some((a) => a === "--help" || a === "-h" || a === "--resume")) return;
  const int = (name: string): number | undefined => {
    const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
    const v = i < 0 ? undefined : args[i]!.includes("=") ? args[i]!.slice(args[i]!.indexOf("=") + 1) : args[i + 1];
    return v !== undefined && /^[1-9][0-9]{0,3}$/.test(v) ? Number(v) : undefined;
  };
  // Option values are among these too, harmlessly: only sources ending in a module's or netCDF's suffix count.
  const positional = args.filter((a) => !a.startsWith("-"));
  const sources = positional.slice(0, -1);
  if (sources.length === 0) return;
  prestartRunWorkers({ workers: int("workers"), ranks: int("ranks"), sources });
  // A local store's writer thread too: init's first metadata write would otherwise wait for it to boot.
  if (!positional.at(-1)!.includes("://")) startWriterThread();
}

let COMMANDS: Record<string, Command> | undefined;

export async function main(argv: string[], io: Io): Promise<number> {
  const [name, ...args] = argv;
  if (name === "run") startRunWorkersEarly(args);
  COMMANDS ??= (await import("./commands.js")).COMMANDS;
  const HELP = help(COMMANDS);
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    if (name === "help" && args[0] && COMMANDS[args[0]]) {
      io.out.write(COMMANDS[args[0]]!.help);
      return 0;
    }
    io.out.write(HELP);
    return name === undefined ? 2 : 0;
  }
  const cmd = COMMANDS[name];
  try {
    if (!cmd) throw new UsageError(`unknown command ${JSON.stringify(name)}: expected one of ${Object.keys(COMMANDS).join(", ")} (see xpartition --help)`);
    return await cmd.run(args, io);
  } catch (e) {
    const err = e as Error;
    const msg = (err?.message ?? String(e)).replace(/\s*\n\s*/g, " ");
    io.err.write(`xpartition${cmd ? ` ${cmd.name}` : ""}: ${msg.replace(new RegExp(`^${name}: `), "")}\n`);
    if (io.env.XPARTITION_DEBUG && err?.stack) io.err.write(err.stack + "\n");
    return e instanceof UsageError ? 2 : 1;
  }
}

function isMain(): boolean {
  const argv1 = process.argv[1];
  if (!argv1) return false;
  try {
    return realpathSync(argv1) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  // Loaded beside the command (not before: the early thread start comes first); needed only at 'beforeExit'.
  let hang: typeof import("../run/hang.js") | undefined;
  void import("../run/hang.js").then((m) => (hang = m));
  // Not a top-level await: with a compute that never settles Node would exit 13 with no message. Instead, when
  // the event loop empties before the command ends, say which compute is pending and exit 1.
  let ended = false;
  process.on("beforeExit", () => {
    if (ended) return;
    ended = true;
    const cmd = COMMANDS?.[process.argv[2] ?? ""];
    process.stderr.write(`xpartition${cmd ? ` ${cmd.name}` : ""}: ${hang ? hang.computeHangError().message : "the command ended with work pending"}\n`);
    process.exitCode = 1;
  });
  main(process.argv.slice(2), { out: process.stdout, err: process.stderr, env: process.env, cwd: process.cwd() }).then(
    (code) => {
      ended = true;
      process.exitCode = code;
    },
    (e) => {
      ended = true;
      process.stderr.write(`xpartition: ${(e as Error)?.stack ?? String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
