// The HTML report from real runs (a loopback model server and the enumerator), opened in headless
// Chromium: no request leaves the page, no console error, every grid point is there, the charts drew.
// Screenshots are kept in test-output/ (light and dark).
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { describe, expect, it } from "vitest";
import { readAttemptsJsonl } from "../../src/artifacts/attempts-jsonl.js";
import { ExitCode } from "../../src/core/errors.js";
import { loopbackEnv, smallGrid, useResponsesServer } from "../helpers/loopback-cli.js";
import { answer, oracleProgram, PROGRAMS } from "../helpers/programs.js";
import { runCli, tempDir } from "../helpers/spawn-cli.js";

const BROWSERS = ["/usr/bin/chromium-headless-shell", "/usr/bin/chromium"];
const browserPath = BROWSERS.find((p) => existsSync(p));
const OUT = join(process.cwd(), "test-output");
const startServer = useResponsesServer();

describe("llm-erm report --html in a browser", () => {
  it.runIf(browserPath !== undefined || process.env.CI !== undefined)(
    "renders two real runs side by side, offline, with every grid point and drawn charts",
    async () => {
      expect(browserPath, "CI installs chromium-headless-shell (.ci/run)").toBeDefined();
      const cwd = tempDir();
      // A model that is wrong on its first call of every grid point, then right (a syntax error now and then).
      const server = await startServer({
        script: ({ index, prompt }) => ({
          kind: "completed",
          text:
            index % 5 === 4
              ? answer(PROGRAMS.syntaxError)
              : index % 2 === 0
                ? answer(PROGRAMS.constantZero)
                : answer(oracleProgram(prompt) ?? PROGRAMS.firstBit),
        }),
      });
      const model = await runCli(smallGrid(3), cwd, loopbackEnv(server.url));
      expect(model.code, model.stderr).toBe(ExitCode.ok);
      const enumArgs = [...smallGrid(2), "--out-jsonl", "enum.jsonl", "--out-csv", "enum.csv"];
      const enumerated = await runCli(enumArgs, cwd, {});
      expect(enumerated.code, enumerated.stderr).toBe(ExitCode.ok);
      const rep = await runCli(
        ["report", "results_attempts.jsonl", "enum.jsonl", "--html", "report.html", "--md", "report.md"],
        cwd,
        {},
      );
      expect(rep.code, rep.stderr).toBe(ExitCode.ok);
      const records = [
        ...readAttemptsJsonl(join(cwd, "results_attempts.jsonl")).records,
        ...readAttemptsJsonl(join(cwd, "enum.jsonl")).records,
      ];
      const points = new Set(records.map((r) => `${r.config_fingerprint}|${r.fn}|${r.length}`));
      expect(points.size).toBe(8);
      expect(readFileSync(join(cwd, "report.md"), "utf8")).toMatch(/\| fn_b \| 25 \| /);

      const browser = await chromium.launch({
        executablePath: browserPath!,
        args: [
          "--no-sandbox",
          "--disable-gpu",
          "--disable-background-networking",
          "--disable-component-update",
          "--no-first-run",
          "--disable-sync",
        ],
      });
      try {
        mkdirSync(OUT, { recursive: true });
        for (const colorScheme of ["light", "dark"] as const) {
          const page = await browser.newPage({ viewport: { width: 1100, height: 1200 }, colorScheme });
          const requests: string[] = [];
          const errors: string[] = [];
          page.on("request", (r) => requests.push(r.url()));
          page.on("console", (m) => {
            if (m.type() === "error") errors.push(m.text());
          });
          page.on("pageerror", (e) => errors.push(e.message));
          const url = pathToFileURL(join(cwd, "report.html")).href;
          await page.goto(url);
          expect(requests).toEqual([url]);
          expect(errors).toEqual([]);
          expect(await page.locator("details.point").count()).toBe(points.size);
          expect(await page.locator("figure.chart").count()).toBe(2);
          // fn_a and fn_b, two runs each: four lines, each with a real size on the page.
          const lines = page.locator("polyline.series");
          expect(await lines.count()).toBe(4);
          for (let i = 0; i < 4; i++) expect((await lines.nth(i).boundingBox())?.width).toBeGreaterThan(10);
          expect(await page.locator("text=Side by side (test accuracy)").count()).toBe(1);
          await page.locator("details.point summary").first().click();
          await page.screenshot({ path: join(OUT, `report-${colorScheme}.png`), fullPage: true });
          await page.close();
        }
      } finally {
        await browser.close();
      }
    },
    120_000,
  );
});
