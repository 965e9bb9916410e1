// D1 as a dataset module, for `xpartition demo` and its worker threads: `d1-module.js?time=N` builds D1 with
// a time length of N (default 96). Lazy: each rank computes only its own region.
import { d1Dataset } from "./dataset.js";

export default () => {
  const t = new URL(import.meta.url).searchParams.get("time");
  return d1Dataset({ time: t === null ? undefined : Number(t) });
};
