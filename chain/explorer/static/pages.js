// The explorer's pages. Each is an async function of its route parameters returning
// {title, html, live?} where live = {onBlock, onTx} receives the websocket's events while the page
// is open. Everything is read through api.js; nothing here knows the node's internals.
import { ApiError, rest, restAll, rpc, txHash } from "./api.js";
import { barChart, lineChart } from "./charts.js";
import {
  ago,
  bech32,
  cif,
  coins,
  enumName,
  hexToBytes,
  html,
  ppm,
  raw,
  shortAddr,
  shortHash,
} from "./format.js";

const LATEST = 20;

const link = (href, text, cls = "") => html`<a href="${href}" class="${cls}">${text}</a>`;
const blockLink = (h) => link(`#/block/${h}`, h);
const txLink = (hash) => link(`#/tx/${hash}`, shortHash(hash), "mono");
const accountLink = (a) => (a ? link(`#/account/${a}`, shortAddr(a), "mono") : "");
const table = (cls, head, rows) =>
  html`<table class="${cls}"><thead><tr>${head.map((h) => html`<th>${h}</th>`)}</tr></thead><tbody>${rows}</tbody></table>`;
const dl = (pairs) =>
  html`<dl class="fields">${pairs.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>`;

/** The first value of an event attribute in a tx result's events. */
function attr(events, type, key) {
  for (const e of events ?? []) {
    if (e.type !== type) continue;
    const a = e.attributes?.find((x) => x.key === key);
    if (a) return a.value;
  }
  return "";
}
const actionOf = (result) => attr(result?.events, "message", "action").split(".").pop() || "";
const senderOf = (result) => attr(result?.events, "message", "sender");
const b64OfHex = (hex) => btoa(String.fromCharCode(...hexToBytes(hex)));

// ---------------------------------------------------------------- home: latest blocks and txs, live

function blockRow(height, hash, time, numTxs, proposer) {
  return html`<tr data-height="${height}"><td>${blockLink(height)}</td><td class="mono">${shortHash(hash)}</td>
<td>${numTxs}</td><td class="mono">${shortHash(proposer)}</td><td title="${time}" data-time="${time}">${ago(time)}</td></tr>`;
}

function txRow(hash, height, result) {
  const ok = (result?.code ?? 0) === 0;
  return html`<tr data-tx="${hash}"><td>${txLink(hash)}</td><td>${blockLink(height)}</td><td>${actionOf(result)}</td>
<td>${accountLink(senderOf(result))}</td><td class="${ok ? "ok" : "bad"}">${ok ? "ok" : `code ${result.code}`}</td></tr>`;
}

