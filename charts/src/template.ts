/**
 * Turns kubernetes-models objects into Helm templates.
 *
 * A chart template is a function of `Values`, the install-time parts of its objects. It is
 * built twice: with `sampleValues` every part is a concrete example, so each object can be
 * validated against the Kubernetes schema; with a `TemplateWriter` every part is a marker
 * that `render` replaces with Helm template text after the object is serialised to YAML.
 * One function describes both, so the validated shape and the written template cannot drift.
 */
import { stringify } from "yaml";

/** What every kubernetes-models class provides. */
export interface KubernetesObject {
  validate(): void;
  toJSON(): unknown;
}

/** One `range` item's fields: samples give each field's type (strings are quoted). */
type Item = Record<string, string | number>;

/** Fields of one `range` item, each a Helm expression such as `$ref.key` or `.`. */
export interface Loop<T extends Item> {
  over: string;
  fields: Record<keyof T, string>;
}

export interface Values {
  /** A scalar taken from a Helm expression (strings are quoted). */
  scalar<T extends string | number | boolean>(expression: string, sample: T): T;
  /** A map or list written as YAML by a Helm expression such as `toYaml .Values.x`. */
  yaml<T extends object>(expression: string, sample: T): T;
  /** List items repeated by `{{ range }}`, built from the loop's fields. */
  range<T extends Item, R>(
    loop: Loop<T>,
    samples: readonly [T, ...T[]],
    build: (item: T) => R,
  ): R[];
  /** A list item present only when `condition` holds (always present in samples). */
  when<T>(condition: string, build: () => T): T[];
  /** A string holding another template language's `{{ }}`, which Helm must leave alone. */
  literal(text: string): string;
}

export interface ChartDocument {
  object: KubernetesObject;
  /** Helm condition for writing the whole document. */
  condition?: string;
}

export interface ChartTemplate {
  file: string;
  build: (values: Values) => ChartDocument[];
}

export const sampleValues: Values = {
  scalar: (_expression, sample) => sample,
  yaml: (_expression, sample) => sample,
  range: (_loop, samples, build) => samples.map(build),
  when: (_condition, build) => [build()],
  literal: (text) => text,
};

type Snippet =
  | { type: "scalar"; text: string }
  | { type: "yaml"; expression: string }
  | { type: "block"; open: string; body: unknown; close: string };

const markerPattern = /zzhelm(\d+)zz/;

/** Collects the Helm snippets of one template while its objects are built. */
class TemplateWriter implements Values {
  readonly snippets: Snippet[] = [];

  private mark(snippet: Snippet): string {
    this.snippets.push(snippet);
    return `zzhelm${this.snippets.length - 1}zz`;
  }

  scalar<T extends string | number | boolean>(expression: string, sample: T): T {
    const text = typeof sample === "string" ? `{{ ${expression} | quote }}` : `{{ ${expression} }}`;
    return this.mark({ type: "scalar", text }) as T;
  }

  yaml<T extends object>(expression: string, _sample: T): T {
    return this.mark({ type: "yaml", expression }) as unknown as T;
  }

  range<T extends Item, R>(
    loop: Loop<T>,
    samples: readonly [T, ...T[]],
    build: (item: T) => R,
  ): R[] {
    const item = {} as Record<string, string | number>;
    for (const [field, expression] of Object.entries(loop.fields) as [string, string][]) {
      item[field] = this.scalar(expression, samples[0][field] ?? "");
    }
    const body = build(item as T);
    return [
      this.mark({ type: "block", open: `{{- range ${loop.over} }}`, body, close: "{{- end }}" }),
    ] as R[];
  }

  /** A Go string literal inside an action: Helm prints it as it is, braces included. */
  literal(text: string): string {
    return this.mark({ type: "scalar", text: `{{ ${JSON.stringify(text)} | quote }}` });
  }

  when<T>(condition: string, build: () => T): T[] {
    const body = build();
    return [
      this.mark({ type: "block", open: `{{- if ${condition} }}`, body, close: "{{- end }}" }),
    ] as T[];
  }

  /** Replaces every marker in `text`, expanding blocks whose bodies may hold more markers. */
  expand(text: string): string {
    const lines = text.split("\n");
    for (let index = 0; index < lines.length; ) {
      const line = lines[index] ?? "";
      const match = markerPattern.exec(line);
      if (!match) {
        index += 1;
        continue;
      }
      const snippet = this.snippets[Number(match[1])];
      if (!snippet) throw new Error(`unknown marker in: ${line}`);
      lines.splice(index, 1, ...this.expandLine(line, match[0], snippet));
    }
    return lines.join("\n");
  }

  private expandLine(line: string, marker: string, snippet: Snippet): string[] {
    if (!line.endsWith(` ${marker}`)) {
      throw new Error(`a Helm value must be a whole YAML scalar, found: ${line}`);
    }
    const head = line.slice(0, -marker.length);
    const indent = head.length - head.trimStart().length;
    switch (snippet.type) {
      case "scalar":
        return [head + snippet.text];
      case "yaml": {
        // Nested content sits two columns right of the key, which follows any "- ".
        const keyColumn = head.trimStart().startsWith("- ") ? indent + 2 : indent;
        return [`${head.trimEnd()} {{- ${snippet.expression} | nindent ${keyColumn + 2} }}`];
      }
      case "block": {
        if (head.trim() !== "-") throw new Error(`a repeated block must be a list item: ${line}`);
        const pad = " ".repeat(indent);
        const body = toYaml([snippet.body]).trimEnd().split("\n");
        assertNoBraces(body.join("\n"), line);
        return [pad + snippet.open, ...body.map((bodyLine) => pad + bodyLine), pad + snippet.close];
      }
    }
  }
}

/** Literal braces in an object would be read by Helm as template actions. */
function assertNoBraces(yaml: string, where: string): void {
  if (yaml.includes("{{")) throw new Error(`literal "{{" in an object (${where})`);
}

function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** Builds the template's objects from samples and validates each against its schema. */
export function validateTemplate(template: ChartTemplate): KubernetesObject[] {
  return template.build(sampleValues).map(({ object }) => {
    try {
      object.validate();
    } catch (error) {
      throw new Error(`${template.file}: ${(error as Error).message}`);
    }
    return object;
  });
}

/** The template file's text: YAML documents with Helm expressions in place of markers. */
export function renderTemplate(template: ChartTemplate, header: string): string {
  const writer = new TemplateWriter();
  const documents = template.build(writer).map(({ object, condition }) => {
    const yaml = toYaml(object.toJSON());
    assertNoBraces(yaml, template.file);
    const text = writer.expand(yaml).trimEnd();
    return condition ? `{{- if ${condition} }}\n${text}\n{{- end }}` : text;
  });
  return `${header}\n${documents.join("\n---\n")}\n`;
}
