// A real browser for the tests of what a person sees: Debian's Chromium, headless, driven
// by playwright-core (no downloaded browser), with a fresh profile each launch. Pages
// collect their console errors and uncaught exceptions; screenshots go to test-artifacts/
// (gitignored); `drawnPixels` counts what an element actually painted, from a screenshot.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Locator, type Page } from "playwright-core";
import { ROOT } from "./jupyter-kernel-process.ts";
import { decodePng, drawnPixelCount } from "./png.ts";

export const CHROMIUM = process.env.TRACEBOOK_CHROMIUM ?? "/usr/bin/chromium";
export const ARTIFACTS = join(ROOT, "test-artifacts");

const ARGS = [
  "--headless=new",
  "--no-sandbox", // root in a container: Chromium's sandbox needs user namespaces
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Why no browser can be launched here, or null when one can. */
export function browserUnavailableReason(): string | null {
  return existsSync(CHROMIUM) ? null : `requires ${CHROMIUM} (Debian package chromium)`;
}

export interface Browser {
  readonly context: BrowserContext;
  /** A new page whose console errors and page errors are collected in `errors`. */
  newPage(): Promise<WatchedPage>;
  close(): Promise<void>;
}

export interface WatchedPage {
  readonly page: Page;
  /** Console messages of type error, and uncaught exceptions, in order. */
  readonly errors: string[];
}

/** Launches Chromium with a fresh user data dir, removed again on close. */
export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "tb-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 900 },
    deviceScaleFactor: 1,
  });
  return {
    context,
    async newPage() {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(`console: ${m.text()}${m.location().url ? ` (${m.location().url})` : ""}`);
      });
      page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
      return { page, errors };
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A full-page screenshot at test-artifacts/<name>.png; its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * How many pixels of `element`'s box are drawn (not near-white, not transparent), from a
 * screenshot of it: what the person sees there, whatever drew it (img, svg, canvas, CSS).
 * 0 for an element with no box (hidden, or zero-sized).
 */
export async function drawnPixels(element: Locator): Promise<number> {
  const box = await element.boundingBox();
  if (!box || box.width < 1 || box.height < 1) return 0;
  return drawnPixelCount(decodePng(await element.screenshot({ animations: "disabled", omitBackground: false })));
}