export async function home() {
  const [status, mempool, vals] = await Promise.all([
    rpc("status"),
    rpc("num_unconfirmed_txs"),
    rpc("validators", { per_page: "100" }),
  ]);
  const h = Number(status.sync_info.latest_block_height);
  const [chain, txs] = await Promise.all([
    rpc("blockchain", { minHeight: String(Math.max(1, h - LATEST + 1)), maxHeight: String(h) }),
    rpc("tx_search", { query: "tx.height>0", order_by: "desc", per_page: String(LATEST), page: "1" }),
  ]);
  const blocks = chain.block_metas.map((m) =>
    blockRow(m.header.height, m.block_id.hash, m.header.time, m.num_txs, m.header.proposer_address),
  );
  const txRows = txs.txs.map((t) => txRow(t.hash, t.height, t.tx_result));
  const page = html`
<section class="cards">
  <div class="card"><span>Chain</span><b>${status.node_info.network}</b></div>
  <div class="card"><span>Height</span><b id="latest-height">${h}</b></div>
  <div class="card"><span>Validators</span><b>${vals.total}</b></div>
  <div class="card"><span>Mempool</span><b>${mempool.n_txs} txs</b></div>
  <div class="card"><span>Txs indexed</span><b id="tx-total">${txs.total_count}</b></div>
</section>
<div class="two">
<section><h2>Latest blocks</h2>
${table("blocks", ["Height", "Hash", "Txs", "Proposer", "Time"], blocks)}</section>
<section><h2>Latest transactions</h2>
${table("txs", ["Hash", "Height", "Action", "Sender", "Result"], txRows.length ? txRows : raw('<tr id="no-txs"><td colspan="5" class="muted">No transactions yet.</td></tr>'))}</section>
</div>`;
  const prepend = (selector, rowHtml, max) => {
    const body = document.querySelector(`${selector} tbody`);
    if (!body) return;
    body.insertAdjacentHTML("afterbegin", String(rowHtml));
    while (body.rows.length > max) body.deleteRow(body.rows.length - 1);
  };
  return {
    title: "Blocks",
    html: page,
    live: {
      onBlock(block, blockId) {
        const height = block.header.height;
        if (document.querySelector(`table.blocks tr[data-height="${height}"]`)) return;
        document.getElementById("latest-height").textContent = height;
        const row = blockRow(
          height,
          blockId.hash,
          block.header.time,
          block.data.txs.length,
          block.header.proposer_address,
        );
        prepend("table.blocks", row, LATEST);
      },
      async onTx(txResult, hash) {
        const h = hash ?? (await txHash(txResult.tx));
        if (document.querySelector(`table.txs tr[data-tx="${h}"]`)) return;
        document.getElementById("no-txs")?.remove();
        prepend("table.txs", txRow(h, txResult.height, txResult.result), LATEST);
        const total = document.getElementById("tx-total");
        total.textContent = String(Number(total.textContent) + 1);
      },
    },
  };
}

// ---------------------------------------------------------------- a block

