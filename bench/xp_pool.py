"""Shared by the Python peers of the rechunk and netCDF benchmarks: the original xpartition on a process pool.

`open_fn(arg)` rebuilds the lazy dataset in each process (a module-level function, so a spawn pool can pickle it);
init runs once in the parent, then one process per rank calls `ds.partition.write`. Prints the timings as JSON."""
import json
import multiprocessing
import resource
import time


def _max_rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _rank(args):
    open_fn, arg, dst, ranks, rank = args
    import xpartition  # noqa: F401  (registers the .partition accessor)

    t0 = time.perf_counter()
    open_fn(arg).partition.write(dst, ranks, ["time"], rank)
    return {"rank": rank, "seconds": time.perf_counter() - t0, "maxRSS": _max_rss()}


def run_pool(open_fn, arg, dst, ranks):
    import xpartition  # noqa: F401

    ranks = int(ranks)
    t0 = time.perf_counter()
    open_fn(arg).partition.initialize_store(dst)
    t_init = time.perf_counter() - t0
    with multiprocessing.get_context("spawn").Pool(ranks) as pool:
        got = pool.map(_rank, [(open_fn, arg, dst, ranks, r) for r in range(ranks)])
    print(json.dumps({"seconds": time.perf_counter() - t0, "initSeconds": t_init, "parentMaxRSS": _max_rss(), "ranks": got}))
