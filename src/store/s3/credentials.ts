// Credentials as AWS tools find them, in their order: static keys in the environment; the profile
// (AWS_PROFILE) in ~/.aws/credentials and ~/.aws/config (keys, or credential_process); web identity
// (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN, through STS AssumeRoleWithWebIdentity: EKS); container
// credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI: ECS, AWS Batch); EC2 IMDSv2. Temporary
// credentials are refreshed before they expire (ranks outlive them). Nothing found: anonymous (unsigned).
import { readFileSync } from "node:fs";
import { configSection, credentialsSection, profileName, type Env } from "./config.js";

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** When temporary credentials expire (ms since the epoch). */
  expiration?: number;
}

/** Where credentials came from, for messages ("environment", "profile dev", "container", ...). */
export interface Found {
  credentials: S3Credentials | undefined;
  source: string;
}

export type CredentialProvider = () => Promise<S3Credentials | undefined>;

/** Refresh this long before expiry (AWS SDKs use 5 minutes). */
export const REFRESH_MARGIN_MS = 5 * 60_000;
const FETCH_TIMEOUT_MS = 5_000;
/** The link-local hosts of ECS and EC2 (overridable for tests, as AWS_EC2_METADATA_SERVICE_ENDPOINT is for IMDS). */
export const hosts = { container: "http://169.254.170.2", imds: "http://169.254.169.254" };

export class CredentialsError extends Error {
  override readonly name = "CredentialsError";
}

const envSource = (env: Env): S3Credentials | undefined =>
  env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
    ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN || undefined }
    : undefined;

async function getJson(url: string, headers: Record<string, string>, what: string, method = "GET"): Promise<unknown> {
  const r = await fetch(url, { method, headers, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) }).catch((e: Error) => {
    throw new CredentialsError(`${what}: ${url} could not be reached (${e.message})`);
  });
  const text = await r.text();
  if (!r.ok) throw new CredentialsError(`${what}: ${url} answered ${r.status}: ${text.slice(0, 300)}`);
  try {
    return JSON.parse(text);
  } catch {
    throw new CredentialsError(`${what}: ${url} did not answer JSON: ${text.slice(0, 300)}`);
  }
}

/** Credentials from a JSON document as ECS, IMDS and credential_process give them. */
function fromJson(j: unknown, what: string): S3Credentials {
  const o = j as Record<string, string>;
  const accessKeyId = o.AccessKeyId, secretAccessKey = o.SecretAccessKey;
  if (!accessKeyId || !secretAccessKey) throw new CredentialsError(`${what}: no AccessKeyId/SecretAccessKey in the answer`);
  const exp = o.Expiration ? Date.parse(o.Expiration) : undefined;
  return { accessKeyId, secretAccessKey, sessionToken: o.Token ?? o.SessionToken ?? undefined, expiration: Number.isFinite(exp) ? exp : undefined };
}

/** ECS / AWS Batch / EKS Pod Identity: GET the container credentials endpoint. */
export async function containerCredentials(env: Env): Promise<S3Credentials> {
  const rel = env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI;
  const url = rel ? `${hosts.container}${rel}` : env.AWS_CONTAINER_CREDENTIALS_FULL_URI!;
  const headers: Record<string, string> = {};
  let token = env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
  if (env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE) token = readFileSync(env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, "utf8").trim();
  if (token) headers.Authorization = token;
  return fromJson(await getJson(url, headers, "container credentials"), "container credentials");
}