export async function block({ height }) {
  const [b, results] = await Promise.all([
    rpc("block", { height }),
    rpc("block_results", { height }).catch(() => ({ txs_results: [] })),
  ]);
  const hdr = b.block.header;
  const hashes = await Promise.all(b.block.data.txs.map((t) => txHash(t)));
  const rows = hashes.map((hash, i) => {
    const r = results.txs_results?.[i] ?? {};
    return html`<tr><td>${i}</td><td>${txLink(hash)}</td><td>${actionOf(r)}</td>
<td class="${(r.code ?? 0) === 0 ? "ok" : "bad"}">${(r.code ?? 0) === 0 ? "ok" : `code ${r.code}`}</td><td>${r.gas_used ?? ""} / ${r.gas_wanted ?? ""}</td></tr>`;
  });
  const h = Number(hdr.height);
  return {
    title: `Block ${h}`,
    html: html`
<nav class="pager">${h > 1 ? link(`#/block/${h - 1}`, "← previous") : ""} ${link(`#/block/${h + 1}`, "next →")}</nav>
<h2>Block <span id="block-height">${h}</span></h2>
${dl([
  ["Hash", html`<span class="mono">${b.block_id.hash}</span>`],
  ["Chain", hdr.chain_id],
  ["Time", html`${hdr.time} (${ago(hdr.time)})`],
  ["Proposer", html`<span class="mono">${hdr.proposer_address}</span>`],
  ["App hash", html`<span class="mono">${hdr.app_hash}</span>`],
  ["Validators hash", html`<span class="mono">${hdr.validators_hash}</span>`],
  ["Signatures", b.block.last_commit?.signatures?.filter((s) => s.signature).length ?? 0],
])}
<h3>Transactions (${hashes.length})</h3>
${rows.length ? table("txs", ["#", "Hash", "Action", "Result", "Gas used / wanted"], rows) : raw('<p class="muted">No transactions in this block.</p>')}`,
  };
}

// ---------------------------------------------------------------- a tx

function eventsTable(events) {
  return table(
    "events",
    ["Event", "Attributes"],
    (events ?? []).map(
      (e) =>
        html`<tr><td>${e.type}</td><td>${(e.attributes ?? []).map((a) => html`<div><span class="key">${a.key}</span> ${a.value}</div>`)}</td></tr>`,
    ),
  );
}

export async function tx({ hash }) {
  const hex = hash.toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) throw new ApiError(`not a tx hash: ${hash}`, 400);
  const t = await rpc("tx", { hash: b64OfHex(hex) });
  const decoded = await rest(`/cosmos/tx/v1beta1/txs/${hex}`).catch(() => undefined);
  const r = t.tx_result;
  const body = decoded?.tx?.body;
  const msgs = body?.messages ?? [];
  return {
    title: `Tx ${shortHash(hex)}`,
    html: html`
<h2>Transaction</h2>
${dl([
  ["Hash", html`<span class="mono" id="tx-hash">${t.hash}</span>`],
  ["Height", blockLink(t.height)],
  ["Index", t.index],
  [
    "Result",
    html`<span class="${r.code === 0 ? "ok" : "bad"}" id="tx-result">${r.code === 0 ? "success" : `failed: code ${r.code} (${r.codespace}) ${r.log}`}</span>`,
  ],
  ["Gas used / wanted", `${r.gas_used} / ${r.gas_wanted}`],
  ["Fee", decoded ? coins(decoded.tx.auth_info?.fee?.amount) : ""],
  ["Memo", body?.memo ?? ""],
])}
<h3>Messages (${msgs.length})</h3>
${msgs.map((m) => html`<div class="msg"><div class="msg-type">${m["@type"]}</div><pre>${JSON.stringify(m, null, 2)}</pre></div>`)}
${decoded ? "" : raw('<p class="muted">The decoded body is not available from this node\'s REST API.</p>')}
<h3>Events</h3>
${eventsTable(r.events)}`,
  };
}

// ---------------------------------------------------------------- an account

export async function account({ address }) {
  const [balances, sent] = await Promise.all([
    rest(`/cosmos/bank/v1beta1/balances/${address}`),
    rpc("tx_search", { query: `message.sender='${address}'`, order_by: "desc", per_page: "30", page: "1" }),
  ]);
  return {
    title: `Account ${shortAddr(address)}`,
    html: html`
<h2>Account</h2>
${dl([
  ["Address", html`<span class="mono">${address}</span>`],
  ["Balance", coins(balances.balances)],
])}
<h3>Transactions sent (${sent.total_count})</h3>
${
  sent.txs.length
    ? table(
        "txs",
        ["Hash", "Height", "Action", "Sender", "Result"],
        sent.txs.map((t) => txRow(t.hash, t.height, t.tx_result)),
      )
    : raw('<p class="muted">None.</p>')
}`,
  };
}

// ---------------------------------------------------------------- validators

/** Staking validators joined with CometBFT's set (power) and the reputation module (tier, R). */
async function validatorRows() {
  const [staking, reps, set] = await Promise.all([
    restAll("/cosmos/staking/v1beta1/validators", "validators"),
    restAll("/cifer/reputation/v1/validators", "validators").catch(() => []),
    rpc("validators", { per_page: "100" }),
  ]);
  const repOf = new Map(reps.map((r) => [r.validator_address, r]));
  const powerOf = new Map(set.validators.map((v) => [bech32("cifvalcons", hexToBytes(v.address)), v]));
  const total = set.validators.reduce((s, v) => s + Number(v.voting_power), 0);
  return staking
    .map((v) => {
      const rep = repOf.get(v.operator_address);
      const cons = rep ? powerOf.get(rep.consensus_address) : undefined;
      return { v, rep, power: cons ? Number(cons.voting_power) : 0, total };
    })
    .sort((a, b) => b.power - a.power || Number(BigInt(b.v.tokens) - BigInt(a.v.tokens)));
}

const tierBadge = (tier) =>
  html`<span class="tier tier-${String(tier ?? "").toLowerCase()}">${enumName(tier, "TIER_") || "—"}</span>`;
const reputation = (r) => (r === undefined ? "—" : (Number(r) / 1e6).toFixed(4));

export async function validators() {
  const rows = await validatorRows();
  const body = rows.map(
    ({ v, rep, power, total }) => html`<tr data-operator="${v.operator_address}">
<td>${link(`#/validator/${v.operator_address}`, v.description?.moniker || shortAddr(v.operator_address))}</td>
<td class="num">${power}</td><td class="num">${total ? ((100 * power) / total).toFixed(1) : "0"}%</td>
<td class="num">${cif(v.tokens)}</td><td>${enumName(v.status, "BOND_STATUS_")}${v.jailed ? " (jailed)" : ""}</td>
<td class="tier-cell">${tierBadge(rep?.tier)}</td><td class="num">${reputation(rep?.reputation)}</td>
<td class="num">${ppm(Number(v.commission?.commission_rates?.rate ?? 0) * 1e6)}</td></tr>`,
  );
  return {
    title: "Validators",
    html: html`<h2>Validators (${rows.length})</h2>
${table("validators", ["Validator", "Voting power", "Share", "Tokens", "Status", "Tier", "Reputation", "Commission"], body)}
<p class="muted">Tiers and reputation come from the reputation module; a validator's page shows its history.</p>`,
  };
}

