// The explorer's shell: hash routes (#/block/12, #/tx/<hash>, ...), the search box, and the live
// connection that feeds the open page.
import { Live } from "./live.js";
import { ago, html } from "./format.js";
import * as pages from "./pages.js";

const ROUTES = [
  [/^$/, pages.home, () => ({})],
  [/^block\/(\d+)$/, pages.block, (m) => ({ height: m[1] })],
  [/^tx\/([0-9a-fA-F]{64})$/, pages.tx, (m) => ({ hash: m[1] })],
  [/^account\/(cif1[0-9a-z]+)$/, pages.account, (m) => ({ address: m[1] })],
  [/^validators$/, pages.validators, () => ({})],
  [/^validator\/(cifvaloper1[0-9a-z]+)$/, pages.validator, (m) => ({ operator: m[1] })],
  [/^fl$/, pages.flTasks, () => ({})],
  [/^fl\/(\d+)$/, pages.flTask, (m) => ({ id: m[1] })],
  [/^market$/, pages.market, () => ({})],
];

const main = document.getElementById("main");
const status = document.getElementById("live-status");
let current = { live: undefined };
let generation = 0;

async function show() {
  const path = location.hash.replace(/^#\/?/, "");
  const gen = ++generation;
  for (const a of document.querySelectorAll("nav.top a")) {
    a.classList.toggle("active", a.dataset.section === (path.split("/")[0] || "home"));
  }
  const route = ROUTES.find(([re]) => re.test(path));
  main.setAttribute("aria-busy", "true");
  try {
    if (!route) throw new Error(`no page at #/${path}`);
    const [re, page, args] = route;
    const out = await page(args(path.match(re)));
    if (gen !== generation) return; // a newer navigation won
    current = out;
    document.title = `${out.title} · Cifer explorer`;
    main.innerHTML = String(out.html);
  } catch (e) {
    if (gen !== generation) return;
    current = { live: undefined };
    main.innerHTML = String(
      html`<div class="error" role="alert"><h2>Not found</h2><p>${e.message}</p></div>`,
    );
  } finally {
    if (gen === generation) main.setAttribute("aria-busy", "false");
  }
}

/** A height, a tx hash, an account or a validator address: go to its page. */
function search(q) {
  const s = q.trim();
  if (/^\d+$/.test(s)) location.hash = `#/block/${s}`;
  else if (/^(0x)?[0-9a-fA-F]{64}$/.test(s)) location.hash = `#/tx/${s.replace(/^0x/, "").toUpperCase()}`;
  else if (/^cifvaloper1/.test(s)) location.hash = `#/validator/${s}`;
  else if (/^cif1/.test(s)) location.hash = `#/account/${s}`;
  else if (/^task\s*\d+$/i.test(s)) location.hash = `#/fl/${s.replace(/\D/g, "")}`;
  else {
    main.innerHTML = String(
      html`<div class="error" role="alert"><p>Search for a height, a tx hash, a cif1… or cifvaloper1… address, or "task N".</p></div>`,
    );
  }
}

document.getElementById("search").addEventListener("submit", (e) => {
  e.preventDefault();
  const input = e.target.elements.q;
  search(input.value);
  input.value = "";
});

new Live({
  onBlock: (b, id) => current.live?.onBlock?.(b, id),
  onTx: (t, hash) => current.live?.onTx?.(t, hash),
  onStatus: (s) => {
    status.textContent = s === "live" ? "● live" : "○ reconnecting";
    status.className = s;
  },
});

// "12 s ago" keeps counting while the page is open.
setInterval(() => {
  for (const td of document.querySelectorAll("[data-time]")) td.textContent = ago(td.dataset.time);
}, 5000);

window.addEventListener("hashchange", show);
show();
