/**
 * The Secrets the releases reference, printed as YAML for `kubectl apply`, on KIND and on
 * EKS in LabRole mode (in default mode External Secrets Operator keeps them, see
 * charts/src/toggle-secrets.ts):
 *
 *   bun charts/secrets.ts kind | kubectl apply --server-side -f -
 *   bun charts/secrets.ts eks  | kubectl apply --server-side -f -
 *
 * Each service's Secret holds its secret variables (services/shared/topology.ts). Values
 * already in the cluster are kept (the shared secrets and, on KIND, the database passwords,
 * which the databases were initialised with). DATABASE_URL is rebuilt from the environment's
 * outputs file and, on EKS, from the RDS credentials in Secrets Manager, so it follows a
 * rotated password.
 */
import { join } from "node:path";
import { Secret } from "kubernetes-models/v1";
import { parse, stringify } from "yaml";
import {
  type DatabaseService,
  SERVICE_NAMES,
  type ServiceName,
  type SharedSecret,
  TOPOLOGY,
} from "../services/shared/topology.ts";
import { databaseServices, namespace, secretName } from "./contract.ts";

export interface DatabaseLogin {
  host: string;
  port: number;
  username: string;
  password: string;
  database: string;
}

/** Current Secret contents by name, then key. */
export type SecretValues = Record<string, Record<string, string> | undefined>;

export interface SecretInputs {
  environment: "kind" | "eks";
  logins: Record<DatabaseService, DatabaseLogin>;
  existing: SecretValues;
  random: () => string;
}

export const postgresSecret = "toggle-postgres";

function databaseUrl(login: DatabaseLogin, environment: "kind" | "eks"): string {
  const user = encodeURIComponent(login.username);
  const password = encodeURIComponent(login.password);
  const url = `postgres://${user}:${password}@${login.host}:${login.port}/${login.database}`;
  // RDS requires TLS; its certificate authority is not in the runtime's default store.
  return environment === "eks" ? `${url}?sslmode=no-verify` : url;
}

/** Where each service's secret variables take their value from: variable → shared secret. */
function sharedSecretVariables(service: ServiceName): [string, SharedSecret][] {
  return Object.entries(TOPOLOGY[service].env).flatMap(([variable, wiring]) =>
    wiring.from === "secret" ? [[variable, wiring.secret] as [string, SharedSecret]] : [],
  );
}

export function buildSecrets({ environment, logins, existing, random }: SecretInputs): Secret[] {
  const fresh: Record<SharedSecret, () => string> = {
    masterKey: random,
    jwtSecret: random,
    // Well-formed but unregistered until charts/register-service-key.sh registers one.
    serviceApiKey: () => `tm_key_${random()}`,
  };
  const shared = new Map<SharedSecret, string>();
  /** The value some Secret in the cluster already holds, else a new one; the same everywhere. */
  const sharedValue = (secret: SharedSecret): string => {
    const known =
      shared.get(secret) ??
      SERVICE_NAMES.flatMap((service) =>
        sharedSecretVariables(service)
          .filter(([, wired]) => wired === secret)
          .flatMap(([variable]) => existing[secretName(service)]?.[variable] ?? []),
      )[0] ??
      fresh[secret]();
    shared.set(secret, known);
    return known;
  };
  const data: Record<string, Record<string, string>> = Object.fromEntries(
    SERVICE_NAMES.map((service) => [
      secretName(service),
      Object.fromEntries(
        Object.entries(TOPOLOGY[service].env).flatMap(([variable, wiring]) => {
          if (wiring.from === "database") {
            return [[variable, databaseUrl(logins[service as DatabaseService], environment)]];
          }
          return wiring.from === "secret" ? [[variable, sharedValue(wiring.secret)]] : [];
        }),
      ),
    ]),
  );
  if (environment === "kind") {
    data[postgresSecret] = Object.fromEntries(
      databaseServices.map((service) => [`${service}-password`, logins[service].password]),
    );
  }
  return Object.entries(data).map(([name, stringData]) => {
    const secret = new Secret({
      metadata: { name, namespace, labels: { "app.kubernetes.io/part-of": "toggle-master" } },
      type: "Opaque",
      stringData,
    });
    secret.validate();
    return secret;
  });
}

export function randomHex(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex");
}

async function run(
  command: string[],
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const child = Bun.spawn(command, { stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { exitCode, stdout, stderr };
}

/** A Secret's decoded data, or undefined when it does not exist yet. */
async function readSecret(name: string): Promise<Record<string, string> | undefined> {
  const result = await run(["kubectl", "get", "secret", name, "-n", namespace, "-o", "json"]);
  if (result.exitCode !== 0) {
    if (result.stderr.includes("NotFound")) return undefined;
    throw new Error(`kubectl get secret ${name}: ${result.stderr}`);
  }
  const { data = {} } = JSON.parse(result.stdout) as { data?: Record<string, string> };
  return Object.fromEntries(
    Object.entries(data).map(([key, value]) => [key, Buffer.from(value, "base64").toString()]),
  );
}

interface Outputs {
  region: string;
  databases: Record<DatabaseService, { host: string; port: number; secretArn: string }>;
}

interface RdsLogin {
  username: string;
  password: string;
  dbname?: string;
}

/** Username and password of an RDS instance, from its Secrets Manager secret. */
async function rdsLogin(secretArn: string, region: string): Promise<RdsLogin> {
  const result = await run([
    "aws",
    "secretsmanager",
    "get-secret-value",
    "--secret-id",
    secretArn,
    "--region",
    region,
    "--query",
    "SecretString",
    "--output",
    "text",
  ]);
  if (result.exitCode !== 0) throw new Error(`reading ${secretArn}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

async function main(environment: string | undefined): Promise<void> {
  if (environment !== "kind" && environment !== "eks") {
    throw new Error("usage: bun charts/secrets.ts <kind|eks>");
  }
  const outputsFile = join(import.meta.dir, "environments", `${environment}.outputs.yaml`);
  const outputs = parse(await Bun.file(outputsFile).text()) as Outputs;
  const existing: SecretValues = {};
  for (const name of [...SERVICE_NAMES.map(secretName), postgresSecret]) {
    existing[name] = await readSecret(name);
  }
  const logins = {} as Record<DatabaseService, DatabaseLogin>;
  for (const service of databaseServices) {
    const { host, port, secretArn } = outputs.databases[service];
    const login: RdsLogin =
      environment === "eks"
        ? await rdsLogin(secretArn, outputs.region)
        : {
            username: service,
            password: existing[postgresSecret]?.[`${service}-password`] ?? randomHex(),
          };
    logins[service] = {
      host,
      port,
      username: login.username,
      password: login.password,
      database: login.dbname ?? service,
    };
  }
  const secrets = buildSecrets({ environment, logins, existing, random: randomHex });
  process.stdout.write(secrets.map((secret) => stringify(secret.toJSON())).join("---\n"));
}

if (import.meta.main) {
  await main(Bun.argv[2]).catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
