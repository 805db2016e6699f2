import { describe, expect, test } from "bun:test";
import { App } from "aws-cdk-lib";
import { DEFAULT_SETTINGS, readSettings } from "./settings.ts";

const settingsFrom = (context: Record<string, unknown>) => readSettings(new App({ context }).node);

describe("readSettings", () => {
  test("defaults: own IAM roles, x86_64 nodes, PostgreSQL 17", () => {
    const settings = settingsFrom({});
    expect(settings).toEqual(DEFAULT_SETTINGS);
    expect(settings.labRole).toBeUndefined();
    expect(settings.architecture).toBe("x86_64");
    expect(settings.postgresVersion).toMatch(/^17\.\d+$/);
  });

  test("context switches override the defaults", () => {
    expect(
      settingsFrom({
        labRole: "LabRole",
        arch: "arm64",
        postgresVersion: "16.9",
        kubernetesVersion: "1.34",
        serviceNamespace: "apps",
      }),
    ).toEqual({
      labRole: "LabRole",
      architecture: "arm64",
      postgresVersion: "16.9",
      kubernetesVersion: "1.34",
      serviceNamespace: "apps",
    });
  });

  test("an empty labRole means no LabRole", () => {
    expect(settingsFrom({ labRole: "" }).labRole).toBeUndefined();
  });

  test("an unknown architecture is refused", () => {
    expect(() => settingsFrom({ arch: "amd64" })).toThrow("'x86_64' or 'arm64'");
  });
});