export async function validator({ operator }) {
  const [v, rep, hist] = await Promise.all([
    rest(`/cosmos/staking/v1beta1/validators/${operator}`).then((b) => b.validator),
    rest("/cifer/reputation/v1/validator", { validator_address: operator })
      .then((b) => b.validator)
      .catch(() => undefined),
    restAll("/cifer/reputation/v1/history", "samples", { validator_address: operator }).catch(() => []),
  ]);
  const points = hist.map((s) => [Number(s.height), Number(s.reputation) / 1e6]);
  const marks = [];
  for (let i = 1; i < hist.length; i++) {
    if (hist[i].tier !== hist[i - 1].tier)
      marks.push({ x: Number(hist[i].height), label: enumName(hist[i].tier, "TIER_") });
  }
  return {
    title: v.description?.moniker || operator,
    html: html`<h2>${v.description?.moniker || "Validator"}</h2>
${dl([
  ["Operator", html`<span class="mono">${v.operator_address}</span>`],
  ["Consensus address", html`<span class="mono">${rep?.consensus_address ?? ""}</span>`],
  ["Status", `${enumName(v.status, "BOND_STATUS_")}${v.jailed ? " (jailed)" : ""}`],
  ["Tokens", cif(v.tokens)],
  ["Tier", html`${tierBadge(rep?.tier)} since height ${rep?.tier_since ?? "—"}`],
  ["Reputation", reputation(rep?.reputation)],
  ["Blocks signed / missed", rep ? `${rep.signed_blocks} / ${rep.missed_blocks}` : "—"],
  ["Proposals committed / failed", rep ? `${rep.proposals_committed} / ${rep.proposals_failed}` : "—"],
])}
<h3>Reputation history</h3>
<div id="reputation-chart">${raw(
      lineChart({
        title: "Reputation by height",
        series: [{ name: "reputation", points }],
        xLabel: "height",
        yLabel: "reputation",
        yMin: 0,
        yMax: 1,
        yFormat: (y) => y.toFixed(2),
        marks,
      }),
    )}</div>`,
  };
}

// ---------------------------------------------------------------- federated learning

