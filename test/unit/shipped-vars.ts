import wranglerToml from "../../wrangler.toml?raw";

/** The [vars] exactly as wrangler.toml ships them. */
export function shippedVars(): Record<string, string> {
  const section = wranglerToml.split("[vars]")[1]?.split(/\n\[/)[0] ?? "";
  return Object.fromEntries([...section.matchAll(/^(\w+)\s*=\s*"([^"]*)"/gm)].map((m) => [m[1], m[2]]));
}
