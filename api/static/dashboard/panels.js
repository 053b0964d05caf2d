// The report panels: each takes the API's JSON and returns the DOM that shows it.
import { CHANNEL_COLORS, pairedBars, stackedColumns } from "./charts.js";
import { h, message, table } from "./dom.js";
import * as fmt from "./format.js";

export const CHANNELS = ["online", "store", "distributor", "phone"];
const OTHER = "Other";

/** Products summed over channels, highest revenue first; past the top N, one "Other" row. */
export function topProducts(items, topN) {
  const byProduct = new Map();
  for (const item of items) {
    const row = byProduct.get(item.product_id) || { product: item.product_id, cents: 0, units: 0 };
    row.cents += fmt.cents(item.revenue);
    row.units += item.units;
    byProduct.set(item.product_id, row);
  }
  const rows = [...byProduct.values()].sort(
    (a, b) => b.cents - a.cents || b.units - a.units || a.product.localeCompare(b.product),
  );
  if (rows.length <= topN) return rows;
  const rest = rows.slice(topN);
  const other = { product: OTHER, cents: 0, units: 0, count: rest.length };
  for (const row of rest) {
    other.cents += row.cents;
    other.units += row.units;
  }
  return [...rows.slice(0, topN), other];
}

export function productsPanel(body, topN, width) {
  if (!body.items.length) return message("empty", "No sales in this window.");
  const rows = topProducts(body.items, topN);
  const totalCents = rows.reduce((sum, r) => sum + r.cents, 0);
  const totalUnits = rows.reduce((sum, r) => sum + r.units, 0);
  const bars = rows.map((r) => ({
    label: r.product === OTHER ? `Other (${r.count})` : r.product,
    revenue: r.cents / 100,
    units: r.units,
    revenueText: fmt.money(r.cents / 100),
    unitsText: fmt.units(r.units),
    dataset: { product: r.product, revenue: (r.cents / 100).toFixed(2), units: String(r.units) },
  }));
  return [
    h("p", { class: "totals" }, [
      h("span", { class: "kpi", dataset: { kpi: "revenue" }, text: fmt.money(totalCents / 100) }), " net revenue · ",
      h("span", { class: "kpi", dataset: { kpi: "units" }, text: fmt.count(totalUnits) }), " units",
    ]),
    h("p", { class: "legend" }, [h("span", { class: "swatch revenue" }), "Revenue ", h("span", { class: "swatch units" }), "Units"]),
    pairedBars(bars, width),
  ];
}

export function channelsPanel(body, days, width) {
  if (!body.items.length) return message("empty", "No sales in this window.");
  const values = new Map();
  const totals = new Map();
  for (const item of body.items) {
    if (!values.has(item.order_date)) values.set(item.order_date, new Map());
    values.get(item.order_date).set(item.channel, item.revenue);
    totals.set(item.channel, (totals.get(item.channel) || 0) + fmt.cents(item.revenue));
  }
  const channels = CHANNELS.filter((c) => totals.has(c));
  const chart = stackedColumns({
    days, values, channels, width,
    label: "Revenue by channel per day",
    tickText: (v) => fmt.moneyShort(v),
    dayText: (d) => fmt.dayShort(d),
    title: (d, c, v) => `${fmt.day(d)} · ${c}: ${fmt.money(v)}`,
  });
  const legend = h("ul", { class: "legend channel-legend" }, channels.map((c) => h("li", { dataset: { channel: c, revenue: (totals.get(c) / 100).toFixed(2) } }, [
    h("span", { class: `swatch ch-${c}` }), `${c} `, h("strong", { text: fmt.money(totals.get(c) / 100) }),
  ])));
  return [legend, chart];
}

export function statusPanel(body) {
  if (!body.items.length) return message("empty", "No orders in this window.");
  const channels = CHANNELS.filter((c) => body.items.some((i) => i.channel === c));
  const statuses = [...new Set(body.items.map((i) => i.status))];
  const find = (status, channel) => body.items.find((i) => i.status === status && i.channel === channel);
  const rows = statuses.map((status) => [
    { text: status, attrs: { class: "status-name" } },
    ...channels.map((channel) => {
      const item = find(status, channel);
      if (!item) return { text: "–", attrs: { class: "num muted" } };
      return {
        attrs: { class: "num", dataset: { status, channel, orders: String(item.order_count), amount: item.amount.toFixed(2) } },
        text: `${fmt.count(item.order_count)} · ${fmt.money(item.amount)}`,
      };
    }),
  ]);
  return [
    h("p", { class: "hint", text: "Orders · amount (all lines, every status)" }),
    table(["Status", ...channels], rows, { class: "status-table" }),
  ];
}

function runProblems(run) {
  const problems = [];
  if (run.status !== "succeeded") problems.push(`The last run ${run.status}${run.error ? `: ${run.error}` : ""}.`);
  const t = run.totals || {};
  if (t.rows_rejected > 0) problems.push(`${fmt.count(t.rows_rejected)} ${t.rows_rejected === 1 ? "row was" : "rows were"} rejected.`);
  if (t.files_rejected > 0) problems.push(`${fmt.count(t.files_rejected)} ${t.files_rejected === 1 ? "file was" : "files were"} rejected.`);
  return problems;
}

function filesText(t) {
  const parts = [`${fmt.count(t.files_ok || 0)} ok`];
  if (t.files_rejected) parts.push(`${fmt.count(t.files_rejected)} rejected`);
  if (t.files_skipped) parts.push(`${fmt.count(t.files_skipped)} skipped`);
  return `${parts.join(", ")} (of ${fmt.count(t.files || 0)})`;
}

export function freshnessPanel(run) {
  const t = run.totals || {};
  const problems = runProblems(run);
  const facts = [
    ["Last run", fmt.dateTime(run.ended_at || run.started_at), "ended"],
    ["Status", run.status, "status"],
    ["Files", filesText(t), "files"],
    ["Rows loaded", fmt.count(t.rows_valid || 0), "rows-loaded"],
    ["Rows rejected", fmt.count(t.rows_rejected || 0), "rows-rejected"],
  ];
  const reasons = Object.entries(run.rejected_by_reason || {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return [
    problems.length ? h("div", { class: "warning", role: "alert", dataset: { warning: "run" } }, [
      h("strong", { text: "Check the last run. " }), problems.join(" "),
    ]) : h("p", { class: "ok", text: "The last run succeeded with no rejects." }),
    h("dl", { class: "facts" }, facts.flatMap(([name, value, key]) => [h("dt", { text: name }), h("dd", { dataset: { fact: key }, text: value })])),
    reasons.length ? table(["Reject reason", "Rows"], reasons.map(([reason, n]) => [reason, { text: fmt.count(n), attrs: { class: "num", dataset: { reason, rows: String(n) } } }]), { class: "reasons" }) : null,
    h("p", { class: "hint", text: `Run ${run.run_id}` }),
  ];
}

export { CHANNEL_COLORS };
