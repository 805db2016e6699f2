import { CfnOutput, Fn, Stack, type StackProps } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type { Construct } from "constructs";
import type { ClusterRefs } from "./cluster-stack.ts";
import type { DataRefs } from "./data-stack.ts";
import { SERVICE_ACCOUNTS } from "./names.ts";
import { OutputKeys } from "./output-keys.ts";

export interface ServiceAccountsStackProps extends StackProps {
  cluster: ClusterRefs;
  data: DataRefs;
  namespace: string;
}

/** What each service account may do: the least its service needs. */
function servicePermissions(data: DataRefs) {
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
        Resource: [data.eventsTableArn, data.countersTableArn],
      },
    ],
  };
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
    const permissions = servicePermissions(props.data);

    const roleFor = (id: string, serviceAccount: string, statements: object[]) =>
      new iam.CfnRole(this, id, {
        assumeRolePolicyDocument: webIdentityTrust(
          provider.attrArn,
          issuerHost,
          `system:serviceaccount:${props.namespace}:${serviceAccount}`,
        ),
        policies: [
          {
            policyName: `${serviceAccount}-access`,
            policyDocument: { Version: "2012-10-17", Statement: statements },
          },
        ],
      });

    const evaluation = roleFor(
      "EvaluationRole",
      SERVICE_ACCOUNTS.evaluation,
      permissions.evaluation,
    );
    const analytics = roleFor("AnalyticsRole", SERVICE_ACCOUNTS.analytics, permissions.analytics);
    new CfnOutput(this, OutputKeys.evaluationRoleArn, { value: evaluation.attrArn });
    new CfnOutput(this, OutputKeys.analyticsRoleArn, { value: analytics.attrArn });
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
