import { describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigMap, Pod } from "kubernetes-models/v1";
import { parse } from "yaml";
import { runHelm } from "../tools.ts";
import { type ChartTemplate, renderTemplate, validateTemplate } from "./template.ts";

const podTemplate: ChartTemplate = {
  file: "pod.yaml",
  build: (v) => [
    {
      condition: "$.Values.enabled",
      object: new Pod({
        metadata: {
          name: v.scalar("$.Values.name", "demo"),
          annotations: v.yaml("toYaml $.Values.notes", {}),
        },
        spec: {
          containers: [
            {
              name: "main",
              image: "busybox",
              ports: [{ containerPort: v.scalar("$.Values.port", 80) }],
              env: [
                ...v.range(
                  { over: "$.Values.names", fields: { value: "." } },
                  [{ value: "a" }],
                  (item) => ({
                    name: "NAME",
                    value: item.value,
                  }),
                ),
                ...v.when("$.Values.debug", () => ({ name: "DEBUG", value: "1" })),
              ],
            },
          ],
        },
      }),
    },
  ],
};

describe("chart templates from kubernetes-models objects", () => {
  test("writes Helm expressions where the values go", () => {
    const text = renderTemplate(podTemplate, "# header");
    expect(text).toStartWith("# header\n{{- if $.Values.enabled }}\n");
    expect(text).toContain("  name: {{ $.Values.name | quote }}\n");
    expect(text).toContain("  annotations: {{- toYaml $.Values.notes | nindent 4 }}\n");
    expect(text).toContain("        - containerPort: {{ $.Values.port }}\n");
    expect(text).toContain(
      "        {{- range $.Values.names }}\n        - name: NAME\n          value: {{ . | quote }}\n        {{- end }}\n",
    );
    expect(text).toContain("        {{- if $.Values.debug }}\n        - name: DEBUG\n");
    expect(text).toEndWith("{{- end }}\n");
  });

  test("helm renders the written template into the object built from samples", async () => {
    const folder = await mkdtemp(join(tmpdir(), "toggle-chart-"));
    await Bun.write(join(folder, "Chart.yaml"), "apiVersion: v2\nname: demo\nversion: 0.1.0\n");
    await Bun.write(join(folder, "templates", "pod.yaml"), renderTemplate(podTemplate, "# demo"));
    const values = [
      "enabled=true",
      "name=demo",
      "port=80",
      "debug=true",
      "names={a}",
      "notes.team=core",
    ];
    const result = await runHelm(["template", "x", folder, ...values.flatMap((v) => ["--set", v])]);
    await rm(folder, { recursive: true, force: true });
    expect(result.stderr).toBe("");
    const rendered = parse(result.stdout.replace(/^---\n# Source:.*\n/, ""));
    const [sample] = validateTemplate(podTemplate);
    expect(rendered).toEqual({
      ...(sample?.toJSON() as object),
      metadata: { name: "demo", annotations: { team: "core" } },
    });
  });

  test("a literal keeps another template language's braces through helm", async () => {
    const literal: ChartTemplate = {
      file: "configmap.yaml",
      build: (v) => [
        {
          object: new ConfigMap({
            metadata: { name: "x" },
            data: { url: v.literal('postgres://{{ .user | urlquery }}:{{ "x" }}@db') },
          }),
        },
      ],
    };
    const folder = await mkdtemp(join(tmpdir(), "toggle-chart-"));
    await Bun.write(join(folder, "Chart.yaml"), "apiVersion: v2\nname: demo\nversion: 0.1.0\n");
    await Bun.write(join(folder, "templates", "configmap.yaml"), renderTemplate(literal, "# demo"));
    const result = await runHelm(["template", "x", folder]);
    await rm(folder, { recursive: true, force: true });
    expect(result.stderr).toBe("");
    const rendered = parse(result.stdout.replace(/^---\n# Source:.*\n/, ""));
    expect(rendered.data.url).toBe('postgres://{{ .user | urlquery }}:{{ "x" }}@db');
  });

  test("validation reports the template file and the schema error", () => {
    const broken: ChartTemplate = {
      file: "broken.yaml",
      build: (v) => [
        {
          object: new ConfigMap({
            metadata: { name: "x" },
            data: { port: v.scalar(".", 1) as never },
          }),
        },
      ],
    };
    expect(() => validateTemplate(broken)).toThrow(/broken\.yaml: .*data\/port/);
  });

  test("a value inside a longer string is refused", () => {
    const embedded: ChartTemplate = {
      file: "embedded.yaml",
      build: (v) => [
        { object: new ConfigMap({ metadata: { name: `app-${v.scalar(".Values.x", "a")}` } }) },
      ],
    };
    expect(() => renderTemplate(embedded, "#")).toThrow(/whole YAML scalar/);
  });

  test("literal template braces in an object are refused", () => {
    const braces: ChartTemplate = {
      file: "braces.yaml",
      build: () => [
        { object: new ConfigMap({ metadata: { name: "x" }, data: { t: "{{ oops }}" } }) },
      ],
    };
    expect(() => renderTemplate(braces, "#")).toThrow(/literal/);
  });
});
