// Rank detection from each engine's environment variable, --rank, priorities and errors.
import { describe, expect, it } from "vitest";
import { RANK_VARIABLES, RankEnvError, rankFromEnv, resolveRank } from "../../src/run/rank.js";

describe("rank from the environment", () => {
  it.each(RANK_VARIABLES.map((v) => v.name))("reads %s", (name) => {
    const first = name === "SGE_TASK_ID" || name === "LSB_JOBINDEX" ? 1 : 0;
    const value = (n: number) => (first ? { value: String(n + first) } : {});
    expect(rankFromEnv({ [name]: String(7 + first) })).toEqual({ rank: 7, source: name, ...value(7) });
    expect(resolveRank(undefined, { env: { [name]: String(first) }, ranks: 8 })).toEqual({ rank: 0, source: name, ...value(0) });
  });

  it("covers the engines in the documented order", () => {
    expect(RANK_VARIABLES.map((v) => v.name)).toEqual([
      "SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX", "CLOUD_RUN_TASK_INDEX", "BATCH_TASK_INDEX",
      "PBS_ARRAY_INDEX", "PBS_ARRAYID", "SGE_TASK_ID", "LSB_JOBINDEX", "OMPI_COMM_WORLD_RANK", "PMI_RANK",
    ]);
  });

  it("numbers Grid Engine and LSF tasks from 1, and skips their values outside an array job", () => {
    expect(rankFromEnv({ SGE_TASK_ID: "1" })).toEqual({ rank: 0, source: "SGE_TASK_ID", value: "1" });
    expect(rankFromEnv({ LSB_JOBINDEX: "12" })).toEqual({ rank: 11, source: "LSB_JOBINDEX", value: "12" });
    expect(rankFromEnv({ SGE_TASK_ID: "undefined", LSB_JOBINDEX: "0", PMI_RANK: "4" })).toEqual({ rank: 4, source: "PMI_RANK" });
    expect(() => rankFromEnv({ LSB_JOBINDEX: "x" })).toThrow('LSB_JOBINDEX="x" is not a rank: expected an integer from 1 (its first task is rank 0)');
    expect(() => resolveRank(undefined, { env: { SGE_TASK_ID: "9" }, ranks: 8 })).toThrow("SGE_TASK_ID=9 (rank 8) is out of range: the plan has 8 ranks (0..7)");
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
