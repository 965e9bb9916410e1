// Rank detection from each engine's environment variable, --rank, priorities and errors.
import { describe, expect, it } from "vitest";
import { RANK_VARIABLES, RankEnvError, rankFromEnv, resolveRank } from "../../src/run/rank.js";

describe("rank from the environment", () => {
  it.each(RANK_VARIABLES.map((v) => v.name))("reads %s", (name) => {
    expect(rankFromEnv({ [name]: "7" })).toEqual({ rank: 7, source: name });
    expect(resolveRank(undefined, { env: { [name]: "0" }, ranks: 8 })).toEqual({ rank: 0, source: name });
  });

  it("covers the six engines in the documented order", () => {
    expect(RANK_VARIABLES.map((v) => v.name)).toEqual([
      "SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX", "CLOUD_RUN_TASK_INDEX", "BATCH_TASK_INDEX", "OMPI_COMM_WORLD_RANK",
    ]);
  });

  it("takes the first variable set, ignoring empty ones", () => {
    expect(rankFromEnv({ OMPI_COMM_WORLD_RANK: "3", SLURM_ARRAY_TASK_ID: "5" })).toEqual({ rank: 5, source: "SLURM_ARRAY_TASK_ID" });
    expect(rankFromEnv({ SLURM_ARRAY_TASK_ID: "", BATCH_TASK_INDEX: "2" })).toEqual({ rank: 2, source: "BATCH_TASK_INDEX" });
    expect(rankFromEnv({ PATH: "/bin" })).toBeUndefined();
  });

  it.each(["-1", "1.5", "abc", "0x10", "", " ", "99999999999999999999"].filter((v) => v.trim() !== ""))("rejects %j naming the variable and value", (value) => {
    expect(() => rankFromEnv({ JOB_COMPLETION_INDEX: value })).toThrow(RankEnvError);
    expect(() => rankFromEnv({ JOB_COMPLETION_INDEX: value })).toThrow(`JOB_COMPLETION_INDEX=${JSON.stringify(value)} is not a rank`);
  });

  it("--rank wins over the environment", () => {
    expect(resolveRank("2", { env: { SLURM_ARRAY_TASK_ID: "5" } })).toEqual({ rank: 2, source: "--rank" });
    expect(resolveRank(3, { env: {} })).toEqual({ rank: 3, source: "--rank" });
    expect(() => resolveRank("x", { env: {} })).toThrow('--rank "x" is not a rank');
    expect(() => resolveRank(-1, { env: {} })).toThrow("--rank");
  });

  it("no rank anywhere is an error listing every variable", () => {
    let msg = "";
    try {
      resolveRank(undefined, { env: {} });
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/^no rank: pass --rank R/);
    for (const v of RANK_VARIABLES) expect(msg).toContain(v.name);
  });

  it("a rank outside the plan is an error naming its source", () => {
    expect(() => resolveRank(undefined, { env: { SLURM_ARRAY_TASK_ID: "8" }, ranks: 8 })).toThrow("SLURM_ARRAY_TASK_ID=8 is out of range: the plan has 8 ranks (0..7)");
    expect(() => resolveRank("9", { env: {}, ranks: 8 })).toThrow("--rank 9 is out of range");
  });
});
