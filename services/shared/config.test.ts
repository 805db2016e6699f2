import { describe, expect, test } from "bun:test";
import { ConfigError, env, loadConfig } from "./config.ts";

const schema = {
  PORT: env.int(8001, { min: 1, max: 65_535 }),
  DATABASE_URL: env.url(),
  MASTER_KEY: env.secret(16),
  REDIS_URL: env.optionalUrl(),
  CORS_ORIGINS: env.list(),
  LOG_LEVEL: env.oneOf(["info", "debug"], "info"),
};

describe("loadConfig", () => {
  test("parses a complete environment into typed values", () => {
    const config = loadConfig(schema, {
      PORT: "9000",
      DATABASE_URL: "postgres://db:5432/auth/",
      MASTER_KEY: "0123456789abcdef",
      CORS_ORIGINS: "https://a.example, https://b.example",
    });
    expect(config).toEqual({
      PORT: 9000,
      DATABASE_URL: "postgres://db:5432/auth",
      MASTER_KEY: "0123456789abcdef",
      REDIS_URL: undefined,
      CORS_ORIGINS: ["https://a.example", "https://b.example"],
      LOG_LEVEL: "info",
    });
  });

  test("names every missing or malformed variable", () => {
    const attempt = () =>
      loadConfig(schema, {
        PORT: "eighty",
        MASTER_KEY: "short",
        REDIS_URL: "not a url",
        LOG_LEVEL: "loud",
      });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const message = (error as Error).message;
      for (const name of ["PORT", "DATABASE_URL", "MASTER_KEY", "REDIS_URL", "LOG_LEVEL"])
        expect(message).toContain(name);
      expect(message).not.toContain("short");
    }
  });

  test("treats blank values as unset", () => {
    expect(() =>
      loadConfig(schema, { DATABASE_URL: "  ", MASTER_KEY: "0123456789abcdef" }),
    ).toThrow("DATABASE_URL is required");
  });
});
