import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { formatCif } from "../../client/amounts.ts";
import { toAddress } from "../../chain/crypto/address.ts";
import { EXPLORER_FILES, explorerRoutes } from "../../chain/explorer/routes.ts";
import type { RpcBackend } from "../../chain/rpc/backend.ts";
import { type RpcServer, startRpcServer } from "../../chain/rpc/server.ts";
// The explorer's browser modules are plain ES modules; the DOM-free ones run in Node as they are.
// @ts-expect-error: a JavaScript module without types
import * as charts from "../../chain/explorer/static/charts.js";
// @ts-expect-error: a JavaScript module without types
import * as fmt from "../../chain/explorer/static/format.js";

describe("explorer routes", () => {
  let server: RpcServer;
  before(async () => {
    // The routes serve files only: no JSON-RPC method is called.
    server = await startRpcServer({} as RpcBackend, {
      port: 0,
      websocket: false,
      routes: [explorerRoutes()],
    });
  });
  after(() => server.close());

  test("every listed file is served with its type and a content security policy", async () => {
    for (const name of EXPLORER_FILES) {
      const res = await fetch(`${server.address}/explorer/${name}`);
      assert.equal(res.status, 200, name);
      const type = res.headers.get("content-type") ?? "";
      const ext = name.split(".").pop();
      assert.match(
        type,
        { html: /^text\/html/, js: /^text\/javascript/, css: /^text\/css/, svg: /^image\/svg/ }[ext!]!,
      );
      assert.match(res.headers.get("content-security-policy") ?? "", /script-src 'self'/);
      assert.equal(res.headers.get("x-content-type-options"), "nosniff");
      assert.ok((await res.arrayBuffer()).byteLength > 0);
    }
  });

  test("/explorer redirects to /explorer/, which is index.html", async () => {
    const r = await fetch(`${server.address}/explorer`, { redirect: "manual" });
    assert.equal(r.status, 301);
    assert.equal(r.headers.get("location"), "/explorer/");
    const index = await fetch(`${server.address}/explorer/`);
    assert.equal(index.status, 200);
    assert.match(await index.text(), /<script type="module" src="\/explorer\/app.js">/);
  });

  test("an unchanged file answers 304 to its ETag", async () => {
    const first = await fetch(`${server.address}/explorer/app.js`);
    const etag = first.headers.get("etag");
    assert.ok(etag);
    const again = await fetch(`${server.address}/explorer/app.js`, { headers: { "if-none-match": etag } });
    assert.equal(again.status, 304);
  });

  test("nothing outside the list is served: unknown names and paths that climb out are 404", async () => {
    for (const path of [
      "nope.js",
      "..%2Fpackage.json",
      "%2E%2E%2F%2E%2E%2Fpackage.json",
      "routes.ts",
      "static%2Fapp.js",
    ]) {
      const res = await fetch(`${server.address}/explorer/${path}`);
      assert.equal(res.status, 404, path);
      assert.doesNotMatch(await res.text(), /"name": "cifer-chain"/);
    }
    const deeper = await fetch(`${server.address}/explorer/static/app.js`);
    assert.equal(deeper.status, 404);
  });
});

describe("explorer formatting (format.js)", () => {
  test("cif() is exact and agrees with the client's formatCif", () => {
    for (const v of ["0", "1", "999999", "1000000", "1500000", "123456789012345678901234567890"]) {
      assert.equal(fmt.cif(v).replaceAll(",", ""), `${formatCif(v)} CIF`, v);
    }
    assert.equal(fmt.cif("1234567000000"), "1,234,567 CIF");
  });

  test("bech32() names addresses as the chain does", () => {
    for (const seed of [0, 1, 77, 255]) {
      const bytes = Uint8Array.from({ length: 20 }, (_, i) => (i * 31 + seed) & 255);
      for (const prefix of ["cif", "cifvaloper", "cifvalcons"]) {
        assert.equal(fmt.bech32(prefix, bytes), toAddress(bytes, prefix));
      }
    }
    assert.deepEqual(Array.from(fmt.hexToBytes("00ff10")), [0, 255, 16]);
  });

  test("html`` escapes every interpolated value unless it is raw()", () => {
    const evil = `<img src=x onerror="alert(1)">&'`;
    const out = String(
      fmt.html`<td>${evil}</td><td>${fmt.raw("<b>ok</b>")}</td><td>${[evil, fmt.raw("<i>x</i>")]}</td>`,
    );
    assert.equal(
      out,
      "<td>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;</td><td><b>ok</b></td>" +
        "<td>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;<i>x</i></td>",
    );
  });

  test("enum names, percentages and short forms", () => {
    assert.equal(fmt.enumName("TIER_TRUSTED", "TIER_"), "Trusted");
    assert.equal(fmt.enumName("ROUND_STATUS_IN_DISPUTE", "ROUND_STATUS_"), "In dispute");
    assert.equal(fmt.ppm(891_234), "89.1%");
    assert.equal(fmt.shortHash("ABCDEF0123456789ABCDEF"), "ABCDEF01…ABCDEF");
    assert.equal(fmt.ago("2026-01-01T00:00:00Z", Date.parse("2026-01-01T00:02:05Z")), "2 min ago");
  });
});

describe("explorer charts (charts.js)", () => {
  test("a line chart draws one point per value, scaled into the frame, with escaped labels", () => {
    const svg: string = charts.lineChart({
      title: "<accuracy>",
      series: [
        {
          name: "a&b",
          points: [
            [1, 10],
            [2, 50],
            [3, 90],
          ],
        },
      ],
      xLabel: "round",
      yLabel: "%",
      yMin: 0,
      yMax: 100,
    });
    assert.equal(svg.match(/<circle /g)?.length, 3);
    assert.match(svg, /<title>&lt;accuracy&gt;<\/title>/);
    // The explorer's content security policy blocks inline styles: a chart must not use any.
    const two: string = charts.lineChart({
      title: "t",
      series: [
        { name: "a", points: [[1, 1]] },
        { name: "b", points: [[1, 2]] },
      ],
    });
    assert.match(two, /class="legend"/);
    assert.doesNotMatch(svg + two, /style=/);
    assert.doesNotMatch(svg, /<accuracy>/);
    const ys = [...svg.matchAll(/<circle class="point" cx="[\d.]+" cy="([\d.]+)"/g)].map((m) => Number(m[1]));
    // Higher values are drawn higher (smaller y), equally spaced for equal steps.
    assert.ok(ys[0]! > ys[1]! && ys[1]! > ys[2]!);
    assert.ok(Math.abs(ys[0]! - ys[1]! - (ys[1]! - ys[2]!)) < 0.2);
  });

  test("a bar chart draws one bar per value; empty data says so", () => {
    const svg: string = charts.barChart({
      title: "earned",
      bars: [
        { label: "a", value: 1 },
        { label: "b", value: 0 },
        { label: "c", value: 3 },
      ],
      xLabel: "",
      yLabel: "",
    });
    assert.equal(svg.match(/<rect /g)?.length, 3);
    assert.match(charts.barChart({ title: "x", bars: [] }), /no data yet/);
    assert.match(charts.lineChart({ title: "x", series: [{ name: "s", points: [] }] }), /no data yet/);
  });
});
