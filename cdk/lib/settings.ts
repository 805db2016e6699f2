import type { Node } from "constructs";
import { type Architecture, instanceType } from "./instance-types.ts";

export type { Architecture };

/** AL2023 node images per architecture. */
const AMI_TYPES: Record<Architecture, string> = {
  x86_64: "AL2023_x86_64_STANDARD",
  arm64: "AL2023_ARM_64_STANDARD",
};

/** The FinOps switch: Graviton nodes cost about 20% less than their x86 twins. */
export const DEFAULT_INSTANCE_TYPES: Record<Architecture, string> = {
  x86_64: "t3.medium",
  arm64: "t4g.medium",
};

export interface NodeHardware {
  instanceType: string;
  amiType: string;
}

export function nodeHardware(settings: ToggleSettings): NodeHardware {
  return { instanceType: settings.instanceType, amiType: AMI_TYPES[settings.architecture] };
}

export interface ToggleSettings {
  /** Existing IAM role used for everything; when set, the app creates no IAM resource. */
  labRole: string | undefined;
  architecture: Architecture;
  instanceType: string;
  /** The node group's maximum size, the number the capacity plan (k6/) answers. */
  maxNodes: number;
  /** ACM certificate the load balancer terminates TLS with; plain HTTP only without one. */
  certificateArn: string | undefined;
  postgresVersion: string;
  kubernetesVersion: string;
  /** Kubernetes namespace of the service accounts the IRSA roles trust. */
  serviceNamespace: string;
}

/**
 * Nodes the platform needs at rest: its pods do not fit one t3.medium (charts/README.md, "Pod
 * budget"), and two nodes put the replicas of each service in both zones. The node group
 * itself starts at the specification's one node (desired 1, min 1); Cluster Autoscaler adds
 * the second as soon as pods are pending, so `maxNodes` must allow at least this many.
 */
export const NODES_AT_REST = 2;

/** The node group's own floor and start, as the specification sets them. */
export const NODE_GROUP_MIN = 1;

export const DEFAULT_SETTINGS: ToggleSettings = {
  labRole: undefined,
  architecture: "x86_64",
  instanceType: DEFAULT_INSTANCE_TYPES.x86_64,
  maxNodes: 3,
  certificateArn: undefined,
  // 13.x (the original's version) is in paid RDS extended support; 17 is in standard support.
  postgresVersion: "17.6",
  kubernetesVersion: "1.35",
  serviceNamespace: "togglemaster",
};

const CERTIFICATE_ARN = /^arn:aws[\w-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[\w-]+$/;

/** Reads the `-c key=value` switches of the cdk CLI. */
export function readSettings(node: Node): ToggleSettings {
  const { architecture, instanceType } = readHardware(
    optionalText(node, "arch"),
    optionalText(node, "instanceType"),
  );
  return {
    labRole: optionalText(node, "labRole"),
    architecture,
    instanceType,
    maxNodes: readMaxNodes(optionalText(node, "maxNodes")),
    certificateArn: readCertificateArn(optionalText(node, "certificateArn")),
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

/** An instance type alone implies its architecture; both must agree when both are given. */
function readHardware(
  arch: string | undefined,
  type: string | undefined,
): { architecture: Architecture; instanceType: string } {
  if (arch !== undefined && arch !== "x86_64" && arch !== "arm64") {
    throw new Error(`context 'arch' must be 'x86_64' or 'arm64', got '${arch}'`);
  }
  if (type === undefined) {
    const architecture = arch ?? DEFAULT_SETTINGS.architecture;
    return { architecture, instanceType: DEFAULT_INSTANCE_TYPES[architecture] };
  }
  const { architecture } = instanceType(type);
  if (arch !== undefined && arch !== architecture) {
    throw new Error(`instance type '${type}' is ${architecture}, but context 'arch' is '${arch}'`);
  }
  return { architecture, instanceType: type };
}

function readMaxNodes(value: string | undefined): number {
  if (value === undefined) return DEFAULT_SETTINGS.maxNodes;
  const count = Number(value);
  if (!Number.isInteger(count) || count < NODES_AT_REST) {
    throw new Error(`context 'maxNodes' must be a whole number ≥ ${NODES_AT_REST}, got '${value}'`);
  }
  return count;
}

function readCertificateArn(value: string | undefined): string | undefined {
  if (value !== undefined && !CERTIFICATE_ARN.test(value)) {
    throw new Error(`context 'certificateArn' is not an ACM certificate ARN: '${value}'`);
  }
  return value;
}
