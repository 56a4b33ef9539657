// The chat page of `mj serve` in headless Chromium (Debian's, driven by playwright-core):
// type a message, see the streamed answer arrive with its tokens/s, take a screenshot.
//   node tests/serve/page/test_page.mjs http://127.0.0.1:PORT SCREENSHOT.png
import { chromium } from "playwright-core";

const [url, shot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
let failed = false;
const check = (cond, what) => {
  console.log((cond ? "ok   " : "FAIL ") + what);
  if (!cond) failed = true;
};
try {
  const page = await browser.newPage();
  await page.goto(url + "/");
  await page.waitForFunction(() => document.getElementById("model").textContent.length > 0);
  check((await page.title()) === "mj chat", "the page loads and names the model");
  await page.fill("#temperature", "0");
  await page.fill("#max_tokens", "40");
  await page.fill("#input", "What is the capital of France?");
  await page.click("#send");
  // Text arrives while the answer streams, then the stats line.
  await page.waitForFunction(() => {
    const a = document.querySelector(".assistant");
    return a && a.firstChild && a.firstChild.textContent.length > 0;
  }, null, { timeout: 60000 });
  await page.waitForSelector(".assistant[data-state=done]", { timeout: 60000 });
  const answer = await page.textContent(".assistant");
  check(/Paris/.test(answer), `the streamed answer arrives: ${JSON.stringify(answer)}`);
  check(/tokens\/s/.test(await page.textContent(".assistant .stats")), "tokens/s is shown");
  await page.screenshot({ path: shot, fullPage: true });
  check(true, `screenshot in ${shot}`);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
