import { CfnOutput, Fn, Stack, type StackProps } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type { Construct } from "constructs";
import type { ClusterRefs } from "./cluster-stack.ts";
import type { DataRefs } from "./data-stack.ts";
import {
  AUTOSCALER_DISCOVERY_TAGS,
  AWS_SERVICES,
  CLUSTER_AUTOSCALER_ACCOUNT,
  CLUSTER_NAME,
  SECRETS_READER_ACCOUNT,
  type ServiceName,
  serviceAccountName,
} from "./names.ts";
import { capitalize, OutputKeys } from "./output-keys.ts";

export interface ServiceAccountsStackProps extends StackProps {
  cluster: ClusterRefs;
  data: DataRefs;
  namespace: string;
}

interface Statement {
  Effect: "Allow";
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string>>;
}

/** What each service account may do: the least its service needs. */
function servicePermissions(data: DataRefs): Partial<Record<ServiceName, Statement[]>> {
  const tables = Object.values(data.tableArns);
  return {
    evaluation: [
      {
        Effect: "Allow",
        Action: ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
        Resource: data.queueArn,
      },
    ],
    analytics: [
      {
        Effect: "Allow",
        Action: [
          "sqs:ReceiveMessage",
          "sqs:DeleteMessage",
          "sqs:ChangeMessageVisibility",
          "sqs:GetQueueAttributes",
          "sqs:GetQueueUrl",
        ],
        Resource: data.queueArn,
      },
      {
        Effect: "Allow",
        Action: [
          "dynamodb:PutItem",
          "dynamodb:BatchWriteItem",
          "dynamodb:UpdateItem",
          "dynamodb:GetItem",
          "dynamodb:Query",
          "dynamodb:DescribeTable",
        ],
        Resource: tables,
      },
    ],
  };
}

/**
 * Cluster Autoscaler reads every Auto Scaling group and instance type, and resizes only the
 * groups tagged as this cluster's (the node group's, which EKS tags for discovery).
 */
export const CLUSTER_AUTOSCALER_PERMISSIONS: Statement[] = [
  {
    Effect: "Allow",
    Action: [
      "autoscaling:DescribeAutoScalingGroups",
      "autoscaling:DescribeAutoScalingInstances",
      "autoscaling:DescribeLaunchConfigurations",
      "autoscaling:DescribeScalingActivities",
      "autoscaling:DescribeTags",
      "ec2:DescribeImages",
      "ec2:DescribeInstanceTypes",
      "ec2:DescribeLaunchTemplateVersions",
      "ec2:GetInstanceTypesFromInstanceRequirements",
      "eks:DescribeNodegroup",
    ],
    Resource: "*",
  },
  {
    Effect: "Allow",
    Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
    Resource: "*",
    Condition: {
      StringEquals: {
        [`aws:ResourceTag/k8s.io/cluster-autoscaler/${CLUSTER_NAME}`]:
          AUTOSCALER_DISCOVERY_TAGS[`k8s.io/cluster-autoscaler/${CLUSTER_NAME}`],
      },
    },
  },
];

/** External Secrets Operator reads the databases' and the shared secrets, nothing else. */
function secretsReaderPermissions(data: DataRefs): Statement[] {
  return [
    {
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
      Resource: [
        ...Object.values(data.databaseSecretArns),
        ...Object.values(data.sharedSecretArns),
      ],
    },
  ];
}

/**
 * IAM roles for service accounts (IRSA): the cluster's OIDC issuer becomes an
 * identity provider and each role trusts exactly one Kubernetes service account.
 */
export class ServiceAccountsStack extends Stack {
  constructor(scope: Construct, id: string, props: ServiceAccountsStackProps) {
    super(scope, id, props);

    const provider = new iam.CfnOIDCProvider(this, "ClusterOidcProvider", {
      url: props.cluster.oidcIssuerUrl,
      clientIdList: ["sts.amazonaws.com"],
    });
    const issuerHost = Fn.select(1, Fn.split("https://", props.cluster.oidcIssuerUrl));

    const roleFor = (
      id: string,
      account: { namespace: string; name: string },
      statements: Statement[],
    ) =>
      new iam.CfnRole(this, id, {
        assumeRolePolicyDocument: webIdentityTrust(
          provider.attrArn,
          issuerHost,
          `system:serviceaccount:${account.namespace}:${account.name}`,
        ),
        policies: [
          {
            policyName: `${account.name}-access`,
            policyDocument: { Version: "2012-10-17", Statement: statements },
          },
        ],
      });

    const permissions = servicePermissions(props.data);
    for (const service of AWS_SERVICES) {
      const role = roleFor(
        `${capitalize(service)}Role`,
        { namespace: props.namespace, name: serviceAccountName(service) },
        permissions[service] ?? [],
      );
      new CfnOutput(this, OutputKeys.serviceAccountRoleArn(service), { value: role.attrArn });
    }

    const autoscaler = roleFor(
      "ClusterAutoscalerRole",
      CLUSTER_AUTOSCALER_ACCOUNT,
      CLUSTER_AUTOSCALER_PERMISSIONS,
    );
    new CfnOutput(this, OutputKeys.clusterAutoscalerRoleArn, { value: autoscaler.attrArn });

    const secretsReader = roleFor(
      "SecretsReaderRole",
      { namespace: props.namespace, name: SECRETS_READER_ACCOUNT },
      secretsReaderPermissions(props.data),
    );
    new CfnOutput(this, OutputKeys.secretsReaderRoleArn, { value: secretsReader.attrArn });
  }
}

/**
 * The condition keys name the issuer, which exists only after the cluster does.
 * CloudFormation cannot compute object keys, so the document is built as a
 * string with Fn::Sub (AWS::IAM::Role accepts the policy as a JSON string).
 */
function webIdentityTrust(providerArn: string, issuerHost: string, subject: string): string {
  const issuer = substitution("IssuerHost");
  const document = {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: substitution("ProviderArn") },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${issuer}:sub`]: substitution("Subject"),
            [`${issuer}:aud`]: "sts.amazonaws.com",
          },
        },
      },
    ],
  };
  return Fn.sub(JSON.stringify(document), {
    ProviderArn: providerArn,
    IssuerHost: issuerHost,
    Subject: subject,
  });
}

/** A `${Name}` placeholder of Fn::Sub. */
export function substitution(name: string): string {
  return `\${${name}}`;
}
