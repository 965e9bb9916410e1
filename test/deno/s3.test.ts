// Deno: an S3 store (s3://) written and read with only --allow-net --allow-env --allow-read, against s3rver
// (started with Node: its listing needs --openssl-legacy-provider, which Deno lacks).
function assert(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error(msg);
}

Deno.test("S3 under Deno with --allow-net --allow-env --allow-read: init, 2 ranks, status; chunks readable over HTTP", async () => {
  const dir = await Deno.makeTempDir({ prefix: "xp-deno-s3-" });
  const server = new Deno.Command("node", {
    args: ["--openssl-legacy-provider", "test/helpers/s3rver-child.mjs", dir, "bkt"], stdin: "piped", stdout: "piped", stderr: "inherit",
  }).spawn();
  try {
    const reader = server.stdout.getReader();
    let text = "";
    while (!/\{"port":\d+\}/.test(text)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`s3rver stopped: ${text}`);
      text += new TextDecoder().decode(value);
    }
    reader.releaseLock();
    const endpoint = `http://127.0.0.1:${/"port":(\d+)/.exec(text)![1]}`;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-check", "--allow-net", "--allow-env", "--allow-read", "test/deno/s3-child.mjs", "s3://bkt/deno.zarr"],
      env: { AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER", AWS_ENDPOINT_URL_S3: endpoint, AWS_EC2_METADATA_DISABLED: "true" },
      stdout: "piped", stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert(out.code === 0, `child failed: ${stderr}`);
    const res = JSON.parse(new TextDecoder().decode(out.stdout));
    assert(JSON.stringify(res.complete) === "[0,1]", JSON.stringify(res));
    const chunks = res.keys.filter((k: string) => /^\/v\/\d+\.\d+$/.test(k));
    assert(chunks.length === 8, JSON.stringify(res.keys));
    // The store as any HTTP client sees it (s3rver allows anonymous reads): v2 metadata of v.
    const meta = await (await fetch(`${endpoint}/bkt/deno.zarr/v/.zarray`)).json();
    assert(JSON.stringify(meta.shape) === "[8,10]" && JSON.stringify(meta.chunks) === "[2,5]", JSON.stringify(meta));
  } finally {
    await server.stdin.close();
    await server.status;
    await Deno.remove(dir, { recursive: true });
  }
});