/** EC2 instance profile through IMDSv2: a session token (PUT), the role's name, then its credentials. */
export async function imdsCredentials(env: Env): Promise<S3Credentials> {
  const base = (env.AWS_EC2_METADATA_SERVICE_ENDPOINT ?? hosts.imds).replace(/\/+$/, "");
  const what = "EC2 instance metadata (IMDSv2)";
  const r = await fetch(`${base}/latest/api/token`, {
    method: "PUT", headers: { "x-aws-ec2-metadata-token-ttl-seconds": "21600" }, signal: AbortSignal.timeout(1_000),
  }).catch((e: Error) => {
    throw new CredentialsError(`${what}: ${base} could not be reached (${e.message})`);
  });
  if (!r.ok) throw new CredentialsError(`${what}: the token request answered ${r.status}`);
  const token = await r.text();
  const h = { "x-aws-ec2-metadata-token": token };
  const rr = await fetch(`${base}/latest/meta-data/iam/security-credentials/`, { headers: h, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  const role = (await rr.text()).split("\n")[0]?.trim();
  if (!rr.ok || !role) throw new CredentialsError(`${what}: no instance role (${rr.status})`);
  return fromJson(await getJson(`${base}/latest/meta-data/iam/security-credentials/${encodeURIComponent(role)}`, h, what), what);
}

/** EKS (IRSA): exchange the web identity token for role credentials with STS AssumeRoleWithWebIdentity. */
export async function webIdentityCredentials(env: Env, tokenFile: string, roleArn: string, sessionName?: string): Promise<S3Credentials> {
  const what = "web identity (STS AssumeRoleWithWebIdentity)";
  const token = readFileSync(tokenFile, "utf8").trim();
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const sts = (env.AWS_ENDPOINT_URL_STS ?? env.AWS_ENDPOINT_URL ?? (region ? `https://sts.${region}.amazonaws.com` : "https://sts.amazonaws.com")).replace(/\/+$/, "");
  const q = new URLSearchParams({
    Action: "AssumeRoleWithWebIdentity", Version: "2011-06-15", RoleArn: roleArn,
    RoleSessionName: sessionName ?? env.AWS_ROLE_SESSION_NAME ?? `xpartition-${Date.now()}`, WebIdentityToken: token,
  });
  const r = await fetch(`${sts}/`, {
    method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: q.toString(), signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
  }).catch((e: Error) => {
    throw new CredentialsError(`${what}: ${sts} could not be reached (${e.message})`);
  });
  const xml = await r.text();
  if (!r.ok) throw new CredentialsError(`${what} for ${roleArn}: ${sts} answered ${r.status}: ${xmlText(xml, "Message") ?? xml.slice(0, 300)}`);
  const accessKeyId = xmlText(xml, "AccessKeyId"), secretAccessKey = xmlText(xml, "SecretAccessKey");
  if (!accessKeyId || !secretAccessKey) throw new CredentialsError(`${what}: no credentials in STS's answer`);
  const exp = Date.parse(xmlText(xml, "Expiration") ?? "");
  return { accessKeyId, secretAccessKey, sessionToken: xmlText(xml, "SessionToken"), expiration: Number.isFinite(exp) ? exp : undefined };
}

/** The text of the first element named `name` (any namespace prefix). */
export function xmlText(xml: string, name: string): string | undefined {
  const m = new RegExp(`<(?:\\w+:)?${name}(?:\\s[^>]*)?>([\\s\\S]*?)</(?:\\w+:)?${name}>`).exec(xml);
  return m ? unescapeXml(m[1]!) : undefined;
}

const ENTITIES: Record<string, string> = { lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" };
function unescapeXml(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|lt|gt|quot|apos|amp);/gi, (all, e: string) =>
    e[0] === "#" ? String.fromCodePoint(e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : Number(e.slice(1))) : ENTITIES[e] ?? all);
}

/** A profile's credential_process: run it (a shell command line), read its JSON (Version 1). */
export function processCredentials(command: string): Promise<S3Credentials> {
  const what = `credential_process ${JSON.stringify(command)}`;
  // node:child_process only when a profile asks for it (loading it costs every writer thread ~5 ms otherwise).
  return import("node:child_process").then(({ execFile }) => new Promise((resolve, reject) => {
    execFile("/bin/sh", ["-c", command], { timeout: 60_000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new CredentialsError(`${what} failed: ${String(stderr).trim() || err.message}`));
      try {
        resolve(fromJson(JSON.parse(String(stdout)), what));
      } catch (e) {
        reject(e instanceof CredentialsError ? e : new CredentialsError(`${what} did not print JSON credentials: ${(e as Error).message}`));
      }
    });
  }));
}

