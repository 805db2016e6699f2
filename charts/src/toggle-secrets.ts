/**
 * The services' Secrets on EKS in default mode, kept by External Secrets Operator from AWS
 * Secrets Manager: the databases' credentials the data stack keeps there and the shared
 * secrets it creates. Each Secret has the name and keys that charts/secrets.ts writes in
 * LabRole mode and on KIND, so the services' manifests are the same everywhere.
 */
import {
  ExternalSecret,
  SecretStore,
} from "@kubernetes-models/external-secrets/external-secrets.io/v1";
import { ServiceAccount } from "kubernetes-models/v1";
import { SECRETS_READER_ACCOUNT } from "../../cdk/lib/names.ts";
import {
  isSecretWiring,
  SERVICE_NAMES,
  type ServiceName,
  type SharedSecret,
  TOPOLOGY,
  type Wiring,
} from "../../services/shared/topology.ts";
import { secretName } from "../contract.ts";
import type { ChartDocument, ChartTemplate, Values } from "./template.ts";

export const chartName = "toggle-secrets";

const STORE_NAME = "aws-secrets-manager";
/** Fields of an RDS secret once its target attachment has added the instance's address. */
const DATABASE_FIELDS = ["username", "password", "host", "port"] as const;

function labels(v: Values): Record<string, string> {
  return {
    "app.kubernetes.io/part-of": "toggle-master",
    "app.kubernetes.io/instance": v.scalar("$.Release.Name", "secrets"),
    "app.kubernetes.io/managed-by": v.scalar("$.Release.Service", "Helm"),
  };
}

const serviceAccount = (v: Values): ChartDocument => ({
  object: new ServiceAccount({
    metadata: {
      name: SECRETS_READER_ACCOUNT,
      labels: labels(v),
      annotations: {
        "eks.amazonaws.com/role-arn": v.scalar(
          'required "serviceAccountRoles.secretsReader is required" $.Values.serviceAccountRoles.secretsReader',
          "arn:aws:iam::123456789012:role/toggle-secrets-reader",
        ),
      },
    },
  }),
});

/** Signs in to AWS as the account above (its IRSA role), never as the operator itself. */
const secretStore = (v: Values): ChartDocument => ({
  object: new SecretStore({
    metadata: { name: STORE_NAME, labels: labels(v) },
    spec: {
      provider: {
        aws: {
          service: "SecretsManager",
          region: v.scalar("$.Values.region", "us-east-1"),
          auth: { jwt: { serviceAccountRef: { name: SECRETS_READER_ACCOUNT } } },
        },
      },
    },
  }),
});

/** The value of one secret variable, in External Secrets' template language. */
function templateOf(service: ServiceName, wiring: Wiring): string {
  if (wiring.from === "database") {
    // TLS to RDS without verifying its certificate authority, which the runtime's store lacks.
    return `postgres://{{ .username | urlquery }}:{{ .password | urlquery }}@{{ .host }}:{{ .port }}/${service}?sslmode=no-verify`;
  }
  if (wiring.from === "secret") return `{{ .${wiring.secret} }}`;
  throw new Error(`${service}: ${wiring.from} is not a secret`);
}

interface RemoteData {
  secretKey: string;
  remoteRef: { key: string; property?: string };
}

function remoteData(v: Values, service: ServiceName, wiring: Wiring): RemoteData[] {
  if (wiring.from === "database") {
    return DATABASE_FIELDS.map((field) => ({
      secretKey: field,
      remoteRef: {
        key: v.scalar(
          `required "databases.${service}.secretArn is required" $.Values.databases.${service}.secretArn`,
          `arn:aws:secretsmanager:us-east-1:123456789012:secret:${service}-db`,
        ),
        property: field,
      },
    }));
  }
  if (wiring.from === "secret") return [sharedSecretData(v, wiring.secret)];
  return [];
}

function sharedSecretData(v: Values, secret: SharedSecret): RemoteData {
  return {
    secretKey: secret,
    remoteRef: {
      key: v.scalar(
        `required "externalSecrets.sharedSecrets.${secret} is required" $.Values.externalSecrets.sharedSecrets.${secret}`,
        `arn:aws:secretsmanager:us-east-1:123456789012:secret:${secret}`,
      ),
    },
  };
}

function externalSecret(v: Values, service: ServiceName): ChartDocument {
  const secretWirings = Object.entries(TOPOLOGY[service].env).filter(([, wiring]) =>
    isSecretWiring(wiring),
  );
  return {
    object: new ExternalSecret({
      metadata: { name: secretName(service), labels: labels(v) },
      spec: {
        // Rotated values reach the Secret within this interval; pods pick them up when rolled.
        refreshInterval: v.scalar("$.Values.refreshInterval", "1h"),
        secretStoreRef: { kind: "SecretStore", name: STORE_NAME },
        target: {
          name: secretName(service),
          creationPolicy: "Owner",
          template: {
            engineVersion: "v2",
            data: Object.fromEntries(
              secretWirings.map(([variable, wiring]) => [
                variable,
                v.literal(templateOf(service, wiring)),
              ]),
            ),
          },
        },
        data: secretWirings.flatMap(([, wiring]) => remoteData(v, service, wiring)),
      },
    }),
  };
}

export const templates: ChartTemplate[] = [
  { file: "serviceaccount.yaml", build: (v) => [serviceAccount(v)] },
  { file: "secretstore.yaml", build: (v) => [secretStore(v)] },
  {
    file: "externalsecrets.yaml",
    build: (v) =>
      SERVICE_NAMES.filter((service) =>
        Object.values(TOPOLOGY[service].env).some(isSecretWiring),
      ).map((service) => externalSecret(v, service)),
  },
];
