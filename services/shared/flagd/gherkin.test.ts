import { describe, expect, test } from "bun:test";
import { readFeature } from "./gherkin.ts";

const FEATURE = String.raw`@suite
Feature: Reading
  Free description text,
  """markdown
  | even | a table |
  """

  Background:
    Given a base

  # a comment
  @plain
  Scenario: Plain
    When a table
      | key | value   |
      | a\|b | \\ and \n |
    Then a doc string
      """
      line one
        line two
      """

  Scenario Outline: Outline <name>
    Given a <name> with "<value>"

    @first
    Examples: one
      | name  | value |
      | alpha | 1     |
      | beta  |       |

    Scenarios:
      | name  | value |
      | gamma | 3     |
`;

describe("readFeature", () => {
  const scenarios = readFeature(FEATURE);

  test("reads scenarios with the background's steps, tables and doc strings", () => {
    expect(scenarios[0]).toEqual({
      feature: "Reading",
      name: "Plain",
      tags: ["suite", "plain"],
      steps: [
        { keyword: "Given", text: "a base", line: 9 },
        {
          keyword: "When",
          text: "a table",
          table: [
            ["key", "value"],
            ["a|b", "\\ and \n"],
          ],
          line: 14,
        },
        {
          keyword: "Then",
          text: "a doc string",
          docString: "line one\n  line two",
          line: 17,
        },
      ],
      line: 13,
    });
  });

  test("expands outlines, one scenario per example row, with the examples' tags", () => {
    expect(
      scenarios.slice(1).map(({ name, tags, steps, example }) => ({
        name,
        tags,
        step: steps[1]?.text,
        example,
      })),
    ).toEqual([
      {
        name: "Outline alpha",
        tags: ["suite", "first"],
        step: 'a alpha with "1"',
        example: { name: "alpha", value: "1" },
      },
      {
        name: "Outline beta",
        tags: ["suite", "first"],
        step: 'a beta with ""',
        example: { name: "beta", value: "" },
      },
      {
        name: "Outline gamma",
        tags: ["suite"],
        step: 'a gamma with "3"',
        example: { name: "gamma", value: "3" },
      },
    ]);
  });

  test.each([
    ["Feature: x\n  Rule: r\n", "line 2: Rule is not supported"],
    ["Feature: x\n  Given a step\n", "line 2: a step outside a Background or Scenario"],
    ["Feature: x\n  Scenario: s\n    Given a\n  stray words\n", "line 4: unexpected line"],
    ["Feature: x\n  Scenario: s\n    Examples:\n", "line 3: Examples outside a Scenario Outline"],
    ['Feature: x\n  Scenario: s\n    Given a\n    """\n', "line 4: an unterminated doc string"],
  ])("refuses what it cannot read faithfully: %j", (text, message) => {
    expect(() => readFeature(text)).toThrow(message);
  });
});
