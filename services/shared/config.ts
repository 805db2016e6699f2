/**
 * Typed configuration read once at start-up. A missing or malformed variable stops the
 * service with a message naming it, never a half-configured process.
 */
export class ConfigError extends Error {
  override name = "ConfigError";
}

type Env = Record<string, string | undefined>;
type Field<T> = (name: string, env: Env) => T;

function raw(name: string, env: Env): string | undefined {
  const value = env[name]?.trim();
  return value === "" ? undefined : value;
}

function required(name: string, env: Env): string {
  const value = raw(name, env);
  if (value === undefined) throw new ConfigError(`${name} is required but not set`);
  return value;
}

export const env = {
  string:
    (fallback?: string): Field<string> =>
    (name, source) =>
      fallback === undefined ? required(name, source) : (raw(name, source) ?? fallback),

  optional: (): Field<string | undefined> => (name, source) => raw(name, source),

  /** A secret: required, and at least `minLength` characters so a placeholder is not accepted. */
  secret:
    (minLength = 16): Field<string> =>
    (name, source) => {
      const value = required(name, source);
      if (value.length < minLength)
        throw new ConfigError(`${name} must be at least ${minLength} characters long`);
      return value;
    },

  url:
    (fallback?: string): Field<string> =>
    (name, source) => {
      const value = raw(name, source) ?? fallback;
      if (value === undefined) throw new ConfigError(`${name} is required but not set`);
      if (!URL.canParse(value)) throw new ConfigError(`${name} is not a valid URL`);
      return value.replace(/\/+$/, "");
    },

  optionalUrl: (): Field<string | undefined> => (name, source) => {
    const value = raw(name, source);
    if (value !== undefined && !URL.canParse(value))
      throw new ConfigError(`${name} is not a valid URL`);
    return value?.replace(/\/+$/, "");
  },

  int:
    (fallback: number, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): Field<number> =>
    (name, source) => {
      const value = raw(name, source);
      if (value === undefined) return fallback;
      const parsed = Number(value);
      if (!Number.isInteger(parsed) || parsed < min || parsed > max)
        throw new ConfigError(
          `${name} must be an integer between ${min} and ${max}, got "${value}"`,
        );
      return parsed;
    },

  list:
    (fallback: string[] = []): Field<string[]> =>
    (name, source) => {
      const value = raw(name, source);
      if (value === undefined) return fallback;
      return value
        .split(",")
        .map((item) => item.trim())
        .filter(Boolean);
    },

  oneOf:
    <const T extends string>(choices: readonly T[], fallback: T): Field<T> =>
    (name, source) => {
      const value = raw(name, source) ?? fallback;
      if (!choices.includes(value as T))
        throw new ConfigError(`${name} must be one of ${choices.join(", ")}, got "${value}"`);
      return value as T;
    },
};

export type Config<S extends Record<string, Field<unknown>>> = {
  [K in keyof S]: ReturnType<S[K]>;
};

/** Parses `source` against `schema`; reports every bad variable at once. */
export function loadConfig<S extends Record<string, Field<unknown>>>(
  schema: S,
  source: Env = process.env,
): Config<S> {
  const config: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, field] of Object.entries(schema)) {
    try {
      config[name] = field(name, source);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(error.message);
    }
  }
  if (problems.length > 0) throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
  return config as Config<S>;
}
