// Lazy bodies on both runtimes: fixtures/apps/lazy-bodies traces a plain branch that
// calls one function of lazydemo; its check branch then calls every other one for the
// first time from the bundle, where each is a stub, and must print what the same bundle
// without stubs prints. Also: prefetching, the validation that runs without bodies, and
// a bundle whose transforms make it run code the trace did not.
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadBundleByHand, packCli, runMainByHand } from "../../fixtures/e2e-helpers.ts";
import { APPS } from "../../fixtures/paths.ts";
import { tempDir } from "../../fixtures/temp.ts";
import { buildPureWheel } from "../../fixtures/wheels.mjs";
import { ChromiumHost } from "../../runtime/host/chromium-host.ts";
import { NodeHost } from "../../runtime/host/node-host.ts";
import type { AppRun } from "../../runtime/host/host.ts";

const app = (name: string) => join(APPS, "lazy-bodies", name);

/** Every function of lazydemo the check calls, except used() (traced) and agen (an async generator). */
const STUBS = "Child.double, Child.hello, Child.make, boom, coro, counter, decorated, decorated.__wrapped__, defaults, fact, gen, gen_throw, kwonly, make_adder, make_nested, plain, posonly, star";

/** The check branch's output, which differs between the two bundles only in its first line. */
function split(run: AppRun) {
  expect(run.outcome).toEqual({ ok: true, exitCode: 0 });
  const [first, ...rest] = run.stdout.split("\n");
  return { stubs: first, rest: rest.join("\n") };
}

describe.each([
  ["0.29.3", "chromium"],
  ["314", "node"],
] as const)("lazy bodies on Pyodide %s (%s)", (pyodide, runner) => {
  const host = runner === "chromium" ? new ChromiumHost() : new NodeHost();
  afterAll(() => host.close());
  const run = async (out: string) => {
    if (host instanceof ChromiumHost) return host.runBundle(out, 120_000, { search: "?check" });
    process.env.LAZY_BODIES_BRANCH = "check";
    try {
      return await host.runBundle(out, 120_000);
    } finally {
      delete process.env.LAZY_BODIES_BRANCH;
    }
  };
  let lazy: Awaited<ReturnType<typeof packCli>>;
  let whole: Awaited<ReturnType<typeof packCli>>;

  beforeAll(async () => {
    const common = [app("app.py"), "--pyodide", pyodide, "--runner", runner, "--pyc-app"];
    [lazy, whole] = await Promise.all([packCli([...common, "--lazy-bodies"]), packCli([...common, "--no-lazy-bodies"])]);
  });

  it("ships stubs and their bodies per input, validated without the bodies", () => {
    expect(lazy.errors).toEqual([]);
    expect(lazy.code).toBe(0);
    expect(readdirSync(join(lazy.out, "bodies")).filter((f) => f.endsWith(".zip")).sort()).toEqual(["app.zip", "stdlib.zip"]);
    const report = lazy.report();
    expect(report.validation).toMatchObject({ ok: true, stdout: "TRACED RUN\n" });
    expect(report.total.deferred!.functions).toBeGreaterThan(1000);
    expect(report.stdlib.deferred!.brotli).toBeGreaterThan(100_000);
    // "out" is what a page needs before its first result: smaller than without stubs.
    expect(report.stdlib.brotli.out).toBeLessThan(whole.report().stdlib.brotli.out * 0.8);
    expect(lazy.stdout).toMatch(/^lazy bodies: [\d,]+ functions that did not run ship as stubs; their code, [\d,.]+ kB brotli \(stdlib [\d,.]+\), loads on first call/m);
  });

  it("gives what the unshaken module gives, called for the first time from the bundle", async () => {
    const [a, b] = [split(await run(lazy.out)), split(await run(whole.out))];
    expect(a.stubs).toBe(`stubs before: ${STUBS}`);
    expect(b.stubs).toBe("stubs before: ");
    expect(a.rest).toBe(b.rest);
    // What the check prints, exactly: a stub that behaved differently would show here.
    expect(a.rest).toContain("signatures: [('plain', '(a, b=2)', False, False, False), ('defaults', '(a, b=[1], *, c=3)', False, False, False), ('posonly', '(a, b, /, c=5)', False, False, False), ('kwonly', '(*, x, y=2)', False, False, False), ('star', '(*args, **kwargs)', False, False, False), ('gen', '(n)', True, False, False), ('coro', '(x)', False, True, False), ('agen', '(n)', False, False, True), ('decorated', '(x)', False, False, False)]\n");
    expect(a.rest).toContain("super: child+base base\n");
    expect(a.rest).toContain("nonlocal: 11 1\n");
    expect(a.rest).toContain("send: 0 1 2 returned ['a', 'b', 'c']\nthrow: first caught x\ngen_throw closed\nawait: 6\nasync for: [0, 1, 2]\n");
    expect(a.rest).toMatch(/traceback: lazydemo\.py 176 boom/);
    // After the first body was read, every stub of that input runs its real code.
    expect(a.rest).toContain("stubs after: \n");
  });
});

