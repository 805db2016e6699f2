import { type Environment, LegacyStackSynthesizer, Tags } from "aws-cdk-lib";
import type { Construct } from "constructs";
import { ClusterStack } from "./cluster-stack.ts";
import { DataStack } from "./data-stack.ts";
import { PROJECT_TAG, REGION } from "./names.ts";
import { NetworkStack } from "./network-stack.ts";
import { RegistryStack } from "./registry-stack.ts";
import { ServiceAccountsStack } from "./service-accounts-stack.ts";
import type { ToggleSettings } from "./settings.ts";

/** Context every ToggleMaster app starts from; `-c` switches are layered on top. */
export const APP_CONTEXT = {
  // Consumers import producer outputs through CloudFormation exports, which also
  // stops a producer stack from being changed under a live reference.
  "@aws-cdk/core:defaultCrossStackReferences": "strong",
};

export interface ToggleStacks {
  network: NetworkStack;
  cluster: ClusterStack;
  registry: RegistryStack;
  data: DataStack;
  /** Absent in LabRole mode, where no IAM resource may be created. */
  serviceAccounts: ServiceAccountsStack | undefined;
}

/** Every stack of the environment, in deployment order. */
export function buildToggleStacks(app: Construct, settings: ToggleSettings): ToggleStacks {
  const stackProps = () => ({
    // Account stays unresolved so `cdk synth` needs no credentials.
    env: { region: REGION } satisfies Environment,
    // No bootstrap stack: `cdk bootstrap` creates IAM roles, which lab accounts forbid.
    // This synthesizer deploys with the CLI's own credentials, and since the stacks
    // hold no assets and small templates, the CLI sends each template inline.
    synthesizer: new LegacyStackSynthesizer(),
  });

  const network = new NetworkStack(app, "ToggleNetwork", stackProps());
  const cluster = new ClusterStack(app, "ToggleCluster", {
    ...stackProps(),
    network: network.refs,
    settings,
  });
  const registry = new RegistryStack(app, "ToggleRegistry", stackProps());
  const data = new DataStack(app, "ToggleData", {
    ...stackProps(),
    network: network.refs,
    cluster: cluster.refs,
    postgresVersion: settings.postgresVersion,
    sharedSecrets: settings.labRole === undefined,
  });
  const serviceAccounts =
    settings.labRole === undefined
      ? new ServiceAccountsStack(app, "ToggleServiceAccounts", {
          ...stackProps(),
          cluster: cluster.refs,
          data: data.refs,
          namespace: settings.serviceNamespace,
        })
      : undefined;

  Tags.of(app).add(PROJECT_TAG.key, PROJECT_TAG.value);
  return { network, cluster, registry, data, serviceAccounts };
}
