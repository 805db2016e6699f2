/**
 * The console in a real browser against the real services, as a product manager uses it:
 * sign in, create a flag, roll it out, flip it, ask what a user gets, watch the evaluations
 * arrive, read who changed what, manage keys; then a flag of strings with its own variants,
 * targeting built from conditions, segments. Every page is checked with axe-core.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser, Locator, Page } from "playwright-core";
import { bucketOf } from "../../services/evaluation/bucket.ts";
import { MASTER_KEY } from "../support/stack.ts";
import { axe, eventually, launchBrowser, screenshot, startConsole } from "./harness.ts";

const FLAG = "new-checkout";
/** The flag of strings of the v2 tests. */
const THEME = "checkout-theme";
const DESKTOP = { width: 1280, height: 800 };
// A browser step waits on real services: far above what one takes, far below a hang.
setDefaultTimeout(60_000);

let app: Awaited<ReturnType<typeof startConsole>>;
let browser: Browser;
let page: Page;
let apiKey: string;
let apiKeyId: number;
/** Every evaluation of FLAG made so far, by result: what the chart must end up counting. */
const evaluated = { true: 0, false: 0 };

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${app.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${apiKey}`, ...init.headers },
  });

/** Asks /evaluate through the public entry point, as an application does. */
async function evaluateOutside(userId: string, flagName = FLAG): Promise<boolean> {
  const response = await fetch(`${app.url}/evaluate?user_id=${userId}&flag_name=${flagName}`);
  const { result } = (await response.json()) as { result: boolean };
  if (flagName === FLAG) evaluated[result ? "true" : "false"]++;
  return result;
}

async function expectAccessible(name: string) {
  const counts = await axe(page, name);
  expect(counts.details.filter((line) => /^(critical|serious) /.test(line))).toEqual([]);
}

/** Every variant served so far by THEME's evaluations: what its chart must end up counting. */
const themeServed = new Map<string, number>();

interface OfrepAnswer {
  key?: string;
  value?: unknown;
  variant?: string;
  reason?: string;
  errorCode?: string;
  metadata?: Record<string, unknown>;
}

/** Asks OFREP from outside, as an application's SDK does; THEME's answers are tallied. */
async function ofrep(flag: string, context: Record<string, unknown>): Promise<OfrepAnswer> {
  const response = await api(`/ofrep/v1/evaluate/flags/${flag}`, {
    method: "POST",
    body: JSON.stringify({ context }),
  });
  const answer = (await response.json()) as OfrepAnswer;
  if (flag === THEME) tally(answer);
  return answer;
}

/** Counts an answer under the variant analytics records it as. */
function tally({ variant, errorCode, reason }: OfrepAnswer) {
  const name = variant ?? `(${(errorCode ?? reason ?? "error").toLowerCase()})`;
  themeServed.set(name, (themeServed.get(name) ?? 0) + 1);
}

/** Waits for the chart's totals, which refresh by themselves, to read `expected`. */
async function expectTotals(expected: string) {
  const totals = page.locator(".totals");
  // Polled without failing, so a miss shows what the chart said instead of a timeout.
  await eventually(async () => ((await totals.textContent()) === expected ? true : undefined), {
    timeoutMs: 60_000,
    intervalMs: 500,
  }).catch(() => {});
  expect(await totals.textContent()).toBe(expected);
}

/** The lines of a history as read: who, then what they did (the time left out). */
const historyLines = (history: Locator) =>
  history
    .locator(".history-entry > p")
    .evaluateAll((lines) =>
      lines.map((line) =>
        (line.textContent ?? "").replace(line.querySelector("time")?.textContent ?? "", "").trim(),
      ),
    );

const heading = (name: string) => page.getByRole("heading", { level: 1, name, exact: true });
const isFocused = (locator: ReturnType<Page["locator"]>) =>
  locator.evaluate((element) => element === document.activeElement);

beforeAll(async () => {
  app = await startConsole();
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: DESKTOP });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: app.url });
  page = await context.newPage();
  page.on("pageerror", (error) => console.error(`page error: ${error.message}`));
  ({ key: apiKey, id: apiKeyId } = await app.stack.createKey("console-tests"));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe("the console", () => {
  test("signing in checks the key with the platform and keeps it in the tab only", async () => {
    await page.goto(`${app.url}/`);
    await heading("Sign in to ToggleMaster").waitFor();
    await expectAccessible("sign-in");
    await screenshot(page, "sign-in", { fullPage: false });

    const keyField = page.getByLabel("API key", { exact: true });
    await keyField.fill(`tm_key_${"0".repeat(64)}`);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("Chave de API inválida ou inativa").waitFor();
    expect(await keyField.getAttribute("aria-invalid")).toBe("true");

    await keyField.fill(apiKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "No flags yet" }).waitFor();
    const kept = await page.evaluate(() => ({
      session: Object.values(sessionStorage),
      local: localStorage.length,
      cookie: document.cookie,
    }));
    expect(kept).toEqual({ session: [apiKey], local: 0, cookie: "" });
    expect(await page.context().cookies()).toEqual([]);
    await expectAccessible("flags-empty");
    await screenshot(page, "flags-empty", { fullPage: false });
  });

  test("creating a flag: the API's message stands by its field, then the flag opens", async () => {
    const name = page.getByLabel("Name", { exact: true });
    await name.fill("bad name");
    await page.getByRole("button", { name: "Create flag" }).click();
    await page.getByText("'name' deve ser um texto de letras").waitFor();
    expect(await name.getAttribute("aria-invalid")).toBe("true");

    await name.fill(FLAG);
    await page.getByLabel("Description").fill("One-page checkout");
    await page.getByRole("button", { name: "Create flag" }).click();
    await heading(FLAG).waitFor();
    expect(new URL(page.url()).hash).toBe(`#/flags/${FLAG}`);
    await page.getByText("No rule: while the flag is on, every user gets true.").waitFor();
  });

  test("a 30 % rollout, with the slider and the number field in step", async () => {
    await page.getByRole("button", { name: "Add a rule" }).click();
    const slider = page.getByRole("slider", { name: "Rollout percentage", exact: true });
    const number = page.getByLabel("Rollout percentage, exact value");

    await number.fill("150");
    expect(await slider.inputValue()).toBe("100");
    await page.getByRole("button", { name: "Save rule" }).click();
    await page.getByText("'rules.value' deve ser um número entre 0 e 100").waitFor();
    expect(await number.getAttribute("aria-invalid")).toBe("true");

    await number.fill("30");
    expect(await slider.inputValue()).toBe("30");
    await slider.focus();
    await page.keyboard.press("ArrowRight");
    expect(await number.inputValue()).toBe("31");
    await page.keyboard.press("ArrowLeft");
    expect(await number.inputValue()).toBe("30");

    await page.getByRole("button", { name: "Save rule" }).click();
    await page.getByText("Rule saved.").waitFor();
    await page.getByText("30 % of users get true").waitFor();
    const stored = await (await api(`/rules/${FLAG}`)).json();
    expect(stored).toMatchObject({ is_enabled: true, rules: { type: "PERCENTAGE", value: 30 } });
  });

  test("turning the flag on and off asks first, and Escape changes nothing", async () => {
    const enabled = async () =>
      ((await (await api(`/flags/${FLAG}`)).json()) as { is_enabled: boolean }).is_enabled;
    const turnOn = page.getByRole("button", { name: `Turn on ${FLAG}` });
    const turnOff = page.getByRole("button", { name: `Turn off ${FLAG}` });
    const dialog = page.getByRole("dialog");

    await turnOn.click();
    await dialog.getByRole("heading", { name: `Turn on ${FLAG}?` }).waitFor();
    await expectAccessible("confirm-dialog");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    expect(await enabled()).toBe(false);
    expect(await isFocused(turnOn)).toBe(true);

    for (const [button, confirm, after] of [
      [turnOn, "Turn on", true],
      [turnOff, "Turn off", false],
      [turnOn, "Turn on", true],
    ] as const) {
      await button.click();
      await dialog.getByRole("button", { name: confirm, exact: true }).click();
      await dialog.waitFor({ state: "detached" });
      await (after ? turnOff : turnOn).waitFor();
      expect(await enabled()).toBe(after);
    }
  });

  test("“what does user X get?” answers as /evaluate does for the same user", async () => {
    const users = Array.from({ length: 100 }, (_, index) => `user-${index}`);
    const inside = users.find((user) => bucketOf(user, FLAG) < 30) ?? "";
    const outside = users.find((user) => bucketOf(user, FLAG) >= 30) ?? "";
    // Evaluation sees the flag turned on within a second; wait for it before comparing.
    await eventually(async () => ((await evaluateOutside(inside)) ? true : undefined), {
      what: "evaluation seeing the flag on",
    });

    const targetingKey = page.getByLabel("User id (targeting key)");
    const value = page.locator('dd[data-term="value"]');
    for (const [user, expected] of [
      [inside, true],
      [outside, false],
    ] as const) {
      await targetingKey.fill(user);
      await page.getByRole("button", { name: "Evaluate" }).click();
      await page.locator(`dd[data-term="value"]:text-is("${expected}")`).waitFor();
      evaluated[expected ? "true" : "false"]++;
      expect(await page.locator('dd[data-term="variant"]').textContent()).toBe(
        expected ? "on" : "off",
      );
      expect(await page.locator('dd[data-term="reason"]').textContent()).not.toBe("");
      expect(await evaluateOutside(user)).toBe(expected);
    }

    await page.getByRole("button", { name: "Add attribute" }).click();
    await page.getByLabel("Name", { exact: true }).last().fill("age");
    await page.getByLabel("Type", { exact: true }).selectOption("number");
    await page.getByLabel("Value", { exact: true }).fill("forty");
    await page.getByRole("button", { name: "Evaluate" }).click();
    await page.getByText('"forty" is not a number').waitFor();
    await page.getByLabel("Value", { exact: true }).fill("40");
    await page.getByRole("button", { name: "Evaluate" }).click();
    await eventually(async () =>
      (await page.getByText('"forty" is not a number').count()) === 0 ? true : undefined,
    );
    await value.waitFor();
    evaluated[(await value.textContent()) === "true" ? "true" : "false"]++;
  });

  test("evaluations made from outside show up in the chart, which refreshes by itself", async () => {
    for (let index = 0; index < 20; index++) await evaluateOutside(`visitor-${index}`);
    const total = evaluated.true + evaluated.false;
    const expected = `${total} evaluations: ${evaluated.true} true, ${evaluated.false} false`;
    await expectTotals(expected);
    expect(await page.locator(".chart rect").count()).toBeGreaterThan(0);
    await expectAccessible("flag");
    await screenshot(page, "flag");
  }, 90_000);

  test("a user list pasted in any shape; the rule paused, then deleted", async () => {
    await page.getByRole("radio", { name: "A list of users" }).check();
    await page.getByLabel("User ids").fill("alice, bob\ncarol\nbob");
    await page.getByText("3 users (1 repeated id left out).").waitFor();
    await page.getByRole("button", { name: "Save rule" }).click();
    await page.getByText("3 listed users get true").waitFor();
    expect(await page.getByLabel("User ids").inputValue()).toBe("alice\nbob\ncarol");
    expect((await (await api(`/rules/${FLAG}`)).json()).rules).toEqual({
      type: "USER_LIST",
      values: ["alice", "bob", "carol"],
    });
    await eventually(async () => ((await evaluateOutside("mallory")) ? undefined : true), {
      what: "evaluation seeing the user list",
    });
    expect(await evaluateOutside("carol")).toBe(true);

    await page.getByRole("button", { name: "Pause rule" }).click();
    await page.getByText("The rule is paused").waitFor();
    expect((await (await api(`/rules/${FLAG}`)).json()).is_enabled).toBe(false);

    await page.getByRole("button", { name: "Delete rule" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete rule" }).click();
    await page.getByText("No rule: while the flag is on, every user gets true.").waitFor();
    expect((await api(`/rules/${FLAG}`)).status).toBe(404);
  });

  test("the flag's history lists every change, with the key that made it and what it changed", async () => {
    const history = page.getByRole("region", { name: "Change history" });
    const by = `console-tests (key #${apiKeyId})`;
    const expected = [
      "deleted the rule",
      "paused the rule",
      "changed the rule",
      "turned the flag on",
      "turned the flag off",
      "turned the flag on",
      "set the rule",
      "created the flag",
    ].map((what) => `${by} ${what}`);
    // The history reads itself again after each change made on the page.
    await eventually(async () => {
      const lines = await historyLines(history);
      return lines.length === expected.length ? lines : undefined;
    }).catch(() => {});
    expect(await historyLines(history)).toEqual(expected);

    const entries = history.locator(".history-entry");
    const diffOf = async (index: number) =>
      (await entries.nth(index).locator(".diff li").allTextContents()).map((line) =>
        line.replace(/\s+/g, " ").trim(),
      );
    expect(await diffOf(4)).toEqual(["is_enabled: was true → now false"]);
    // In the order the platform keeps a record's fields.
    expect(await diffOf(6)).toEqual([
      'rules.type: set to "PERCENTAGE"',
      "rules.value: set to 30",
      'flag_name: set to "new-checkout"',
      "is_enabled: set to true",
    ]);
    expect(await diffOf(2)).toEqual([
      'rules.type: was "PERCENTAGE" → now "USER_LIST"',
      "rules.value: was 30 (removed)",
      'rules.values: set to ["alice","bob","carol"]',
    ]);
    // As many entries as the platform recorded for the flag and its rule.
    const recorded = await Promise.all(
      [`/flags/${FLAG}/history`, `/rules/${FLAG}/history`].map(
        async (path) => ((await (await api(path)).json()) as { entries: unknown[] }).entries.length,
      ),
    );
    expect(recorded.reduce((sum, count) => sum + count)).toBe(expected.length);
    await expectAccessible("flag-history");
    await screenshot(page, "history", { part: history });
  });

  test("API keys: the master key unlocks them; a new key is shown once, copied, revoked", async () => {
    await page.getByRole("link", { name: "API keys" }).click();
    await heading("API keys").waitFor();
    const master = page.getByLabel("Master key", { exact: true });
    await master.fill("not-the-master-key-000");
    await page.getByRole("button", { name: "Unlock" }).click();
    await page.getByText("Acesso não autorizado").waitFor();
    await master.fill(MASTER_KEY);
    await page.getByRole("button", { name: "Unlock" }).click();
    await page.locator(".key-row", { hasText: "console-tests" }).waitFor();
    await expectAccessible("keys");

    await page.getByLabel("Name", { exact: true }).fill("checkout-web");
    await page.getByRole("button", { name: "Create key" }).click();
    const shown = page.getByLabel("The new key");
    const created = await shown.inputValue();
    expect(created).toMatch(/^tm_key_[0-9a-f]{64}$/);
    expect(await isFocused(shown)).toBe(true);
    await page.getByRole("button", { name: "Copy" }).click();
    await page.getByText("Copied.").waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(created);
    const validate = () =>
      fetch(`${app.url}/validate`, { headers: { authorization: `Bearer ${created}` } });
    expect((await validate()).status).toBe(200);
    await expectAccessible("keys-new-key");
    await screenshot(page, "keys", { secrets: ["#new-key-value"] });

    await page.getByRole("button", { name: "I have stored it" }).click();
    expect(await shown.count()).toBe(0);
    await page.getByRole("button", { name: /^Revoke checkout-web/ }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Revoke key" }).click();
    await page.locator(".key-row", { hasText: "checkout-web" }).getByText("Revoked").waitFor();

    const keys = (await (
      await fetch(`${app.url}/admin/keys`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })
    ).json()) as { id: number; name: string }[];
    const id = keys.find((key) => key.name === "checkout-web")?.id;
    const history = page.getByRole("region", { name: "Change history" });
    await history.getByText(`revoked key checkout-web (#${id})`).waitFor();
    expect((await historyLines(history)).slice(0, 2)).toEqual([
      `master key revoked key checkout-web (#${id})`,
      `master key created key checkout-web (#${id})`,
    ]);
    expect(
      (await history.locator(".history-entry").first().locator(".diff li").allTextContents()).map(
        (line) => line.replace(/\s+/g, " ").trim(),
      ),
    ).toEqual(["is_active: was true → now false"]);
    expect(await history.textContent()).not.toContain(created);
    await expectAccessible("keys-history");
    // The platform promises a revoked key stops working within 30 s.
    await eventually(async () => ((await validate()).status === 401 ? true : undefined), {
      timeoutMs: 35_000,
      intervalMs: 1_000,
      what: "the revoked key being refused",
    });
  });

  test("deleting a flag asks for its name", async () => {
    await page.goto(`${app.url}/#/flags/${FLAG}`);
    await heading(FLAG).waitFor();
    await page.getByRole("button", { name: `Delete ${FLAG}` }).click();
    const dialog = page.getByRole("dialog");
    const confirm = dialog.getByRole("button", { name: "Delete flag" });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel(`Type ${FLAG} to confirm`).fill(FLAG.slice(0, -1));
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel(`Type ${FLAG} to confirm`).fill(FLAG);
    await confirm.click();
    await page.getByRole("heading", { name: "No flags yet" }).waitFor();
    expect((await api(`/flags/${FLAG}`)).status).toBe(404);
  });

  test("keyboard only: every stop shows its focus, and a flag is turned on without a mouse", async () => {
    for (const [name, description, is_enabled] of [
      ["checkout-redesign", "The new checkout, page by page", true],
      ["dark-mode", "Dark theme for the dashboard", false],
      ["search-v2", "Search results from the new index", true],
      ["pricing:annual-discount", "", false],
    ] as const)
      expect(
        (
          await api("/flags", {
            method: "POST",
            body: JSON.stringify({ name, description, is_enabled }),
          })
        ).status,
      ).toBe(201);
    await api("/rules", {
      method: "POST",
      body: JSON.stringify({
        flag_name: "checkout-redesign",
        rules: { type: "PERCENTAGE", value: 25 },
      }),
    });
    await page.goto(`${app.url}/#/flags`);
    await page.reload();
    await page.getByRole("link", { name: "dark-mode" }).waitFor();
    await expectAccessible("flags");
    await screenshot(page, "flags", { fullPage: false });

    await page.getByRole("link", { name: "dark-mode" }).click();
    await heading("dark-mode").waitFor();
    // The new page takes focus to its heading (after its first paint) and keeps it there once
    // the flag has loaded; only then does the walk start, so the page's own move cannot land
    // in the middle of it.
    await page.waitForFunction(
      () =>
        document.activeElement?.tagName === "H1" &&
        document.activeElement.textContent === "dark-mode",
    );
    // Tab from the first control of the page (the skip link) to its end, where focus leaves
    // the document.
    await page.getByRole("button", { name: "Skip to content" }).focus();
    const stops: { what: string; visible: boolean }[] = [];
    for (let stop = 0; stop < 60; stop++) {
      if (stop > 0) await page.keyboard.press("Tab");
      const focused = await page.evaluate(() => {
        const element = document.activeElement;
        if (element === null || element === document.body) return undefined;
        const style = getComputedStyle(element);
        return {
          what: `${element.tagName} ${element.getAttribute("aria-label") ?? element.textContent?.slice(0, 30)}`,
          visible: style.outlineStyle !== "none" && Number.parseFloat(style.outlineWidth) >= 2,
        };
      });
      if (focused === undefined) break;
      stops.push(focused);
    }
    expect(stops.length).toBeGreaterThan(12);
    expect(stops[0]?.what).toBe("BUTTON Skip to content");
    expect(stops.filter((stop) => !stop.visible)).toEqual([]);

    await page.getByRole("button", { name: "Turn on dark-mode" }).focus();
    await page.keyboard.press("Enter");
    await page.getByRole("dialog").waitFor();
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await page.getByRole("button", { name: "Turn off dark-mode" }).waitFor();
    expect((await (await api("/flags/dark-mode")).json()).is_enabled).toBe(true);
  });

  test("the list filters by search and state, and keeps the filters in the address", async () => {
    await page.goto(`${app.url}/#/flags`);
    await page.reload();
    const count = page.getByRole("status").filter({ hasText: "flags" });
    await count.getByText("4 flags").waitFor();
    await page.getByRole("searchbox", { name: "Search" }).fill("DASH");
    await count.getByText("1 of 4 flags").waitFor();
    expect(await page.getByRole("link", { name: "dark-mode" }).count()).toBe(1);
    await page.getByRole("searchbox", { name: "Search" }).fill("");
    await page.getByRole("combobox", { name: "State" }).selectOption("disabled");
    await count.getByText("1 of 4 flags").waitFor();
    expect(await page.getByRole("link", { name: "pricing:annual-discount" }).count()).toBe(1);
    expect(new URL(page.url()).hash).toBe("#/flags?state=disabled");
    await page.reload();
    await count.getByText("1 of 4 flags").waitFor();
    await page.getByRole("searchbox", { name: "Search" }).fill("nothing like this");
    await page.getByRole("button", { name: "Clear the filters" }).click();
    await count.getByText("4 flags").waitFor();
  });

  test("a flag of strings with variants of its own: a problem names its variant, then the flag opens", async () => {
    await page.goto(`${app.url}/#/flags`);
    await page.getByRole("button", { name: "New flag" }).click();
    const form = page.getByRole("form", { name: "Create a flag" });
    await form.getByRole("textbox", { name: "Name", exact: true }).first().fill(THEME);
    await form.getByLabel("Description").fill("Colour of the checkout page");
    await form.getByRole("radio", { name: "Variants of its own: text, numbers or JSON" }).check();
    const variants = form.getByRole("group", { name: "Variants" });
    const names = variants.getByLabel("Name", { exact: true });
    const values = variants.getByLabel("Value", { exact: true });
    expect(await form.getByLabel("Type of the values").inputValue()).toBe("string");
    await names.nth(0).fill("classic");
    await values.nth(0).fill("#333");
    await values.nth(1).fill("#06c");
    await form.getByLabel("Turn it on now").check();
    await form.getByRole("button", { name: "Create flag" }).click();
    await form.getByText("Give this variant a name.").waitFor();
    expect(await names.nth(1).getAttribute("aria-invalid")).toBe("true");
    await expectAccessible("create-flag-variants");

    await names.nth(1).fill("ocean");
    await variants.getByRole("button", { name: "Add variant" }).click();
    await names.nth(2).fill("neon");
    await values.nth(2).fill("#0f0");
    await variants.getByRole("button", { name: "Remove variant neon" }).click();
    expect(await names.count()).toBe(2);
    await form.getByLabel("Default variant").selectOption({ label: "classic" });
    await form.getByRole("button", { name: "Create flag" }).click();
    await heading(THEME).waitFor();
    expect(await (await api(`/flags/${THEME}`)).json()).toMatchObject({
      is_enabled: true,
      variants: { classic: "#333", ocean: "#06c" },
      default_variant: "classic",
    });
    await page
      .getByText("No rule: while the flag is on, every user gets the default variant, classic.")
      .waitFor();
    const shown = page.getByRole("form", { name: "Variants" });
    const pairs = await Promise.all(
      [0, 1].map(async (row) =>
        Promise.all(
          ["Name", "Value"].map((label) =>
            shown.getByLabel(label, { exact: true }).nth(row).inputValue(),
          ),
        ),
      ),
    );
    expect(Object.fromEntries(pairs)).toEqual({ classic: "#333", ocean: "#06c" });
    expect(await shown.getByLabel("Default variant").inputValue()).toBe(
      String(pairs.findIndex(([name]) => name === "classic")),
    );
  });

  test("targeting built from conditions serves its variant: Try it says TARGETING_MATCH, as OFREP does outside", async () => {
    const metadata = page.getByRole("form", { name: "Metadata" });
    await metadata.getByRole("button", { name: "Add metadata entry" }).click();
    await metadata.getByLabel("Name", { exact: true }).fill("team");
    await metadata.getByLabel("Value", { exact: true }).fill("web");
    await metadata.getByRole("button", { name: "Save metadata" }).click();
    await metadata.getByText("Metadata saved.").waitFor();

    await page.getByRole("button", { name: "Add a rule" }).click();
    expect(
      await page.getByRole("radio", { name: "Targeting on attributes (JsonLogic)" }).isChecked(),
    ).toBe(true);
    expect(await page.getByRole("radio", { name: "A percentage of users" }).count()).toBe(0);
    const targeting = page.getByLabel("Targeting (JsonLogic)");
    const save = page.getByRole("button", { name: "Save rule" });
    await targeting.fill("{nope");
    await save.click();
    await page.getByText("The targeting is not valid JSON").waitFor();
    await targeting.fill("[1]");
    await save.click();
    await page.getByText("'rules.targeting' deve ser um objeto JsonLogic").waitFor();
    expect(await targeting.getAttribute("aria-invalid")).toBe("true");

    const builder = page.locator("details.builder");
    await builder.getByText("Build the targeting from common cases").focus();
    await page.keyboard.press("Enter");
    expect(await builder.getAttribute("open")).not.toBeNull();
    const conditions = builder.getByRole("group", { name: "Conditions" });
    await conditions.getByLabel("Attribute").fill("country");
    await conditions.getByLabel("Test").selectOption("one_of");
    await conditions.getByLabel("Values, comma-separated").fill("BR, PT");
    await conditions.getByRole("button", { name: "Add condition" }).click();
    await conditions.getByLabel("Attribute").nth(1).fill("app_version");
    await conditions.getByLabel("Test").nth(1).selectOption("sem_ver");
    await conditions.getByLabel("Comparison").selectOption(">=");
    await conditions.getByLabel("Value", { exact: true }).fill("2.0.0");
    await builder.getByLabel("Users who match get").selectOption("ocean");
    await builder.getByRole("button", { name: "Write into the targeting" }).click();
    await builder.getByText("Written below as JsonLogic").waitFor();
    const built = {
      if: [
        {
          and: [
            { in: [{ var: "country" }, ["BR", "PT"]] },
            { sem_ver: [{ var: "app_version" }, ">=", "2.0.0"] },
          ],
        },
        "ocean",
        null,
      ],
    };
    expect(JSON.parse(await targeting.inputValue())).toEqual(built);
    await expectAccessible("flag-v2-builder");
    await save.click();
    await page.getByText("Rule saved.").waitFor();
    expect((await (await api(`/rules/${THEME}`)).json()).rules).toEqual({
      type: "JSONLOGIC",
      targeting: built,
    });

    const brazil = { targetingKey: "user-1", country: "BR", app_version: "2.3.0" };
    await eventually(
      async () => ((await ofrep(THEME, brazil)).reason === "TARGETING_MATCH" ? true : undefined),
      { what: "evaluation seeing the targeting" },
    );
    await page.getByLabel("User id (targeting key)").fill("user-1");
    const attributes = page.getByRole("group", { name: "Attributes (optional)" });
    for (const [index, [name, value]] of [
      ["country", "BR"],
      ["app_version", "2.3.0"],
    ].entries()) {
      await attributes.getByRole("button", { name: "Add attribute" }).click();
      await attributes
        .getByLabel("Name", { exact: true })
        .nth(index)
        .fill(name ?? "");
      await attributes
        .getByLabel("Value", { exact: true })
        .nth(index)
        .fill(value ?? "");
    }
    const term = (name: string) => page.locator(`dd[data-term="${name}"]`);
    for (const [country, expected] of [
      ["BR", { value: "#06c", variant: "ocean", reason: "TARGETING_MATCH" }],
      ["US", { value: "#333", variant: "classic", reason: "DEFAULT" }],
    ] as const) {
      await attributes.getByLabel("Value", { exact: true }).first().fill(country);
      await page.getByRole("button", { name: "Evaluate" }).click();
      await page.locator(`dd[data-term="reason"]:text-is("${expected.reason}")`).waitFor();
      tally(expected);
      expect({
        value: await term("value").textContent(),
        type: await term("type").textContent(),
        variant: await term("variant").textContent(),
        metadata: await term("metadata").textContent(),
      }).toEqual({
        value: expected.value,
        type: "string",
        variant: expected.variant,
        metadata: '{"team":"web"}',
      });
      expect(await ofrep(THEME, { ...brazil, country })).toEqual({
        key: THEME,
        ...expected,
        metadata: { team: "web" },
      });
    }
  });

  test("the chart of a flag of strings counts its evaluations by variant", async () => {
    for (const [index, country] of ["BR", "PT", "US", "BR", "FR"].entries())
      await ofrep(THEME, { targetingKey: `visitor-${index}`, country, app_version: "2.1.0" });
    const counts = [...themeServed].sort(
      ([a, first], [b, second]) => second - first || a.localeCompare(b),
    );
    const total = counts.reduce((sum, [, count]) => sum + count, 0);
    const expected = `${total} evaluations: ${counts.map(([name, count]) => `${count} ${name}`).join(", ")}`;
    expect(counts.map(([name]) => name).sort()).toEqual(["classic", "ocean"]);
    await expectTotals(expected);
    expect(await page.locator(".legend").textContent()).toContain("ocean");
    await page.getByRole("heading", { name: "Change history" }).scrollIntoViewIfNeeded();
    await expectAccessible("flag-v2");
    await screenshot(page, "flag-v2");
  }, 90_000);

  test("segments: created, changed and deleted, each change in its history; a rule using a deleted one answers PARSE_ERROR", async () => {
    await page.getByRole("link", { name: "Segments" }).click();
    await heading("Segments").waitFor();
    await page.getByText("No segment yet.").waitFor();
    await page.getByRole("button", { name: "New segment" }).click();
    const form = page.getByRole("form", { name: "Create a segment" });
    const definition = form.getByLabel("Definition (JsonLogic)");
    await form.getByLabel("Name", { exact: true }).fill("lusophone");
    await definition.fill("{oops");
    await form.getByRole("button", { name: "Create segment" }).click();
    await form.getByText("The definition is not valid JSON").waitFor();
    await definition.fill("[1]");
    await form.getByRole("button", { name: "Create segment" }).click();
    await form.getByText("'definition' deve ser um objeto JsonLogic").waitFor();
    expect(await definition.getAttribute("aria-invalid")).toBe("true");
    await expectAccessible("segments");
    await definition.fill('{"==": [{"var": "country"}, "BR"]}');
    await form.getByRole("button", { name: "Create segment" }).click();
    await heading("lusophone").waitFor();

    const edit = page.getByRole("form", { name: "Edit lusophone" });
    await edit.getByLabel("Description").fill("Portuguese-speaking countries");
    await edit
      .getByLabel("Definition (JsonLogic)")
      .fill('{"in": [{"var": "country"}, ["BR", "PT"]]}');
    await edit.getByRole("button", { name: "Save segment" }).click();
    await edit.getByText("Segment saved.").waitFor();
    expect(await (await api("/segments/lusophone")).json()).toMatchObject({
      description: "Portuguese-speaking countries",
      definition: { in: [{ var: "country" }, ["BR", "PT"]] },
    });
    const history = page.getByRole("region", { name: "Change history" });
    const by = `console-tests (key #${apiKeyId})`;
    await history.getByText("changed the segment").waitFor();
    expect(await historyLines(history)).toEqual([
      `${by} changed the segment`,
      `${by} created the segment`,
    ]);
    expect(
      (await history.locator(".history-entry").first().locator(".diff li").allTextContents()).map(
        (line) => line.replace(/\s+/g, " ").trim(),
      ),
    ).toEqual([
      'definition: was {"==":[{"var":"country"},"BR"]} → now {"in":[{"var":"country"},["BR","PT"]]}',
      'description: was "" → now "Portuguese-speaking countries"',
    ]);
    await expectAccessible("segment");
    await screenshot(page, "segment");

    expect(
      (
        await api(`/rules/${THEME}`, {
          method: "PUT",
          body: JSON.stringify({
            rules: { type: "JSONLOGIC", targeting: { if: [{ $ref: "lusophone" }, "ocean", null] } },
          }),
        })
      ).status,
    ).toBe(200);
    await page.getByRole("button", { name: "Delete lusophone" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("heading", { name: "Delete the segment lusophone?" }).waitFor();
    await dialog.getByRole("button", { name: "Delete segment" }).click();
    await page.getByText("No segment yet.").waitFor();
    expect((await api("/segments/lusophone")).status).toBe(404);

    await eventually(
      async () =>
        (await ofrep(THEME, { targetingKey: "user-1", country: "PT" })).errorCode === "PARSE_ERROR"
          ? true
          : undefined,
      { what: "evaluation seeing the segment gone" },
    );
    await page.goto(`${app.url}/#/flags/${THEME}`);
    await page.getByLabel("User id (targeting key)").fill("user-1");
    await page.getByRole("button", { name: "Evaluate" }).click();
    await page.locator('dd[data-term="error-code"]:text-is("PARSE_ERROR")').waitFor();
    tally({ errorCode: "PARSE_ERROR" });
    expect(await page.locator('dd[data-term="error-details"]').textContent()).not.toBe("");
    expect(await page.locator('dd[data-term="value"]').count()).toBe(0);
  });

  test("a long history pages back to the flag's first change", async () => {
    const name = "long-history";
    const send = async (path: string, method: string, body: object) =>
      expect((await api(path, { method, body: JSON.stringify(body) })).ok).toBe(true);
    await send("/flags", "POST", { name });
    await send("/rules", "POST", { flag_name: name, rules: { type: "PERCENTAGE", value: 10 } });
    for (let step = 1; step <= 24; step++)
      await send(`/flags/${name}`, "PUT", { description: `step ${step}` });

    await page.goto(`${app.url}/#/flags/${name}`);
    const history = page.getByRole("region", { name: "Change history" });
    const older = history.getByRole("button", { name: "Show older changes" });
    await older.waitFor();
    const by = `console-tests (key #${apiKeyId})`;
    // The flag's first page holds its 20 latest changes; the rule was set before them.
    const first = await historyLines(history);
    expect(first).toEqual(Array.from({ length: 20 }, () => `${by} changed the flag`));
    await older.click();
    await history.locator(".history-entry", { hasText: "created the flag" }).waitFor();
    // The whole history is shown: nothing older is left to ask for.
    expect(await history.getByRole("button").count()).toBe(0);
    const all = await historyLines(history);
    expect(all.slice(0, 20)).toEqual(first);
    expect(all.slice(20)).toEqual([
      ...Array.from({ length: 4 }, () => `${by} changed the flag`),
      `${by} set the rule`,
      `${by} created the flag`,
    ]);
  });

  test("flagd: a document's problem is named and changes nothing; a file imported; the whole configuration downloaded", async () => {
    await page.getByRole("link", { name: "Import/export" }).click();
    await heading("Import and export").waitFor();
    const form = page.locator("form").filter({ has: page.getByLabel("flagd document") });
    const file = form.getByLabel("flagd document");
    const choose = (name: string, text: string) =>
      file.setInputFiles({ name, mimeType: "application/json", buffer: Buffer.from(text) });
    const importButton = form.getByRole("button", { name: "Import" });

    await importButton.click();
    await form.getByText("Choose a flagd document first.").waitFor();
    await choose("notes.json", "{flags");
    await importButton.click();
    await form.getByText("notes.json is not JSON").waitFor();
    expect(await file.getAttribute("aria-invalid")).toBe("true");
    const broken = { flags: { "imported-banner": { state: "ON", variants: { on: true } } } };
    await choose("broken.json", JSON.stringify(broken));
    await importButton.click();
    const problem = await form.getByRole("alert").textContent();
    expect(problem).toContain("Flag 'imported-banner'");
    expect(problem).toContain("(/flags/imported-banner/state)");
    expect((await api("/flags/imported-banner")).status).toBe(404);
    await expectAccessible("flagd");

    const document = {
      flags: {
        "imported-banner": {
          state: "ENABLED",
          variants: { on: true, off: false },
          defaultVariant: "off",
          targeting: { if: [{ $ref: "imported-staff" }, "on", "off"] },
        },
        "imported-greeting": {
          state: "ENABLED",
          variants: { formal: "Good day", casual: "Hi" },
          defaultVariant: "casual",
        },
      },
      $evaluators: { "imported-staff": { ends_with: [{ var: "email" }, "@example.com"] } },
    };
    await choose("flags.json", JSON.stringify(document));
    await importButton.click();
    const result = page.getByRole("status").filter({ hasText: "Imported" });
    await result.getByText("Flags: 2 created. Segments: 1 created.").waitFor();
    const links = result.getByRole("link");
    expect(await links.allTextContents()).toEqual(["imported-banner", "imported-greeting"]);
    expect(await links.last().getAttribute("href")).toBe("#/flags/imported-greeting");
    expect(
      await ofrep("imported-banner", { targetingKey: "u", email: "a@example.com" }),
    ).toMatchObject({ value: true, variant: "on" });
    await importButton.click();
    await result.getByText("Flags: 2 unchanged. Segments: 1 unchanged.").waitFor();

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download flags.json" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe("flags.json");
    const downloaded = JSON.parse(await Bun.file(await download.path()).text());
    expect(downloaded).toEqual(await (await api("/flagd/export")).json());
    expect(downloaded.flags["imported-greeting"]).toEqual(document.flags["imported-greeting"]);
  });

  test("360 px wide: no page scrolls sideways", async () => {
    await page.setViewportSize({ width: 360, height: 740 });
    try {
      for (const [hash, ready] of [
        ["#/flags", "Flags"],
        ["#/flags/checkout-redesign", "checkout-redesign"],
        [`#/flags/${THEME}`, THEME],
        ["#/segments", "Segments"],
        ["#/flagd", "Import and export"],
        ["#/keys", "API keys"],
      ] as const) {
        await page.goto(`${app.url}/${hash}`);
        await heading(ready).waitFor();
        await page.locator(".loading").first().waitFor({ state: "detached" });
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        expect({ hash, width }).toEqual({ hash, width: 360 });
      }
      await page.goto(`${app.url}/#/flags/checkout-redesign`);
      await page.getByText("25 % of users get true").waitFor();
      await page.getByLabel("User id (targeting key)").fill("user-123");
      await page.getByRole("button", { name: "Evaluate" }).click();
      await page.locator('dd[data-term="value"]').waitFor();
      await screenshot(page, "flag-360");
    } finally {
      await page.setViewportSize(DESKTOP);
    }
  });

  test("a service that is down is a message on the page, not a blank screen", async () => {
    await app.stack.stopService("analytics");
    await page.goto(`${app.url}/#/flags/checkout-redesign`);
    await heading("checkout-redesign").waitFor();
    await page.getByRole("alert").getByText("Serviço analytics indisponível").waitFor();
    await page.getByText("25 % of users get true").waitFor();
  });

  test("signing out forgets the keys", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await heading("Sign in to ToggleMaster").waitFor();
    await page.getByText("Signed out").waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.reload();
    await heading("Sign in to ToggleMaster").waitFor();
  });
});
