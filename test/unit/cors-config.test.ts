import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../worker/config";
import { shippedVars } from "./shipped-vars";

describe("CORS_ALLOWED_ORIGINS", () => {
  const origins = (value: string) => parseConfig({ ...shippedVars(), CORS_ALLOWED_ORIGINS: value }).corsAllowedOrigins;

  it("ships empty (no CORS at all), and an absent var means the same", () => {
    expect(shippedVars()).toHaveProperty("CORS_ALLOWED_ORIGINS", "");
    expect(parseConfig(shippedVars()).corsAllowedOrigins).toEqual([]);
    const { CORS_ALLOWED_ORIGINS: _, ...withoutIt } = shippedVars();
    expect(parseConfig(withoutIt).corsAllowedOrigins).toEqual([]);
  });

  it("takes a comma list of https origins and http on localhost", () => {
    expect(origins("https://app.example.com, https://admin.example.com:8443 ,http://localhost:5173,http://localhost")).toEqual([
      "https://app.example.com",
      "https://admin.example.com:8443",
      "http://localhost:5173",
      "http://localhost",
    ]);
  });

  it.each([
    ["a wildcard", "*"],
    ["plain http", "http://app.example.com"],
    ["http on a loopback address", "http://127.0.0.1:5173"],
    ["a path", "https://app.example.com/app"],
    ["a trailing slash", "https://app.example.com/"],
    ["upper case", "https://App.example.com"],
    ["the default port spelled out", "https://app.example.com:443"],
    ["the opaque origin", "null"],
    ["another scheme", "ftp://app.example.com"],
    ["one bad entry among good ones", "https://app.example.com,app.example.com"],
  ])("refuses %s, naming the variable", (_, value) => {
    expect(() => origins(value)).toThrow(ConfigError);
    expect(() => origins(value)).toThrow(/CORS_ALLOWED_ORIGINS/);
  });

  it("says how the origin should be written", () => {
    expect(() => origins("https://App.example.com/")).toThrow('"https://App.example.com/" is not written as browsers send it (https://app.example.com)');
  });
});
