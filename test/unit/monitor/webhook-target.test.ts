import { describe, expect, it } from "vitest";
import { parseMonitorConfig } from "../../../durable-objects/monitor/monitor-config";
import { webhookTargetProblem } from "../../../durable-objects/monitor/alerts/webhook-target";

/** OWASP API7: ALERT_WEBHOOK_URL can never aim the Monitor at the network it runs in. */
describe("alert webhook target (SSRF)", () => {
  const refused = (url: string) => expect(() => parseMonitorConfig({ ALERT_WEBHOOK_URL: url }), url).toThrow(/^ALERT_WEBHOOK_URL /);

  it("takes a public https URL, query and port included", () => {
    for (const url of ["https://hooks.example.com/alerts?token=abc", "https://hooks.example.com:8443/x", "https://8.8.8.8/hook", "https://[2606:4700::1111]/hook"]) {
      expect(webhookTargetProblem(url), url).toBeNull();
      expect(parseMonitorConfig({ ALERT_WEBHOOK_URL: url }).alertWebhookUrl).toBe(url);
    }
  });

  it("refuses anything but https", () => {
    for (const url of ["http://hooks.example.com/x", "ftp://hooks.example.com/x", "file:///etc/passwd", "ws://hooks.example.com", "not a url", "//hooks.example.com/x"]) refused(url);
    expect(webhookTargetProblem("http://hooks.example.com/x")).toMatch(/https/);
  });

  it.each([
    ["0.0.0.0/8", ["https://0.0.0.0/", "https://0.1.2.3/"]],
    ["10/8", ["https://10.0.0.1/", "https://10.255.255.255/"]],
    ["100.64/10 (CGNAT)", ["https://100.64.0.1/", "https://100.127.255.254/"]],
    ["127/8", ["https://127.0.0.1/", "https://127.9.9.9:8443/x"]],
    ["169.254/16 (link-local, cloud metadata)", ["https://169.254.169.254/latest/meta-data/"]],
    ["172.16/12", ["https://172.16.0.1/", "https://172.31.255.255/"]],
    ["192.168/16", ["https://192.168.1.1/"]],
    ["IPv4 in another notation", ["https://2130706433/", "https://0x7f.1/", "https://0177.0.0.1/", "https://10.1/"]],
    ["IPv6 loopback and unspecified", ["https://[::1]/", "https://[0:0:0:0:0:0:0:1]/", "https://[::]/"]],
    ["IPv6 unique local fc00::/7", ["https://[fc00::1]/", "https://[fd12:3456:789a::1]/"]],
    ["IPv6 link-local fe80::/10", ["https://[fe80::1]/", "https://[febf::1]/"]],
    ["IPv4-mapped IPv6", ["https://[::ffff:127.0.0.1]/", "https://[::ffff:10.0.0.1]/", "https://[::ffff:a9fe:a9fe]/"]],
    ["localhost by name", ["https://localhost/", "https://LOCALHOST:8443/", "https://localhost./", "https://api.localhost/", "https://a.b.localhost/"]],
  ])("refuses %s", (_, urls) => {
    for (const url of urls) {
      expect(webhookTargetProblem(url), url).not.toBeNull();
      refused(url);
    }
  });

  it("does not refuse public neighbours of the blocked networks", () => {
    for (const url of ["https://11.0.0.1/", "https://100.128.0.1/", "https://172.32.0.1/", "https://192.169.0.1/", "https://169.255.0.1/", "https://[fe00::1]/", "https://[fec0::1]/", "https://notlocalhost.com/", "https://localhost.example.com/"]) {
      expect(webhookTargetProblem(url), url).toBeNull();
    }
  });

  it("names the variable and the reason", () => {
    expect(() => parseMonitorConfig({ ALERT_WEBHOOK_URL: "https://10.0.0.1/" })).toThrow("ALERT_WEBHOOK_URL must not be a private, loopback or link-local address");
    expect(() => parseMonitorConfig({ ALERT_WEBHOOK_URL: "https://localhost/" })).toThrow("ALERT_WEBHOOK_URL must not name localhost");
    expect(parseMonitorConfig({ ALERT_WEBHOOK_URL: "" }).alertWebhookUrl).toBeNull();
  });
});
