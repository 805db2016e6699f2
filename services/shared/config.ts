/**
 * Typed configuration read once at start-up. A missing or malformed variable stops the
 * service with a message naming it, never a half-configured process.
 *
 * Each setting is declared once, in its service's `config.ts`, with its default and a
 * one-line description; the README's configuration table is generated from those
 * declarations (`bun scripts/config-docs.ts`).
 */
import { type ServiceName, TOPOLOGY } from "./topology.ts";

export class ConfigError extends Error {
  override name = "ConfigError";
}

export type Env = Record<string, string | undefined>;

/** One environment variable: how it is read, what it defaults to, what it is for. */
export class Setting<T> {
  constructor(
    readonly read: (name: string, source: Env) => T,
    /** The default as the docs show it; undefined when the variable is required. */
    readonly fallback: string | undefined,
    readonly description = "",
    /** A secret is never printed, not even its length. */
    readonly secret = false,
  ) {}

  /** The same setting with its description. */
  doc(description: string): Setting<T> {
    return new Setting(this.read, this.fallback, description, this.secret);
  }
}

function raw(name: string, source: Env): string | undefined {
  const value = source[name]?.trim();
  return value === "" ? undefined : value;
}

function required(name: string, source: Env): string {
  const value = raw(name, source);
  if (value === undefined) throw new ConfigError(`${name} is required but not set`);
  return value;
}

const OPTIONAL = "(none)";
const REQUIRED = undefined;

function checkedUrl(name: string, value: string): string {
  if (!URL.canParse(value)) throw new ConfigError(`${name} is not a valid URL`);
  return value.replace(/\/+$/, "");
}

export const env = {
  string: (fallback?: string) =>
    new Setting<string>(
      (name, source) =>
        fallback === undefined ? required(name, source) : (raw(name, source) ?? fallback),
      fallback,
    ),

  /** A secret: required, and at least `minLength` characters so a placeholder is refused. */
  secret: (minLength = 16) =>
    new Setting<string>(
      (name, source) => {
        const value = required(name, source);
        if (value.length < minLength)
          throw new ConfigError(`${name} must be at least ${minLength} characters long`);
        return value;
      },
      REQUIRED,
      "",
      true,
    ),

  url: (fallback?: string) =>
    new Setting<string>((name, source) => {
      const value = raw(name, source) ?? fallback;
      if (value === undefined) throw new ConfigError(`${name} is required but not set`);
      return checkedUrl(name, value);
    }, fallback),

  optionalUrl: () =>
    new Setting<string | undefined>((name, source) => {
      const value = raw(name, source);
      return value === undefined ? undefined : checkedUrl(name, value);
    }, OPTIONAL),

  int: (fallback: number, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}) =>
    new Setting<number>((name, source) => {
      const value = raw(name, source);
      if (value === undefined) return fallback;
      const parsed = Number(value);
      if (!Number.isInteger(parsed) || parsed < min || parsed > max)
        throw new ConfigError(
          `${name} must be an integer between ${min} and ${max}, got "${value}"`,
        );
      return parsed;
    }, String(fallback)),

  /** A number between `min` and `max`, such as a sampling rate. */
  number: (fallback: number, { min = 0, max = 1 } = {}) =>
    new Setting<number>((name, source) => {
      const value = raw(name, source);
      if (value === undefined) return fallback;
      const parsed = Number(value);
      if (!Number.isFinite(parsed) || parsed < min || parsed > max)
        throw new ConfigError(`${name} must be a number between ${min} and ${max}, got "${value}"`);
      return parsed;
    }, String(fallback)),

  port: (fallback: number) => env.int(fallback, { min: 1, max: 65_535 }).doc("HTTP port"),

  list: (fallback: string[] = []) =>
    new Setting<string[]>(
      (name, source) => {
        const value = raw(name, source);
        if (value === undefined) return fallback;
        return value
          .split(",")
          .map((item) => item.trim())
          .filter(Boolean);
      },
      fallback.length === 0 ? OPTIONAL : fallback.join(","),
    ),

  oneOf: <const T extends string>(choices: readonly T[], fallback: T) =>
    new Setting<T>((name, source) => {
      const value = raw(name, source) ?? fallback;
      if (!choices.includes(value as T))
        throw new ConfigError(`${name} must be one of ${choices.join(", ")}, got "${value}"`);
      return value as T;
    }, fallback),
};

// biome-ignore lint/suspicious/noExplicitAny: a schema mixes settings of every value type
export type Schema = Record<string, Setting<any>>;

export type Config<S extends Schema> = { [K in keyof S]: ReturnType<S[K]["read"]> };

/** Parses `source` against `schema`; reports every bad variable at once. */
export function loadConfig<S extends Schema>(schema: S, source: Env = process.env): Config<S> {
  const config: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, setting] of Object.entries(schema)) {
    try {
      config[name] = setting.read(name, source);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(error.message);
    }
  }
  if (problems.length > 0) throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
  return config as Config<S>;
}

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;

/** What every service reads: its port, its log level and who may call it from a browser. */
export const commonSettings = (service: ServiceName) => ({
  PORT: env.port(TOPOLOGY[service].port),
  LOG_LEVEL: env.oneOf(LOG_LEVELS, "info").doc("`debug`, `info`, `warn` or `error`"),
  CORS_ORIGINS: env
    .list()
    .doc("comma-separated origins allowed by CORS, or `*`; none means CORS stays closed"),
});
