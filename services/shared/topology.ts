/**
 * The shape of the platform, written once: the five services, their ports and public
 * routes, which variables of each one's environment the platform wires (and from what),
 * and the queue and tables of the event pipeline. `bun dev`, the end-to-end stack, the
 * charts, the CDK app and the KIND scripts all derive from this module; nothing else
 * writes a port or a resource name.
 *
 * A service's own tunables (log level, buffer sizes…) are not here: each service's
 * `config.ts` declares them with their defaults, and only those a deployment must set
 * appear below.
 */

export const SERVICE_NAMES = ["auth", "flag", "targeting", "evaluation", "analytics"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Services that own a PostgreSQL database. */
export const DATABASE_SERVICES = ["auth", "flag", "targeting"] as const;
export type DatabaseService = (typeof DATABASE_SERVICES)[number];

/** Secrets shared across services; each is generated once per installation. */
export type SharedSecret = "masterKey" | "jwtSecret" | "serviceApiKey";

/** Where the platform takes the value of one environment variable of a service. */
export type Wiring =
  /** The base URL of another service. */
  | { from: "peer"; service: ServiceName }
  /** The service's own PostgreSQL database (a secret: it holds a password). */
  | { from: "database" }
  | { from: "secret"; secret: SharedSecret }
  /** The Redis of change notices and the shared evaluation cache (optional everywhere). */
  | { from: "redis" }
  /** The URL of the analytics queue. */
  | { from: "queue" }
  | { from: "table"; table: TableName }
  | { from: "region" };

export interface ServiceTopology {
  port: number;
  /**
   * Path prefixes the public entry point (ingress, `bun dev`'s gateway) routes to it; "/"
   * catches every other path (the console and its assets, served by flag-service).
   */
  routes: readonly string[];
  /** Variables the platform sets, in the order a reader expects them. */
  env: Readonly<Record<string, Wiring>>;
  /** Services it calls. */
  peers: readonly ServiceName[];
  /** Whether it talks to AWS (SQS, DynamoDB), so it needs credentials or a role. */
  aws: boolean;
}

const peer = (service: ServiceName): Wiring => ({ from: "peer", service });
const secret = (name: SharedSecret): Wiring => ({ from: "secret", secret: name });
const database: Wiring = { from: "database" };
const redis: Wiring = { from: "redis" };

const peersOf = (env: Record<string, Wiring>): ServiceName[] =>
  Object.values(env).flatMap((wiring) => (wiring.from === "peer" ? [wiring.service] : []));

function service(
  port: number,
  routes: string[],
  env: Record<string, Wiring>,
  aws = false,
): ServiceTopology {
  return { port, routes, env, peers: peersOf(env), aws };
}

export const TOPOLOGY: Readonly<Record<ServiceName, ServiceTopology>> = {
  auth: service(8001, ["/admin", "/validate", "/token"], {
    DATABASE_URL: database,
    MASTER_KEY: secret("masterKey"),
    JWT_SECRET: secret("jwtSecret"),
  }),
  // flag-service imports and exports whole flagd documents, whose targeting it keeps in
  // targeting-service: it calls targeting for that.
  flag: service(8002, ["/flags", "/flagd", "/"], {
    DATABASE_URL: database,
    AUTH_SERVICE_URL: peer("auth"),
    TARGETING_SERVICE_URL: peer("targeting"),
    JWT_SECRET: secret("jwtSecret"),
    REDIS_URL: redis,
  }),
  targeting: service(8003, ["/rules", "/segments"], {
    DATABASE_URL: database,
    AUTH_SERVICE_URL: peer("auth"),
    JWT_SECRET: secret("jwtSecret"),
    REDIS_URL: redis,
  }),
  evaluation: service(
    8004,
    ["/evaluate", "/ofrep"],
    {
      AUTH_SERVICE_URL: peer("auth"),
      FLAG_SERVICE_URL: peer("flag"),
      TARGETING_SERVICE_URL: peer("targeting"),
      SERVICE_API_KEY: secret("serviceApiKey"),
      JWT_SECRET: secret("jwtSecret"),
      REDIS_URL: redis,
      AWS_SQS_URL: { from: "queue" },
      AWS_REGION: { from: "region" },
    },
    true,
  ),
  analytics: service(
    8005,
    ["/analytics"],
    {
      AUTH_SERVICE_URL: peer("auth"),
      JWT_SECRET: secret("jwtSecret"),
      AWS_SQS_URL: { from: "queue" },
      AWS_DYNAMODB_TABLE: { from: "table", table: "events" },
      AWS_DYNAMODB_COUNTERS_TABLE: { from: "table", table: "counters" },
      AWS_REGION: { from: "region" },
    },
    true,
  ),
};

/** Services that call `service`: who a network policy must let in besides the ingress. */
export const clientsOf = (target: ServiceName): ServiceName[] =>
  SERVICE_NAMES.filter((name) => TOPOLOGY[name].peers.includes(target));

/** Variables whose value is secret: never written as a plain value in any manifest. */
export const isSecretWiring = (wiring: Wiring) =>
  wiring.from === "database" || wiring.from === "secret";

/** The one origin `bun dev` serves every public route on, as the ingress does in a cluster. */
export const GATEWAY_PORT = 8000;

export const REGION = "us-east-1";

/** The queue evaluation publishes to and analytics consumes, with its dead-letter queue. */
export const QUEUE = {
  name: "toggle-analytics-queue",
  deadLetterName: "toggle-analytics-queue-dlq",
  /** Receives before a message moves to the dead-letter queue. */
  maxReceiveCount: 3,
  visibilityTimeoutSeconds: 30,
  /** The longest SQS keeps a message. */
  retentionSeconds: 14 * 24 * 3600,
} as const;

export interface TableTopology {
  name: string;
  partitionKey: string;
  sortKey?: string;
  /** Attribute DynamoDB uses to expire items, if any. */
  ttlAttribute?: string;
}

export type TableName = "events" | "counters";

/** DynamoDB tables, on-demand billing, string keys. */
export const TABLES: Readonly<Record<TableName, TableTopology>> = {
  events: { name: "analytics_events", partitionKey: "event_id" },
  /**
   * Sort key `<hour>#v1` or `<hour>#<producer>#<block>`: one item per source of counts (see
   * services/analytics/counters.ts). A new name, because DynamoDB cannot change a table's
   * keys and CloudFormation cannot replace a table that keeps its name.
   */
  counters: {
    name: "analytics_hourly_counters",
    partitionKey: "flag_name",
    sortKey: "hour_producer",
  },
};

/** Every public route prefix and the service behind it, longest prefix first. */
export function publicRoutes(): { prefix: string; service: ServiceName }[] {
  return SERVICE_NAMES.flatMap((name) =>
    TOPOLOGY[name].routes.map((prefix) => ({ prefix, service: name })),
  ).sort((a, b) => b.prefix.length - a.prefix.length);
}

/** How one environment (bun dev, the test stack, a cluster) provides each kind of wiring. */
export interface WiringResolver {
  peer(service: ServiceName): string;
  database(service: DatabaseService): string;
  secret(name: SharedSecret): string;
  /** Undefined when the environment runs without Redis. */
  redis(): string | undefined;
  queue(): string;
  table(table: TableName): string;
  region(): string;
}

/** The variables the platform sets for `service`, resolved; unset optional ones are left out. */
export function environmentOf(
  service: ServiceName,
  resolve: WiringResolver,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, wiring] of Object.entries(TOPOLOGY[service].env)) {
    const value = resolveWiring(service, wiring, resolve);
    if (value !== undefined) env[name] = value;
  }
  return env;
}

function resolveWiring(service: ServiceName, wiring: Wiring, resolve: WiringResolver) {
  switch (wiring.from) {
    case "peer":
      return resolve.peer(wiring.service);
    case "database":
      return resolve.database(service as DatabaseService);
    case "secret":
      return resolve.secret(wiring.secret);
    case "redis":
      return resolve.redis();
    case "queue":
      return resolve.queue();
    case "table":
      return resolve.table(wiring.table);
    case "region":
      return resolve.region();
  }
}
