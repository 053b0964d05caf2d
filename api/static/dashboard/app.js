// The dashboard: filters kept in the URL, every panel reloaded from the API when they change.
import { getJSON, query } from "./api.js";
import { ClientLookup } from "./client.js";
import { message } from "./dom.js";
import * as fmt from "./format.js";
import { CHANNELS, channelsPanel, freshnessPanel, productsPanel, statusPanel } from "./panels.js";

const WINDOW_DAYS = 30;
const DEFAULT_TOP = 8;
const DEFAULT_LIMIT = 25;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const $ = (selector) => document.querySelector(selector);

let state = null;
let lastOrderDate = null;
const cache = {}; // the last API bodies, to redraw on resize without refetching
let generation = 0;

function fromUrl() {
  const p = new URLSearchParams(location.search);
  const day = (name) => (DAY.test(p.get(name) || "") ? p.get(name) : null);
  const int = (name, min, max, fallback) => {
    const n = Number.parseInt(p.get(name) || "", 10);
    return Number.isInteger(n) && n >= min && n <= max ? n : fallback;
  };
  return {
    from: day("from"),
    to: day("to"),
    channel: CHANNELS.includes(p.get("channel")) ? p.get("channel") : "",
    client: p.get("client") || "",
    limit: int("limit", 1, 500, DEFAULT_LIMIT),
    top: int("top", 1, 50, DEFAULT_TOP),
  };
}

function toUrl(next, push) {
  const params = {
    from: next.from, to: next.to, channel: next.channel, client: next.client,
    limit: next.limit === DEFAULT_LIMIT ? "" : next.limit, top: next.top === DEFAULT_TOP ? "" : next.top,
  };
  const url = `${location.pathname}${query(params)}`;
  if (push) history.pushState(null, "", url);
  else history.replaceState(null, "", url);
}

/** The default window: the 30 days that end on the latest order date in the API's default
 *  window (`/order-dates` without dates: 90 days up to tomorrow), else on today. */
async function defaultWindow() {
  if (lastOrderDate === null) {
    try {
      const dates = await getJSON("order-dates");
      lastOrderDate = dates.last_order_date || fmt.isoDay(new Date());
    } catch (err) {
      lastOrderDate = fmt.isoDay(new Date());
    }
  }
  return { from: fmt.addDays(lastOrderDate, 1 - WINDOW_DAYS), to: lastOrderDate };
}

async function apply(next, push) {
  state = next;
  if (!state.from || !state.to) Object.assign(state, await defaultWindow(), pickGiven(state));
  toUrl(state, push);
  $("#f-from").value = state.from;
  $("#f-to").value = state.to;
  $("#f-channel").value = state.channel;
  const filterMessage = $("#filter-message");
  filterMessage.hidden = state.from <= state.to;
  filterMessage.textContent = state.from <= state.to ? "" : "“From” must not be after “To”.";
  if (state.from > state.to) return;
  loadAll();
}

function pickGiven(s) {
  return Object.fromEntries(Object.entries({ from: s.from, to: s.to }).filter(([, v]) => v));
}

function panelWidth(id) {
  return Math.max(260, $(`#${id} .body`).clientWidth || 600);
}

/** Fetch one panel's data and render it; only the newest generation may write. */
async function load(id, path, params, render) {
  const panel = $(`#${id}`);
  const ticket = generation;
  panel.dataset.state = "loading";
  panel.setAttribute("aria-busy", "true");
  let state = "ready";
  let content;
  try {
    cache[id] = await getJSON(path, params);
    if (ticket !== generation) return;
    content = render(cache[id]);
    if (content instanceof Element && content.classList.contains("empty")) state = "empty";
  } catch (err) {
    if (ticket !== generation) return;
    delete cache[id];
    content = errorContent(id, err);
    state = err.status === 404 && id === "freshness" ? "empty" : "error";
  }
  panel.querySelector(".body").replaceChildren(...[].concat(content).filter(Boolean));
  panel.dataset.query = query(params);
  panel.dataset.state = state;
  panel.removeAttribute("aria-busy");
}

function errorContent(id, err) {
  if (id === "freshness" && err.status === 404) return message("empty", "The job has not run yet: no run report.");
  return message("error", `Could not load this panel: ${err.message}`);
}

const renderers = {
  products: (body) => productsPanel(body, state.top, panelWidth("products")),
  channels: (body) => channelsPanel(body, fmt.daysBetween(state.from, state.to), panelWidth("channels")),
  status: (body) => statusPanel(body),
  freshness: (body) => freshnessPanel(body),
};

function loadAll() {
  generation += 1;
  const filters = { from: state.from, to: state.to, channel: state.channel };
  load("freshness", "runs/latest", {}, renderers.freshness);
  load("products", "sales-by-product", filters, renderers.products);
  load("channels", "sales-by-channel-daily", filters, renderers.channels);
  load("status", "order-status-report", filters, renderers.status);
  lookup.show(state.client, state.limit, filters);
}

function redrawCharts() {
  for (const id of ["products", "channels"]) {
    const body = $(`#${id} .body`);
    if (cache[id] && $(`#${id}`).dataset.state === "ready") {
      body.replaceChildren(...[].concat(renderers[id](cache[id])));
    }
  }
}

function onFilter() {
  const next = {
    ...state, from: $("#f-from").value || state.from, to: $("#f-to").value || state.to,
    channel: $("#f-channel").value,
  };
  apply(next, true);
}

const lookup = new ClientLookup($("#client"), (client, limit) => {
  state = { ...state, client, limit };
  toUrl(state, true);
  lookup.show(client, limit, { from: state.from, to: state.to, channel: state.channel });
});

for (const id of ["#f-from", "#f-to", "#f-channel"]) $(id).addEventListener("change", onFilter);
$("#filters").addEventListener("submit", (event) => { event.preventDefault(); onFilter(); });
$("#f-last30").addEventListener("click", async () => apply({ ...state, from: null, to: null }, true));
window.addEventListener("popstate", () => apply(fromUrl(), false));
let resizeTimer = 0;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(redrawCharts, 150);
});

apply(fromUrl(), false);
