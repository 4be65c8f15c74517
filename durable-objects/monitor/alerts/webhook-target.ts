import ipaddr from "ipaddr.js";

/**
 * Where alert webhooks may go (OWASP API7, server-side request forgery): https only, and never
 * a private, loopback, link-local or shared (CGNAT) address, whether written as an IP literal
 * or as `localhost`. A public name that resolves to such an address is not caught here: a
 * Worker cannot resolve names before it fetches (on Cloudflare, a Worker's fetch cannot reach
 * private networks in any case).
 */
const BLOCKED_NETWORKS = [
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "::/128",
  "::1/128",
  "fc00::/7",
  "fe80::/10",
].map((cidr) => ipaddr.parseCIDR(cidr));

/** `[::1]` → `::1`; `localhost.` → `localhost` (a trailing dot names the same host). */
function bareHost(hostname: string): string {
  return hostname.replace(/^\[(.*)\]$/, "$1").replace(/\.+$/, "");
}

function blockedAddress(host: string): boolean {
  if (!ipaddr.isValid(host)) return false;
  let address = ipaddr.parse(host);
  // ::ffff:10.0.0.1 reaches 10.0.0.1.
  if (address.kind() === "ipv6" && (address as ipaddr.IPv6).isIPv4MappedAddress()) address = (address as ipaddr.IPv6).toIPv4Address();
  return BLOCKED_NETWORKS.some(([network, bits]) => network.kind() === address.kind() && address.match(network, bits));
}

/** Why `raw` may not receive webhooks, or null when it may. */
export function webhookTargetProblem(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "is not a URL";
  }
  if (url.protocol !== "https:") return `must use https (got ${url.protocol.replace(/:$/, "")})`;
  // The URL parser has already normalised IPv4 forms such as 2130706433 or 0x7f.1 to dotted quads.
  const host = bareHost(url.hostname);
  if (host === "localhost" || host.endsWith(".localhost")) return "must not name localhost";
  if (blockedAddress(host)) return "must not be a private, loopback or link-local address";
  return null;
}
