// Charts as inline SVG, sized to their container in CSS pixels (text stays readable on phones).
import { s } from "./dom.js";

export const CHANNEL_COLORS = {
  online: "#2563eb", store: "#16a34a", distributor: "#d97706", phone: "#9333ea",
};
const ROW = 46;

/**
 * Horizontal bars, two per row (revenue and units on their own scales).
 * rows: [{label, revenue, units, revenueText, unitsText, dataset}]
 */
export function pairedBars(rows, width) {
  const labelWidth = Math.min(120, Math.max(70, width * 0.22));
  const valueWidth = Math.min(110, width * 0.3);
  const barSpace = Math.max(40, width - labelWidth - valueWidth - 12);
  const maxRevenue = Math.max(...rows.map((r) => r.revenue), 0) || 1;
  const maxUnits = Math.max(...rows.map((r) => r.units), 0) || 1;
  const height = rows.length * ROW + 8;
  const svg = s("svg", {
    class: "chart", width, height, viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": "Revenue and units by product",
  });
  rows.forEach((row, i) => {
    const y = i * ROW + 4;
    const revenueWidth = Math.max(row.revenue > 0 ? 2 : 0, (row.revenue / maxRevenue) * barSpace);
    const unitsWidth = Math.max(row.units > 0 ? 2 : 0, (row.units / maxUnits) * barSpace);
    svg.append(s("g", { class: "bar-row", dataset: row.dataset }, [
      s("title", { text: `${row.label}: ${row.revenueText}, ${row.unitsText}` }),
      s("text", { class: "label", x: 0, y: y + 24, text: row.label }),
      s("rect", { class: "bar revenue", x: labelWidth, y: y + 2, width: revenueWidth, height: 20, rx: 2 }),
      s("text", { class: "value revenue-value", x: labelWidth + revenueWidth + 6, y: y + 17, text: row.revenueText }),
      s("rect", { class: "bar units", x: labelWidth, y: y + 25, width: unitsWidth, height: 12, rx: 2 }),
      s("text", { class: "value units-value", x: labelWidth + unitsWidth + 6, y: y + 36, text: row.unitsText }),
    ]));
  });
  return svg;
}

/**
 * Stacked columns, one per day, one segment per channel.
 * days: ["YYYY-MM-DD"...]; values: Map day -> Map channel -> revenue; channels: order of stacking.
 */
export function stackedColumns({ days, values, channels, width, label, tickText, dayText, title }) {
  const height = 220;
  const left = 56, bottom = 26, top = 8;
  const plotHeight = height - top - bottom;
  const totals = days.map((d) => channels.reduce((sum, c) => sum + (values.get(d)?.get(c) || 0), 0));
  const max = Math.max(...totals, 0) || 1;
  const step = (width - left - 4) / Math.max(days.length, 1);
  const barWidth = Math.max(2, Math.min(48, step * 0.7));
  const svg = s("svg", {
    class: "chart", width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label,
  });
  for (const fraction of [0, 0.5, 1]) {
    const y = top + plotHeight * (1 - fraction);
    svg.append(s("line", { class: "grid-line", x1: left, x2: width, y1: y, y2: y }));
    svg.append(s("text", { class: "axis", x: left - 6, y: y + 4, "text-anchor": "end", text: tickText(max * fraction) }));
  }
  const labelEvery = Math.ceil(days.length / Math.max(1, Math.floor((width - left) / 56)));
  days.forEach((d, i) => {
    const x = left + i * step + (step - barWidth) / 2;
    let y = top + plotHeight;
    for (const channel of channels) {
      const value = values.get(d)?.get(channel) || 0;
      if (value <= 0) continue;
      const h = (value / max) * plotHeight;
      y -= h;
      svg.append(s("rect", {
        class: "segment", x, y, width: barWidth, height: Math.max(h, 1), fill: CHANNEL_COLORS[channel] || "#64748b",
        dataset: { day: d, channel, revenue: String(value) },
      }, s("title", { text: title(d, channel, value) })));
    }
    if (i % labelEvery === 0) {
      svg.append(s("text", { class: "axis", x: x + barWidth / 2, y: height - 8, "text-anchor": "middle", text: dayText(d) }));
    }
  });
  return svg;
}
