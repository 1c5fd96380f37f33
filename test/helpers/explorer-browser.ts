import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";

/**
 * The explorer in a real browser: Debian's Chromium (`apt-get install chromium`, which .ci/run
 * does), driven by playwright-core. Pages are opened on a node's /explorer/ and saved as screenshots
 * under test-results/explorer/ for a reader to look at.
 */

// The callbacks passed to page.evaluate / waitForFunction run in the page, where these exist (the
// project compiles without the DOM's types).
declare const document: {
  getElementById(id: string): { getAttribute(name: string): string | null } | null;
  querySelector(selector: string): { getAttribute(name: string): string | null } | null;
};
declare const location: { hash: string };

export const CHROMIUM = "/usr/bin/chromium";
export const SCREENSHOT_DIR = join(import.meta.dirname, "..", "..", "test-results", "explorer");
const WAIT_MS = 20_000;

/** Why the browser test cannot run here, or undefined when it can. */
export function browserMissing(): string | undefined {
  return existsSync(CHROMIUM)
    ? undefined
    : `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium), as .ci/run does`;
}

export class ExplorerBrowser {
  readonly errors: string[] = [];

  private constructor(
    private readonly browser: Browser,
    readonly page: Page,
    private readonly base: string,
  ) {
    page.on("pageerror", (e) => this.errors.push(`page error: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error") this.errors.push(`console: ${m.text()}`);
    });
  }

  static async open(nodeUrl: string): Promise<ExplorerBrowser> {
    // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-dev-shm-usage"],
      timeout: WAIT_MS,
    });
    const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    page.setDefaultTimeout(WAIT_MS);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    return new ExplorerBrowser(browser, page, `${nodeUrl}/explorer/`);
  }

  /** Opens `#/route` and waits until its page has rendered. */
  async goto(route: string): Promise<void> {
    if (this.page.url().startsWith(this.base)) {
      await this.page.evaluate((r) => {
        location.hash = r;
      }, `#/${route}`);
    } else {
      await this.page.goto(`${this.base}#/${route}`);
    }
    await this.rendered();
  }

  /** Waits for the router to finish the current page (main's aria-busy goes false). */
  async rendered(): Promise<void> {
    await this.page.waitForFunction(
      () => document.getElementById("main")?.getAttribute("aria-busy") === "false",
      null,
      { timeout: WAIT_MS },
    );
    const error = await this.page.$(".error");
    if (error) throw new Error(`the explorer shows an error: ${await error.textContent()}`);
  }

  /** Waits until the address bar shows `#/route` (after a click or a search) and its page rendered. */
  async waitForRoute(route: string): Promise<void> {
    await this.page.waitForFunction((r) => location.hash === r, `#/${route}`);
    await this.rendered();
  }

  /** Waits until the first row of the home page's block table is above `height`; returns it. */
  async waitForTopBlockAbove(height: number): Promise<number> {
    await this.page.waitForFunction(
      (h) => Number(document.querySelector("table.blocks tbody tr")?.getAttribute("data-height")) > h,
      height,
    );
    return Number(await this.page.getAttribute("table.blocks tbody tr", "data-height"));
  }

  async text(selector: string): Promise<string> {
    return ((await this.page.textContent(selector)) ?? "").trim();
  }

  async screenshot(name: string): Promise<string> {
    const path = join(SCREENSHOT_DIR, `${name}.png`);
    await this.page.screenshot({ path, fullPage: true });
    return path;
  }

  async close(): Promise<void> {
    await this.browser.close();
  }
}
