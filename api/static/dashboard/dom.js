// Tiny DOM and SVG builders: elements from (tag, attributes, children); text is always text.
const SVG_NS = "http://www.w3.org/2000/svg";

function build(node, attrs, children) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = String(value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of [].concat(children || [])) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export const h = (tag, attrs, children) => build(document.createElement(tag), attrs, children);
export const s = (tag, attrs, children) => build(document.createElementNS(SVG_NS, tag), attrs, children);

/** A message in place of a panel's content: kind is "empty", "error" or "loading". */
export function message(kind, text) {
  return h("p", { class: `message ${kind}`, role: kind === "error" ? "alert" : null, text });
}

/** A table from column headers and rows of cells (a cell is text, a Node or {text, attrs}). */
export function table(headers, rows, attrs = {}) {
  const head = h("thead", {}, h("tr", {}, headers.map((name) => h("th", { scope: "col", text: name }))));
  const body = h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map(cell))));
  return h("div", { class: "table-wrap" }, h("table", attrs, [head, body]));
}

function cell(value) {
  if (value instanceof Node) return h("td", {}, value);
  if (value && typeof value === "object") return h("td", value.attrs || {}, value.text);
  return h("td", { text: value });
}