/** The first source of the chain that applies, as a provider (called again to refresh). */
export function defaultProvider(env: Env): { provider: CredentialProvider | undefined; source: string } {
  const fixed = envSource(env);
  if (fixed) return { provider: async () => fixed, source: "environment (AWS_ACCESS_KEY_ID)" };
  const profile = profileName(env);
  const explicitProfile = env.AWS_PROFILE !== undefined || env.AWS_DEFAULT_PROFILE !== undefined;
  const cred = credentialsSection(env, profile), conf = configSection(env, profile);
  const get = (k: string): string | undefined => {
    const v = cred?.get(k) ?? conf?.get(k);
    return typeof v === "string" ? v : undefined;
  };
  const id = get("aws_access_key_id"), secret = get("aws_secret_access_key");
  if (id && secret) {
    const c = { accessKeyId: id, secretAccessKey: secret, sessionToken: get("aws_session_token") };
    return { provider: async () => c, source: `profile ${profile}` };
  }
  const proc = get("credential_process");
  if (proc) return { provider: () => processCredentials(proc), source: `profile ${profile} (credential_process)` };
  const wiFile = get("web_identity_token_file"), wiRole = get("role_arn");
  if (wiFile && wiRole) return { provider: () => webIdentityCredentials(env, wiFile, wiRole, get("role_session_name")), source: `profile ${profile} (web identity)` };
  if (explicitProfile && !cred && !conf) throw new CredentialsError(`AWS_PROFILE ${profile}: no such profile in ${"~/.aws/credentials"} or ~/.aws/config`);
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE && env.AWS_ROLE_ARN) {
    const [f, role] = [env.AWS_WEB_IDENTITY_TOKEN_FILE, env.AWS_ROLE_ARN];
    return { provider: () => webIdentityCredentials(env, f, role), source: "web identity (AWS_WEB_IDENTITY_TOKEN_FILE)" };
  }
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) {
    return { provider: () => containerCredentials(env), source: "container credentials" };
  }
  if (!/^true$/i.test(env.AWS_EC2_METADATA_DISABLED ?? "")) {
    // No instance there (not on EC2): anonymous rather than an error, for public buckets.
    return { provider: () => imdsCredentials(env).catch(() => undefined), source: "EC2 instance metadata (none found: anonymous)" };
  }
  return { provider: undefined, source: "none (anonymous)" };
}

/**
 * Credentials cached until REFRESH_MARGIN_MS before they expire (or half their remaining life when shorter),
 * one refresh at a time; a failed refresh keeps unexpired old credentials.
 */
export class CredentialCache {
  private current: S3Credentials | undefined;
  private fetched = false;
  private refreshAt = 0;
  private pending: Promise<S3Credentials | undefined> | undefined;
  refreshes = 0;

  constructor(private readonly provider: CredentialProvider | undefined) {}

  async get(): Promise<S3Credentials | undefined> {
    if (!this.provider) return undefined;
    if (this.fetched && Date.now() < this.refreshAt) return this.current;
    this.pending ??= this.load().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async load(): Promise<S3Credentials | undefined> {
    try {
      const c = await this.provider!();
      if (this.fetched) this.refreshes++;
      this.current = c;
      this.fetched = true;
      const now = Date.now();
      this.refreshAt = c?.expiration === undefined ? Infinity : c.expiration - Math.min(REFRESH_MARGIN_MS, Math.max(0, (c.expiration - now) / 2));
      return c;
    } catch (e) {
      if (this.current?.expiration !== undefined && Date.now() < this.current.expiration) return this.current;
      throw e;
    }
  }
}
