// Where an S3 store's requests go, read as AWS tools read it: explicit options first, then the environment
// (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, AWS_REGION / AWS_DEFAULT_REGION), then the profile's section of
// ~/.aws/config (region, endpoint_url, an `s3 =` block with endpoint_url / addressing_style, and a
// `services = name` section's `s3 =` block). Nothing here talks to the network.
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export type Env = Record<string, string | undefined>;

/** An INI file as AWS writes them: sections of keys, a key with an empty value opening an indented block. */
export type Ini = Map<string, Map<string, string | Map<string, string>>>;

export function parseIni(text: string): Ini {
  const out: Ini = new Map();
  let section: Map<string, string | Map<string, string>> | undefined;
  let block: Map<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*([#;]|$)/.test(raw)) continue;
    const head = /^\s*\[([^\]]+)\]\s*$/.exec(raw);
    if (head) {
      section = new Map();
      out.set(head[1]!.trim().replace(/\s+/g, " "), section);
      block = undefined;
      continue;
    }
    const kv = /^(\s*)([^=\s][^=]*?)\s*=\s*(.*?)\s*$/.exec(raw);
    if (!kv || !section) continue;
    const [, indent, key, value] = kv;
    if (indent && block) block.set(key!.toLowerCase(), value!);
    else if (value === "") section.set(key!.toLowerCase(), (block = new Map()));
    else {
      section.set(key!.toLowerCase(), value!);
      block = undefined;
    }
  }
  return out;
}

function readIni(path: string): Ini {
  try {
    return parseIni(readFileSync(path, "utf8"));
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ENOENT" || code === "NotFound" || code === "EACCES" || code === "PermissionDenied") return new Map();
    throw e;
  }
}

const home = (env: Env): string => env.HOME ?? env.USERPROFILE ?? homedir();
export const configFile = (env: Env): string => env.AWS_CONFIG_FILE ?? join(home(env), ".aws", "config");
export const credentialsFile = (env: Env): string => env.AWS_SHARED_CREDENTIALS_FILE ?? join(home(env), ".aws", "credentials");
export const profileName = (env: Env): string => env.AWS_PROFILE ?? env.AWS_DEFAULT_PROFILE ?? "default";

/** The profile's section of ~/.aws/config (`[default]` or `[profile NAME]`). */
export function configSection(env: Env, profile = profileName(env)): Map<string, string | Map<string, string>> | undefined {
  const ini = readIni(configFile(env));
  return profile === "default" ? ini.get("default") ?? ini.get("profile default") : ini.get(`profile ${profile}`);
}

/** The profile's section of ~/.aws/credentials (bare profile names). */
export function credentialsSection(env: Env, profile = profileName(env)): Map<string, string | Map<string, string>> | undefined {
  return readIni(credentialsFile(env)).get(profile);
}

const str = (v: string | Map<string, string> | undefined): string | undefined => (typeof v === "string" ? v : undefined);

export interface S3Location {
  endpoint?: string;
  region: string;
  /** From the config's `addressing_style` (path / virtual), when set. */
  addressingStyle?: "path" | "virtual";
}

/** Endpoint, region and addressing style for S3 from the environment and the profile's config. */
export function s3Location(env: Env, given: { endpoint?: string; region?: string } = {}): S3Location {
  let endpoint = given.endpoint;
  let region = given.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  let addressingStyle: S3Location["addressingStyle"];
  const ignoreConfigured = /^true$/i.test(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? "");
  if (!endpoint && !ignoreConfigured) endpoint = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  const sec = configSection(env);
  if (sec) {
    region ??= str(sec.get("region"));
    const s3 = sec.get("s3");
    if (s3 instanceof Map) {
      const style = s3.get("addressing_style");
      if (style === "path" || style === "virtual") addressingStyle = style;
      if (!endpoint && !ignoreConfigured) endpoint = s3.get("endpoint_url");
    }
    const services = str(sec.get("services"));
    if (!endpoint && !ignoreConfigured && services) {
      const svc = readIni(configFile(env)).get(`services ${services}`)?.get("s3");
      if (svc instanceof Map) endpoint = svc.get("endpoint_url");
    }
    if (!endpoint && !ignoreConfigured) endpoint = str(sec.get("endpoint_url"));
  }
  return { endpoint: endpoint?.replace(/\/+$/, "") || undefined, region: region || "us-east-1", addressingStyle };
}

/** Whether a host name is an IP address or localhost (virtual-hosted buckets cannot work there). */
export function isIpOrLocalhost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "");
  return h === "localhost" || h.endsWith(".localhost") || /^\d{1,3}(\.\d{1,3}){3}$/.test(h) || h.includes(":");
}

/** RFC 3986 encoding (encodeURIComponent plus !'()*), as SigV4's canonical request has it. */
export const encodeRfc3986 = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** Encode one S3 key for a URL path: each "/"-separated segment RFC 3986-encoded. */
export function encodeKey(key: string): string {
  return key.split("/").map(encodeRfc3986).join("/");
}

/** A query string encoded as SigV4 canonicalises it, so that the URL sent is its canonical form. */
export function queryString(params: Record<string, string>): string {
  return Object.entries(params).map(([k, v]) => `${encodeRfc3986(k)}=${encodeRfc3986(v)}`).join("&");
}

/**
 * The base URL (no trailing "/") of a bucket's objects: path-style `endpoint/bucket` when an endpoint is set
 * or its host is an IP or localhost, virtual-hosted `bucket.s3.region.amazonaws.com` otherwise; `forcePathStyle`
 * (or the config's addressing_style) decides when given. A bucket with dots is path-style on AWS (TLS names).
 */
export function bucketUrl(bucket: string, loc: S3Location, forcePathStyle?: boolean): string {
  const endpoint = loc.endpoint ?? `https://s3.${loc.region}.amazonaws.com`;
  const u = new URL(endpoint);
  const pathStyle = forcePathStyle ?? (loc.addressingStyle ? loc.addressingStyle === "path" : loc.endpoint !== undefined || bucket.includes("."));
  if (pathStyle || isIpOrLocalhost(u.hostname)) return `${endpoint}/${encodeKey(bucket)}`;
  u.hostname = `${bucket}.${u.hostname}`;
  return u.href.replace(/\/+$/, "");
}
