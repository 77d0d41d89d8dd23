// Which environment variables may cross into a sandbox, a log or a bundle: an allow-list, plus a deny pattern as a second net.

/** Names that never leave the orchestrator, even if a user allow-lists them. */
export const SECRET_NAME =
  /(^|_)(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?|AUTH)(_|$)|^ANTHROPIC_|^OPENAI_|^AWS_|^GOOGLE_|^AZURE_|^HF_|^GITHUB_|^GH_|^ADRS_TOKEN$/i;

/** Variables a sandboxed process may see, copied from the host when set. */
export const DEFAULT_ENV_ALLOW = ['LANG', 'LC_ALL', 'TZ', 'TERM'];

/** Builds a sandbox environment: only allow-listed host names plus explicit extras; never a secret name. */
export function sandboxEnv(
  host: NodeJS.ProcessEnv,
  extra: Record<string, string>,
  allow: readonly string[] = DEFAULT_ENV_ALLOW,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of allow) {
    const value = host[name];
    if (value !== undefined && !SECRET_NAME.test(name)) env[name] = value;
  }
  for (const [name, value] of Object.entries(extra)) {
    if (!SECRET_NAME.test(name)) env[name] = value;
  }
  return env;
}

/** Replaces the values of secret-looking host variables wherever they occur in `text`. */
export function redactSecrets(text: string, host: NodeJS.ProcessEnv = process.env): string {
  let out = text;
  for (const [name, value] of Object.entries(host)) {
    if (value && value.length >= 8 && SECRET_NAME.test(name))
      out = out.split(value).join(`[redacted:${name}]`);
  }
  return out;
}
