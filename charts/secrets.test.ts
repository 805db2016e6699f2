import { describe, expect, test } from "bun:test";
import { databaseServices } from "./contract.ts";
import { buildSecrets, type DatabaseLogin, postgresSecret, randomHex } from "./secrets.ts";

const logins = (password: string) =>
  Object.fromEntries(
    databaseServices.map((service): [string, DatabaseLogin] => [
      service,
      { host: `postgres-${service}`, port: 5432, username: service, password, database: service },
    ]),
  ) as Record<(typeof databaseServices)[number], DatabaseLogin>;

const byName = (secrets: ReturnType<typeof buildSecrets>): Record<string, Record<string, string>> =>
  Object.fromEntries(secrets.map((secret) => [secret.metadata?.name, secret.stringData ?? {}]));

describe("charts/secrets.ts", () => {
  test("on KIND: database URLs for the in-cluster databases, and their passwords", () => {
    const secrets = byName(
      buildSecrets({ environment: "kind", logins: logins("pw"), existing: {}, random: randomHex }),
    );
    expect(secrets["toggle-auth"]?.DATABASE_URL).toBe("postgres://auth:pw@postgres-auth:5432/auth");
    expect(secrets[postgresSecret]).toEqual({
      "auth-password": "pw",
      "flag-password": "pw",
      "targeting-password": "pw",
    });
  });

  test("on EKS: TLS to RDS, encoded credentials, no in-cluster database Secret", () => {
    const secrets = byName(
      buildSecrets({
        environment: "eks",
        logins: logins("p@ss/word"),
        existing: {},
        random: randomHex,
      }),
    );
    expect(secrets["toggle-flag"]?.DATABASE_URL).toBe(
      "postgres://flag:p%40ss%2Fword@postgres-flag:5432/flag?sslmode=no-verify",
    );
    expect(secrets[postgresSecret]).toBeUndefined();
  });

  test("one JWT secret for every service; new keys are random and long enough", () => {
    const secrets = byName(
      buildSecrets({ environment: "kind", logins: logins("pw"), existing: {}, random: randomHex }),
    );
    const jwt = new Set(
      Object.values(secrets).flatMap((data) => (data.JWT_SECRET ? [data.JWT_SECRET] : [])),
    );
    expect(jwt.size).toBe(1);
    expect(secrets["toggle-auth"]?.MASTER_KEY).toMatch(/^[0-9a-f]{64}$/);
    expect(secrets["toggle-evaluation"]?.SERVICE_API_KEY).toMatch(/^tm_key_[0-9a-f]{64}$/);
  });

  test("keeps what the cluster already holds", () => {
    const existing = {
      "toggle-auth": { MASTER_KEY: "kept-master", JWT_SECRET: "kept-jwt" },
      "toggle-evaluation": { SERVICE_API_KEY: "tm_key_kept" },
    };
    const secrets = byName(
      buildSecrets({ environment: "kind", logins: logins("pw"), existing, random: randomHex }),
    );
    expect(secrets["toggle-auth"]).toMatchObject({
      MASTER_KEY: "kept-master",
      JWT_SECRET: "kept-jwt",
    });
    expect(secrets["toggle-targeting"]?.JWT_SECRET).toBe("kept-jwt");
    expect(secrets["toggle-evaluation"]?.SERVICE_API_KEY).toBe("tm_key_kept");
  });
});
