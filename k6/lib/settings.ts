// Settings shared by the k6 scripts (which pass __ENV) and the Bun local twin (which passes
// process.env). Pure: no runtime-specific API, so both runtimes can import it.

import { TOPOLOGY } from "../../services/shared/topology.ts";

export type Env = Readonly<Record<string, string | undefined>>;

export const ROUTES = ["evaluate", "ofrep", "management"] as const;
export type Route = (typeof ROUTES)[number];

export interface ServiceUrls {
  auth: string;
  flag: string;
  targeting: string;
  evaluation: string;
}

export interface LatencyLimit {
  p95Ms: number;
  p99Ms: number;
}

export interface Limits {
  /** A stage fails when its share of failed requests reaches this. */
  maxErrorRate: number;
  /** A stage fails when it achieved less than (1 - rateTolerance) of its target rate. */
  rateTolerance: number;
  latency: Record<Route, LatencyLimit>;
}

/** Shares of the request mix; they add up to 1. */
export type Mix = Record<"evaluate" | "ofrep" | "write", number>;

export interface Settings {
  urls: ServiceUrls;
  masterKey: string | undefined;
  /** An existing key to use instead of creating one with the master key. */
  apiKey: string | undefined;
  flags: number;
  users: number;
  mix: Mix;
  limits: Limits;
  nodes: number | null;
  evaluationPods: number | null;
  resultsDir: string;
  maxVus: number;
}

export interface SettingDefaults {
  nodes: number | null;
  evaluationPods: number | null;
}

export function readSettings(
  env: Env,
  defaults: SettingDefaults = { nodes: null, evaluationPods: null },
): Settings {
  return {
    urls: serviceUrls(env),
    masterKey: text(env, "MASTER_KEY"),
    apiKey: text(env, "API_KEY"),
    flags: integer(env, "FLAGS", 20),
    users: integer(env, "USERS", 10_000),
    mix: readMix(env),
    limits: readLimits(env),
    nodes: optionalInteger(env, "NODES", defaults.nodes),
    evaluationPods: optionalInteger(env, "EVALUATION_PODS", defaults.evaluationPods),
    resultsDir: trimTrailingSlash(text(env, "RESULTS_DIR") ?? "k6/results"),
    maxVus: integer(env, "MAX_VUS", 1_000),
  };
}

/** One host behind an ingress (BASE_URL) or one port per service. */
export function serviceUrls(env: Env): ServiceUrls {
  const base = text(env, "BASE_URL");
  if (base) {
    const url = trimTrailingSlash(base);
    return { auth: url, flag: url, targeting: url, evaluation: url };
  }
  const url = (service: keyof ServiceUrls, name: string) =>
    trimTrailingSlash(text(env, name) ?? `http://127.0.0.1:${TOPOLOGY[service].port}`);
  return {
    auth: url("auth", "AUTH_URL"),
    flag: url("flag", "FLAG_URL"),
    targeting: url("targeting", "TARGETING_URL"),
    evaluation: url("evaluation", "EVALUATION_URL"),
  };
}

function readMix(env: Env): Mix {
  const evaluate = number(env, "EVALUATE_SHARE", 0.9);
  const ofrep = number(env, "OFREP_SHARE", 0.08);
  const write = number(env, "WRITE_SHARE", 0.02);
  const total = evaluate + ofrep + write;
  if (total <= 0) throw new Error("EVALUATE_SHARE + OFREP_SHARE + WRITE_SHARE must be above 0");
  return { evaluate: evaluate / total, ofrep: ofrep / total, write: write / total };
}

function readLimits(env: Env): Limits {
  return {
    maxErrorRate: number(env, "MAX_ERROR_RATE", 0.01),
    rateTolerance: number(env, "RATE_TOLERANCE", 0.05),
    latency: {
      evaluate: latency(env, "EVALUATE", 100, 250),
      ofrep: latency(env, "OFREP", 200, 500),
      management: latency(env, "MANAGEMENT", 300, 800),
    },
  };
}

function latency(env: Env, prefix: string, p95Ms: number, p99Ms: number): LatencyLimit {
  return {
    p95Ms: number(env, `${prefix}_P95_MS`, p95Ms),
    p99Ms: number(env, `${prefix}_P99_MS`, p99Ms),
  };
}

export function text(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/** A non-negative number, or the fallback when the variable is unset. */
export function number(env: Env, name: string, fallback: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`${name} must be a number ≥ 0, got "${raw}"`);
  }
  return value;
}

/** A positive integer, or the fallback when the variable is unset. */
export function integer(env: Env, name: string, fallback: number): number {
  return optionalInteger(env, name, fallback) ?? fallback;
}

function optionalInteger(env: Env, name: string, fallback: number | null): number | null {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${name} must be a whole number ≥ 1, got "${raw}"`);
  }
  return value;
}

function trimTrailingSlash(url: string): string {
  return url.replace(/\/+$/, "");
}