describe("lazy bodies in Node, by hand", () => {
  const host = new NodeHost();
  afterAll(() => host.close());

  it("prefetched, the bodies are read once: later first calls fetch nothing", async () => {
    const r = await packCli([app("app.py"), "--runner", "node", "--pyc-app", "--lazy-bodies"]);
    expect(r.code).toBe(0);
    const { pyodide, manifest, bodies, prefetchBodies } = await loadBundleByHand(r.out);
    await prefetchBodies();
    expect(bodies.loaded.sort()).toEqual(["app", "stdlib"]);
    // Gone from the deploy folder: a call that needed a fetch now would fail.
    rmSync(join(r.out, "bodies"), { recursive: true });
    const { outcome, stdout } = await runMainByHand(pyodide, manifest.main, { LAZY_BODIES_BRANCH: "check" });
    expect(outcome).toEqual({ ok: true, exitCode: 0 });
    // lazydemo is imported after the prefetch: its functions start as stubs, and the
    // first call's walk gives them all their code.
    expect(stdout.split("\n")[0]).toBe(`stubs before: ${STUBS}`);
    expect(stdout).toContain("recursion: 3628800\n");
    expect(stdout).toContain("stubs after: \n");
    expect(bodies.loaded.sort()).toEqual(["app", "stdlib"]);
    // Each of lazydemo's stubs got its real code (and stdlib functions the walks found too).
    expect(bodies.functions).toBeGreaterThanOrEqual(STUBS.split(", ").length);
  });

  it("a bundle that needs a body the trace did not fails the pack, naming the function", async () => {
    const r = await packCli([app("diverges.py"), "--runner", "node", "--pyc-app", "--lazy-bodies"]);
    expect(r.code).toBe(1);
    expect(r.errors).toEqual([
      "pack: the bundle does not reproduce the traced run: RuntimeError: pyodide-packer: fact (/home/pyodide/lazydemo.py:115) did not run when pack traced the app, and this run loads no deferred bodies; re-pack with a --scenario that calls it, or --keep-bodies for its module; nothing was written (use --no-validate to keep it anyway)",
    ]);
    expect(readdirSync(r.parent)).toEqual([]);
  });

  it("code the bundle runs and the trace did not (a docstring stripped) ships whole, and the pack says so", async () => {
    const wheels = tempDir("shapes");
    buildPureWheel("shapes", "1.0", wheels);
    const r = await packCli([app("docstrings.py"), "--runner", "node", "--lazy-bodies", "--requires", "shapes", "--find-links", wheels]);
    expect(r.errors).toEqual([]);
    const report = r.report();
    expect(report.validation).toMatchObject({ ok: true, stdout: "Point(x=1, y=2)\n" });
    expect(report.transforms.bundleOnly).toContainEqual(["/lib/python313.zip/inspect.py", "_signature_is_functionlike", 2135]);
    expect(r.stdout).toMatch(/^lazy bodies: \d+ functions ran in the bundle but not in the trace \(a transform changed their path\); shipped whole$/m);
  });
});
