import { Aws, CfnOutput, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import * as ecr from "aws-cdk-lib/aws-ecr";
import type { Construct } from "constructs";
import { repositoryName, SERVICES } from "./names.ts";
import { OutputKeys } from "./output-keys.ts";

/** Untagged layers go after a week; at most 20 images are kept per service. */
const LIFECYCLE_POLICY = {
  rules: [
    {
      rulePriority: 1,
      description: "Expire untagged images after 7 days",
      selection: {
        tagStatus: "untagged",
        countType: "sinceImagePushed",
        countUnit: "days",
        countNumber: 7,
      },
      action: { type: "expire" },
    },
    {
      rulePriority: 2,
      description: "Keep the 20 most recent images",
      selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 20 },
      action: { type: "expire" },
    },
  ],
};

/** One ECR repository per service image. */
export class RegistryStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);

    for (const service of SERVICES) {
      const repository = new ecr.CfnRepository(this, `Repository-${service}`, {
        repositoryName: repositoryName(service),
        imageScanningConfiguration: { scanOnPush: true },
        // Images are tagged by git commit and deployed by tag: a tag must never move.
        imageTagMutability: "IMMUTABLE",
        lifecyclePolicy: { lifecyclePolicyText: JSON.stringify(LIFECYCLE_POLICY) },
        emptyOnDelete: true,
      });
      repository.applyRemovalPolicy(RemovalPolicy.DESTROY);
      new CfnOutput(this, OutputKeys.repositoryUri(service), {
        value: repository.attrRepositoryUri,
      });
    }

    new CfnOutput(this, OutputKeys.imageRegistry, {
      value: `${Aws.ACCOUNT_ID}.dkr.ecr.${Aws.REGION}.amazonaws.com`,
    });
  }
}
