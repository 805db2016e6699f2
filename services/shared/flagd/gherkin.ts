/**
 * A reader for the subset of Gherkin that conformance suites such as flagd's testbed use:
 * tags, Feature, Background, Scenario, Scenario Outline with Examples (or Scenarios) tables,
 * steps and their data tables, comments and free description lines. Outlines are expanded,
 * one scenario per example row, with `<placeholders>` filled in. Doc strings are kept on
 * their step (or skipped as part of a description). Anything outside the subset (Rule) is
 * refused rather than misread.
 */

export interface GherkinStep {
  /** Given, When, Then, And, But or *. */
  readonly keyword: string;
  readonly text: string;
  /** The step's data table, rows of cells. */
  readonly table?: readonly (readonly string[])[];
  /** The step's doc string. */
  readonly docString?: string;
  readonly line: number;
}

export interface GherkinScenario {
  readonly feature: string;
  readonly name: string;
  /** Tags of the feature, the scenario and, for an outline, its Examples block, without "@". */
  readonly tags: readonly string[];
  /** The Background's steps, then the scenario's. */
  readonly steps: readonly GherkinStep[];
  /** For an outline, the example row this scenario was expanded from, by column header. */
  readonly example?: Readonly<Record<string, string>>;
  readonly line: number;
}

interface Block {
  name: string;
  tags: string[];
  steps: GherkinStep[];
  outline: boolean;
  examples: { tags: string[]; rows: string[][] }[];
  line: number;
}

const STEP = /^(Given|When|Then|And|But|\*)\s+(.*)$/;
const HEADER =
  /^(Feature|Background|Scenario Outline|Scenario Template|Scenario|Example|Examples|Scenarios|Rule):\s*(.*)$/;

/** The scenarios of a feature file, outlines expanded, in file order. */
export function readFeature(text: string): GherkinScenario[] {
  const scenarios: GherkinScenario[] = [];
  let feature = "";
  let featureTags: string[] = [];
  let pendingTags: string[] = [];
  const background: GherkinStep[] = [];
  let block: Block | undefined;
  // What a table row or step line belongs to: the last step, or an Examples block.
  let target: "background" | "block" | "examples" | undefined;

  const finish = () => {
    if (block !== undefined) scenarios.push(...expand(feature, featureTags, background, block));
    block = undefined;
  };

  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = (lines[index] as string).trim();
    const number = index + 1;
    const fail = (why: string): never => {
      throw new Error(`line ${number}: ${why}: ${line}`);
    };
    if (line === "" || line.startsWith("#")) continue;
    if (line.startsWith("@")) {
      pendingTags.push(
        ...line
          .split(/\s+/)
          .filter((tag) => tag.startsWith("@"))
          .map((tag) => tag.slice(1)),
      );
      continue;
    }
    const header = HEADER.exec(line);
    if (header !== null) {
      const [, keyword, name = ""] = header;
      switch (keyword) {
        case "Feature":
          feature = name;
          featureTags = pendingTags;
          target = undefined;
          break;
        case "Background":
          target = "background";
          break;
        case "Examples":
        case "Scenarios":
          if (block?.outline !== true) fail("Examples outside a Scenario Outline");
          block?.examples.push({ tags: pendingTags, rows: [] });
          target = "examples";
          break;
        case "Rule":
          fail("Rule is not supported");
          break;
        default:
          finish();
          block = {
            name,
            tags: pendingTags,
            steps: [],
            outline: keyword === "Scenario Outline" || keyword === "Scenario Template",
            examples: [],
            line: number,
          };
          target = "block";
      }
      pendingTags = [];
      continue;
    }
    if (line.startsWith('"""') || line.startsWith("```")) {
      const delimiter = line.slice(0, 3);
      // Content loses the indentation of its opening delimiter.
      const indent = (lines[index] as string).indexOf(delimiter);
      const start = index + 1;
      do index++;
      while (index < lines.length && (lines[index] as string).trim() !== delimiter);
      if (index === lines.length) fail("an unterminated doc string");
      const docString = lines
        .slice(start, index)
        .map((content) => content.replace(new RegExp(`^ {0,${indent}}`), ""))
        .join("\n");
      const steps = target === "background" ? background : block?.steps;
      const last = steps?.at(-1);
      if (steps !== undefined && last !== undefined)
        steps[steps.length - 1] = { ...last, docString };
      continue;
    }
    const step = STEP.exec(line);
    if (step !== null) {
      const [, keyword = "", stepText = ""] = step;
      const steps =
        target === "background" ? background : target === "block" ? block?.steps : undefined;
      if (steps === undefined) fail("a step outside a Background or Scenario");
      steps?.push({ keyword, text: stepText, line: number });
      continue;
    }
    if (line.startsWith("|")) {
      const cells = readRow(line);
      if (target === "examples") {
        block?.examples.at(-1)?.rows.push(cells);
        continue;
      }
      const steps = target === "background" ? background : block?.steps;
      const last = steps?.at(-1);
      if (steps === undefined || last === undefined) return fail("a table without a step");
      steps[steps.length - 1] = { ...last, table: [...(last.table ?? []), cells] };
      continue;
    }
    // Free text is a description, allowed only before a block's first step.
    const described =
      target === undefined ||
      (target === "background" && background.length === 0) ||
      (target === "block" && block?.steps.length === 0);
    if (!described) fail("unexpected line");
  }
  finish();
  return scenarios;

  function expand(
    featureName: string,
    tags: string[],
    backgroundSteps: GherkinStep[],
    { name, tags: own, steps, outline, examples, line }: Block,
  ): GherkinScenario[] {
    const all = [...backgroundSteps, ...steps];
    if (!outline)
      return [{ feature: featureName, name, tags: [...tags, ...own], steps: all, line }];
    return examples.flatMap(({ tags: exampleTags, rows }) => {
      const [headers = [], ...values] = rows;
      return values.map((cells) => {
        const example = Object.fromEntries(
          headers.map((header, column) => [header, cells[column] ?? ""]),
        );
        const fill = (value: string) =>
          value.replace(/<([^<>]+)>/g, (match, key: string) => example[key] ?? match);
        return {
          feature: featureName,
          name: fill(name),
          tags: [...tags, ...own, ...exampleTags],
          steps: all.map((step) => ({
            ...step,
            text: fill(step.text),
            ...(step.table === undefined ? {} : { table: step.table.map((row) => row.map(fill)) }),
          })),
          example,
          line,
        };
      });
    });
  }
}

/** The cells of a table row, trimmed; `\|`, `\\` and `\n` are Gherkin's only escapes. */
function readRow(line: string): string[] {
  const cells: string[] = [];
  let raw = "";
  for (let index = 1; index < line.length; index++) {
    const char = line[index] as string;
    if (char === "\\" && index + 1 < line.length) {
      raw += char + line[++index];
    } else if (char === "|") {
      cells.push(
        raw.trim().replace(/\\([|\\n])/g, (_, escaped) => (escaped === "n" ? "\n" : escaped)),
      );
      raw = "";
    } else {
      raw += char;
    }
  }
  return cells;
}
