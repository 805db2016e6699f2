import type { Node } from "constructs";

export type Architecture = "x86_64" | "arm64";

export interface NodeHardware {
  instanceType: string;
  amiType: string;
}

/** The FinOps switch: Graviton nodes cost about 20% less than their x86 twins. */
export const NODE_HARDWARE: Record<Architecture, NodeHardware> = {
  x86_64: { instanceType: "t3.medium", amiType: "AL2023_x86_64_STANDARD" },
  arm64: { instanceType: "t4g.medium", amiType: "AL2023_ARM_64_STANDARD" },
};

export interface ToggleSettings {
  /** Existing IAM role used for everything; when set, the app creates no IAM resource. */
  labRole: string | undefined;
  architecture: Architecture;
  postgresVersion: string;
  kubernetesVersion: string;
  /** Kubernetes namespace of the service accounts the IRSA roles trust. */
  serviceNamespace: string;
}

export const DEFAULT_SETTINGS: ToggleSettings = {
  labRole: undefined,
  architecture: "x86_64",
  // 13.x (the original's version) is in paid RDS extended support; 17 is in standard support.
  postgresVersion: "17.6",
  kubernetesVersion: "1.35",
  serviceNamespace: "togglemaster",
};

/** Reads the `-c key=value` switches of the cdk CLI. */
export function readSettings(node: Node): ToggleSettings {
  return {
    labRole: optionalText(node, "labRole"),
    architecture: readArchitecture(optionalText(node, "arch")),
    postgresVersion: optionalText(node, "postgresVersion") ?? DEFAULT_SETTINGS.postgresVersion,
    kubernetesVersion:
      optionalText(node, "kubernetesVersion") ?? DEFAULT_SETTINGS.kubernetesVersion,
    serviceNamespace: optionalText(node, "serviceNamespace") ?? DEFAULT_SETTINGS.serviceNamespace,
  };
}

function optionalText(node: Node, key: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") throw new Error(`context '${key}' must be a string`);
  return value;
}

function readArchitecture(value: string | undefined): Architecture {
  if (value === undefined) return DEFAULT_SETTINGS.architecture;
  if (value === "x86_64" || value === "arm64") return value;
  throw new Error(`context 'arch' must be 'x86_64' or 'arm64', got '${value}'`);
}