export async function flTasks() {
  const tasks = await restAll("/cifer/fl/v1/tasks", "tasks");
  const rows = tasks
    .slice()
    .reverse()
    .map(
      (
        t,
      ) => html`<tr data-task="${t.id}"><td>${link(`#/fl/${t.id}`, `Task ${t.id}`)}</td><td>${enumName(t.status, "TASK_STATUS_")}</td>
<td class="num">${t.current_round} / ${t.rounds}</td><td class="num">${t.participant_count}</td><td>${enumName(t.rule, "RULE_")}</td>
<td>${enumName(t.privacy, "PRIVACY_")}</td><td class="num">${coins([t.reward_pool])}</td><td>${accountLink(t.owner)}</td></tr>`,
    );
  return {
    title: "FL tasks",
    html: html`<h2>Federated-learning tasks (${tasks.length})</h2>
${rows.length ? table("tasks", ["Task", "Status", "Round", "Trainers", "Rule", "Privacy", "Reward pool", "Owner"], rows) : raw('<p class="muted">No task yet.</p>')}`,
  };
}

export async function flTask({ id }) {
  const { task } = await rest("/cifer/fl/v1/task", { task_id: id });
  const last = Math.min(Number(task.current_round), Number(task.rounds));
  const rounds = [];
  for (let r = 1; r <= last; r++) {
    const [round, updates] = await Promise.all([
      rest("/cifer/fl/v1/round", { task_id: id, round: r }).then((b) => b.round),
      restAll("/cifer/fl/v1/updates", "updates", { task_id: id, round: r }),
    ]);
    rounds.push({ round, updates });
  }
  const participants = await restAll("/cifer/fl/v1/participants", "participants", { task_id: id });
  const evaluated = rounds.filter((r) => r.round.evaluated);
  const accuracy = lineChart({
    title: "Accuracy of the starting model by round",
    series: [
      {
        name: "accuracy",
        points: evaluated.map((r) => [Number(r.round.round), Number(r.round.global_accuracy_ppm) / 1e4]),
      },
    ],
    xLabel: "round",
    yLabel: "accuracy %",
    yMin: 0,
    yMax: 100,
    yFormat: (y) => `${Math.round(y)}%`,
  });
  const trainers = participants.map((p) => p.address);
  const contribution = lineChart({
    title: "Contribution by round",
    series: trainers.map((a) => ({
      name: shortAddr(a),
      points: rounds.flatMap(({ round, updates }) =>
        updates
          .filter((u) => u.participant === a)
          .map((u) => [Number(round.round), Number(u.contribution_ppm) / 1e4]),
      ),
    })),
    xLabel: "round",
    yLabel: "contribution %",
    yMin: 0,
    yFormat: (y) => `${y.toFixed(0)}%`,
  });
  const earned = barChart({
    title: "Rewards earned by trainer",
    bars: participants.map((p) => ({
      label: `…${p.address.slice(-6)}`,
      value: Number(BigInt(p.earned || "0")) / 1e6,
      title: `${p.address}: ${cif(p.earned)}`,
    })),
    xLabel: "trainer",
    yLabel: "CIF",
    yFormat: (y) => y.toFixed(2),
  });
  const roundRows = rounds.map(
    ({
      round,
      updates,
    }) => html`<tr><td>${round.round}</td><td>${enumName(round.status, "ROUND_STATUS_")}</td><td class="num">${updates.length}</td>
<td class="num">${round.total_samples}</td><td class="num">${round.evaluated ? ppm(round.global_accuracy_ppm) : "—"}</td>
<td class="mono">${shortHash(round.model_cid || round.aggregate_cid)}</td><td class="num">${cif(round.paid_trainers)}</td></tr>`,
  );
  const partRows = participants.map(
    (p) =>
      html`<tr><td>${accountLink(p.address)}</td><td class="num">${p.updates}</td><td class="num">${Number(p.updates) > 0 ? ppm(Number(p.contribution_total_ppm) / Number(p.updates)) : "—"}</td><td class="num">${cif(p.earned)}</td></tr>`,
  );
  return {
    title: `FL task ${id}`,
    html: html`<h2>FL task ${task.id}</h2>
${dl([
  ["Status", enumName(task.status, "TASK_STATUS_")],
  ["Owner", accountLink(task.owner)],
  ["Rule", enumName(task.rule, "RULE_")],
  ["Privacy", enumName(task.privacy, "PRIVACY_")],
  ["Rounds", `${task.current_round} / ${task.rounds}, ${task.round_blocks} blocks each`],
  ["Reward pool", coins([task.reward_pool])],
  ["Paid / refunded", `${cif(task.paid)} / ${cif(task.refunded)}`],
  ["Global model", html`<span class="mono">${task.global_model_cid || "—"}</span>`],
])}
<div class="charts">
<figure id="accuracy-chart"><figcaption>Accuracy of each round's starting model (the committee's median on the round's test split)</figcaption>${evaluated.length ? raw(accuracy) : raw('<p class="muted">This task\'s rule does not evaluate rounds on chain.</p>')}</figure>
<figure id="contribution-chart"><figcaption>Each trainer's contribution score by round</figcaption>${evaluated.length ? raw(contribution) : raw('<p class="muted">No contribution scores: the rounds were not evaluated.</p>')}</figure>
<figure id="earned-chart"><figcaption>Rewards earned</figcaption>${raw(earned)}</figure>
</div>
<h3>Rounds</h3>
${table("rounds", ["Round", "Status", "Updates", "Samples", "Accuracy", "Model", "Paid to trainers"], roundRows)}
<h3>Trainers</h3>
${table("participants", ["Trainer", "Updates", "Mean contribution", "Earned"], partRows)}`,
  };
}

// ---------------------------------------------------------------- market

/** P(s) of a listing's curve as a float for drawing (the chain's exact integer price is queried). */
function priceAt(curve, s) {
  const m = Number(curve.m);
  const b = Number(curve.b);
  if (curve.kind === "CURVE_KIND_POWER")
    return b + m * s ** (Number(curve.exponent_num) / Number(curve.exponent_den));
  return m * s + b;
}

function curveChart(asset) {
  const sales = Number(asset.listing.sales);
  const upTo = Math.max(10, sales + 5);
  const points = [];
  for (let s = 0; s <= upTo; s++) points.push([s, priceAt(asset.listing.curve, s) / 1e6]);
  return lineChart({
    title: `Price curve of asset ${asset.id}`,
    series: [{ name: "price", points }],
    xLabel: "sales",
    yLabel: "CIF",
    yFormat: (y) => y.toFixed(1),
    marks: [{ x: sales, label: `now: ${sales} sold` }],
  });
}

function curveText(c) {
  if (c.kind === "CURVE_KIND_POWER")
    return `${cif(c.b)} + ${cif(c.m)} × s^(${c.exponent_num}/${c.exponent_den})`;
  return `${cif(c.m)} × s + ${cif(c.b)}`;
}

export async function market() {
  const assets = await restAll("/cifer/market/v1/assets", "assets");
  const listed = assets.filter((a) => a.listing?.active);
  const prices = new Map(
    await Promise.all(
      listed.map(async (a) => [
        a.id,
        await rest("/cifer/market/v1/price", { asset_id: a.id }).catch(() => undefined),
      ]),
    ),
  );
  const rows = assets.map((a) => {
    const p = prices.get(a.id);
    return html`<tr data-asset="${a.id}"><td>${a.id}</td><td>${enumName(a.kind, "ASSET_KIND_")}</td><td>${accountLink(a.owner)}</td>
<td>${a.listing?.active ? "listed" : "—"}</td><td class="num">${p ? cif(p.price) : "—"}</td><td class="num">${a.listing?.sales ?? 0}</td>
<td class="num">${a.uses}</td><td class="num">${cif(a.earned)}</td></tr>`;
  });
  const charts = listed
    .slice(0, 12)
    .map(
      (a) =>
        html`<figure class="curve" data-asset="${a.id}"><figcaption>Asset ${a.id} (${enumName(a.kind, "ASSET_KIND_")}): ${curveText(a.listing.curve)}; the next sale costs ${cif(prices.get(a.id)?.price)}</figcaption>${raw(curveChart(a))}</figure>`,
    );
  return {
    title: "Market",
    html: html`<h2>Market assets (${assets.length})</h2>
${rows.length ? table("assets", ["Asset", "Kind", "Owner", "Listing", "Price now", "Sales", "Uses", "Earned"], rows) : raw('<p class="muted">No asset yet.</p>')}
<h3>Listings and their price curves</h3>
<div class="charts">${charts.length ? charts : raw('<p class="muted">Nothing is listed.</p>')}</div>`,
  };
}
