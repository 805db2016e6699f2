import { describe, expect, test } from "bun:test";
import { onlyResource, resourcesOf, synthesizeTemplates } from "./synthesize.ts";

describe("registry stack", () => {
  const { registry } = synthesizeTemplates();
  const repositoryNamed = (name: string) =>
    onlyResource(
      registry,
      "AWS::ECR::Repository",
      (properties) => properties.RepositoryName === name,
    ).properties;

  test("exactly five repositories", () => {
    expect(Object.keys(resourcesOf(registry, "AWS::ECR::Repository"))).toHaveLength(5);
  });

  test.each(["auth", "flag", "targeting", "evaluation", "analytics"])(
    "toggle-master/%s scans on push, keeps tags immutable and expires old images",
    (service) => {
      const repository = repositoryNamed(`toggle-master/${service}`);
      expect(repository.ImageScanningConfiguration).toEqual({ ScanOnPush: true });
      // Images are deployed by commit tag: a pushed tag never moves.
      expect(repository.ImageTagMutability).toBe("IMMUTABLE");
      const lifecycle = repository.LifecyclePolicy as { LifecyclePolicyText: string };
      const rules = JSON.parse(lifecycle.LifecyclePolicyText).rules as {
        selection: Record<string, unknown>;
        action: { type: string };
      }[];
      expect(rules.map((rule) => rule.selection)).toEqual([
        { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 7 },
        { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 20 },
      ]);
      expect(rules.every((rule) => rule.action.type === "expire")).toBe(true);
    },
  );

  test("the registry host and every repository URI are stack outputs", () => {
    const outputs = Object.keys(registry.toJSON().Outputs as object);
    expect(outputs).toContain("ImageRegistry");
    expect(outputs.filter((key) => key.startsWith("RepositoryUri"))).toHaveLength(5);
  });
});
