import { describe, expect, test } from "bun:test";
import { App } from "aws-cdk-lib";
import { DEFAULT_SETTINGS, nodeHardware, readSettings } from "./settings.ts";

const settingsFrom = (context: Record<string, unknown>) => readSettings(new App({ context }).node);
const certificateArn =
  "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000";

describe("readSettings", () => {
  test("defaults: own IAM roles, x86_64 t3.medium nodes up to three, PostgreSQL 17, no TLS", () => {
    const settings = settingsFrom({});
    expect(settings).toEqual(DEFAULT_SETTINGS);
    expect(settings.labRole).toBeUndefined();
    expect(settings.architecture).toBe("x86_64");
    expect(settings.instanceType).toBe("t3.medium");
    expect(settings.maxNodes).toBe(3);
    expect(settings.certificateArn).toBeUndefined();
    expect(settings.postgresVersion).toMatch(/^17\.\d+$/);
  });

  test("context switches override the defaults", () => {
    expect(
      settingsFrom({
        labRole: "LabRole",
        arch: "arm64",
        instanceType: "m7g.large",
        maxNodes: "5",
        certificateArn,
        postgresVersion: "16.9",
        kubernetesVersion: "1.34",
        serviceNamespace: "apps",
      }),
    ).toEqual({
      labRole: "LabRole",
      architecture: "arm64",
      instanceType: "m7g.large",
      maxNodes: 5,
      certificateArn,
      postgresVersion: "16.9",
      kubernetesVersion: "1.34",
      serviceNamespace: "apps",
    });
  });

  test("arm64 alone picks Graviton t4g.medium nodes", () => {
    const settings = settingsFrom({ arch: "arm64" });
    expect(nodeHardware(settings)).toEqual({
      instanceType: "t4g.medium",
      amiType: "AL2023_ARM_64_STANDARD",
    });
  });

  test("an instance type alone implies its architecture", () => {
    expect(settingsFrom({ instanceType: "c7g.large" }).architecture).toBe("arm64");
  });

  test("an instance type of the other architecture is refused", () => {
    expect(() => settingsFrom({ arch: "x86_64", instanceType: "c7g.large" })).toThrow("is arm64");
  });

  test("an empty labRole means no LabRole", () => {
    expect(settingsFrom({ labRole: "" }).labRole).toBeUndefined();
  });

  test("unknown or malformed switches are refused", () => {
    expect(() => settingsFrom({ arch: "amd64" })).toThrow("'x86_64' or 'arm64'");
    expect(() => settingsFrom({ instanceType: "t2.micro" })).toThrow("unknown instance type");
    expect(() => settingsFrom({ maxNodes: "1" })).toThrow("≥ 2");
    expect(() => settingsFrom({ certificateArn: "my-cert" })).toThrow("ACM certificate ARN");
  });
});
