/**
 * The values file of each service release (charts/values/<service>.yaml): the topology's
 * wiring and the contract's policy in the shape the toggle-service chart reads. Written by
 * `bun charts/generate.ts`; the tests keep the committed files equal to these.
 */
import { type ServiceName, TOPOLOGY, type Wiring } from "../services/shared/topology.ts";
import { contract, secretName } from "./contract.ts";

/** Where the chart takes a wired variable's value from (its `toggle-service.wiredValue`). */
type ValueSource =
  | { from: "peer"; service: ServiceName; port: number }
  | { from: "redis" | "queue" | "region" }
  | { from: "table"; table: string }
  | { from: "emulator"; setting: "endpointUrl" | "accessKeyId" | "secretAccessKey" };

/** The AWS emulator's settings, present on KIND only (empty values are left out). */
const EMULATOR_SETTINGS: Record<string, ValueSource> = {
  AWS_ENDPOINT_URL: { from: "emulator", setting: "endpointUrl" },
  AWS_ACCESS_KEY_ID: { from: "emulator", setting: "accessKeyId" },
  AWS_SECRET_ACCESS_KEY: { from: "emulator", setting: "secretAccessKey" },
};

function valueSource(wiring: Wiring): ValueSource | undefined {
  switch (wiring.from) {
    case "peer":
      return { from: "peer", service: wiring.service, port: TOPOLOGY[wiring.service].port };
    case "table":
      return { from: "table", table: wiring.table };
    case "redis":
    case "queue":
    case "region":
      return { from: wiring.from };
    case "database":
    case "secret":
      return undefined;
  }
}

export function serviceValues(service: ServiceName): Record<string, unknown> {
  const want = contract[service];
  const topology = TOPOLOGY[service];
  const platformEnv = Object.fromEntries(
    Object.entries(topology.env).flatMap(([variable, wiring]) => {
      const source = valueSource(wiring);
      return source ? [[variable, source]] : [];
    }),
  );
  return {
    name: service,
    port: want.port,
    platformEnv: topology.aws ? { ...platformEnv, ...EMULATOR_SETTINGS } : platformEnv,
    secretEnv: Object.fromEntries(
      want.secretEnv.map((variable) => [variable, { secret: secretName(service), key: variable }]),
    ),
    resources: want.resources,
    autoscaling: { minReplicas: want.replicas.min, maxReplicas: want.replicas.max },
    podDisruptionBudget: { minAvailable: want.minAvailable },
    probes: want.probes,
    lifecycle: {
      preStopSeconds: want.preStopSeconds,
      terminationGracePeriodSeconds: want.terminationGracePeriodSeconds,
    },
    ingress: { paths: want.publicRoutes },
    adminIngress: { paths: want.adminRoutes },
    networkPolicy: {
      allowFrom: want.clients,
      egress: { peers: want.peers, backends: want.backends },
    },
  };
}
