import { describe, expect, test } from "bun:test";
import { substitution } from "./service-accounts-stack.ts";
import { exportedValue, onlyResource, resourcesOf, synthesizeTemplates } from "./synthesize.ts";

interface Statement {
  Effect: string;
  Action: string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, string>>;
}

describe("service accounts stack", () => {
  const templates = synthesizeTemplates({ serviceNamespace: "toggle-ns" });
  const serviceAccounts = templates.serviceAccounts;
  if (serviceAccounts === undefined) throw new Error("stack expected without labRole");

  const provider = onlyResource(serviceAccounts, "AWS::IAM::OIDCProvider", () => true);
  const role = (id: string) => {
    const properties = resourcesOf(serviceAccounts, "AWS::IAM::Role")[id]?.Properties;
    if (properties === undefined) throw new Error(`role ${id} missing`);
    return properties;
  };
  const statementsOf = (id: string) =>
    (role(id).Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
      (policy) => policy.PolicyDocument.Statement,
    );
  const fromData = (value: unknown) =>
    Array.isArray(value)
      ? value.map((item) => exportedValue(templates.data, item))
      : exportedValue(templates.data, value);
  const queueArn = { "Fn::GetAtt": ["AnalyticsQueue", "Arn"] };

  test("the OIDC provider is the cluster's issuer, for STS", () => {
    expect(provider.properties.ClientIdList).toEqual(["sts.amazonaws.com"]);
    expect(exportedValue(templates.cluster, provider.properties.Url)).toEqual({
      "Fn::GetAtt": ["Cluster", "OpenIdConnectIssuerUrl"],
    });
  });

  test.each([
    ["EvaluationRole", "toggle-ns:evaluation-service"],
    ["AnalyticsRole", "toggle-ns:analytics-service"],
    ["ClusterAutoscalerRole", "kube-system:cluster-autoscaler"],
    ["SecretsReaderRole", "toggle-ns:toggle-secrets"],
  ])("%s trusts only service account %s through the provider", (id, serviceAccount) => {
    const [template, variables] = (
      role(id).AssumeRolePolicyDocument as { "Fn::Sub": [string, Record<string, unknown>] }
    )["Fn::Sub"];
    const trust = JSON.parse(template).Statement as Record<string, unknown>[];
    expect(trust).toEqual([
      {
        Effect: "Allow",
        Principal: { Federated: substitution("ProviderArn") },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${substitution("IssuerHost")}:sub`]: substitution("Subject"),
            [`${substitution("IssuerHost")}:aud`]: "sts.amazonaws.com",
          },
        },
      },
    ]);
    expect(variables.ProviderArn).toEqual({ "Fn::GetAtt": [provider.logicalId, "Arn"] });
    expect(variables.Subject).toBe(`system:serviceaccount:${serviceAccount}`);
  });

  test("evaluation may only send to the analytics queue", () => {
    const statements = statementsOf("EvaluationRole");
    expect(statements).toHaveLength(1);
    expect(statements[0]?.Action).toContain("sqs:SendMessage");
    expect(statements[0]?.Action).not.toContain("sqs:DeleteMessage");
    expect(fromData(statements[0]?.Resource)).toEqual(queueArn);
  });

  test("analytics consumes the queue and writes both tables", () => {
    const [queue, tables] = statementsOf("AnalyticsRole");
    expect(queue?.Action).toEqual(
      expect.arrayContaining(["sqs:ReceiveMessage", "sqs:DeleteMessage"]),
    );
    expect(queue?.Action).not.toContain("sqs:SendMessage");
    expect(fromData(queue?.Resource)).toEqual(queueArn);
    expect(tables?.Action).toEqual(
      expect.arrayContaining(["dynamodb:PutItem", "dynamodb:UpdateItem"]),
    );
    expect(fromData(tables?.Resource)).toEqual([
      { "Fn::GetAtt": ["EventsTable", "Arn"] },
      { "Fn::GetAtt": ["CountersTable", "Arn"] },
    ]);
  });

  test("the autoscaler reads everything but resizes only this cluster's tagged groups", () => {
    const [read, resize] = statementsOf("ClusterAutoscalerRole");
    expect(read?.Action).toEqual(
      expect.arrayContaining([
        "autoscaling:DescribeAutoScalingGroups",
        "autoscaling:DescribeTags",
        "ec2:DescribeLaunchTemplateVersions",
        "eks:DescribeNodegroup",
      ]),
    );
    expect(read?.Action.filter((action) => !/:(Describe|Get)/.test(action))).toEqual([]);
    expect(resize?.Action.sort()).toEqual([
      "autoscaling:SetDesiredCapacity",
      "autoscaling:TerminateInstanceInAutoScalingGroup",
    ]);
    expect(resize?.Condition).toEqual({
      StringEquals: { "aws:ResourceTag/k8s.io/cluster-autoscaler/toggle-cluster": "owned" },
    });
  });

  test("the secrets reader reads exactly the databases' and the shared secrets", () => {
    const statements = statementsOf("SecretsReaderRole");
    expect(statements).toHaveLength(1);
    expect(statements[0]?.Action.sort()).toEqual([
      "secretsmanager:DescribeSecret",
      "secretsmanager:GetSecretValue",
    ]);
    const secrets = resourcesOf(templates.data, "AWS::SecretsManager::Secret");
    expect(
      (fromData(statements[0]?.Resource) as { Ref: string }[]).map((ref) => ref.Ref).sort(),
    ).toEqual(Object.keys(secrets).sort());
    expect(Object.keys(secrets)).toHaveLength(6);
  });
});
