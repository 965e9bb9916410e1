// The CLI's commands. Each parses its own options (./args.ts), does its work through the library (the same
// functions users call) and returns the exit status. One file per group: ./cmd-plan.ts, ./cmd-write.ts, ./cmd-store.ts.
import type { Command } from "./command.js";
import { init, plan } from "./cmd-plan.js";
import { demo, run, write } from "./cmd-write.js";
import { clean, status, verify } from "./cmd-store.js";

export type { Command, Io } from "./command.js";

export const COMMANDS: Record<string, Command> = { plan, init, write, run, status, verify, clean, demo };
