// Client lookup: GET /orders/{client_id} for the current filters, paged with next_token.
import { getJSON } from "./api.js";
import { h, message, table } from "./dom.js";
import * as fmt from "./format.js";

const ID = /^[A-Za-z0-9_-]{1,64}$/;

export class ClientLookup {
  constructor(panel, onChange) {
    this.panel = panel;
    this.body = panel.querySelector(".body");
    this.onChange = onChange; // (client, limit) -> the app keeps them in the URL
    this.tokens = [null]; // tokens[i] fetches page i+1
    this.page = 0;
    this.request = 0;
    panel.querySelector("#client-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const client = panel.querySelector("#c-id").value.trim();
      this.onChange(client, this.limit());
    });
  }

  limit() {
    return Number(this.panel.querySelector("#c-limit").value);
  }

  /** Show `client` from page 1 under `filters`; an empty client clears the panel. */
  async show(client, limit, filters) {
    this.panel.querySelector("#c-id").value = client || "";
    setLimit(this.panel.querySelector("#c-limit"), limit);
    this.client = client;
    this.filters = filters;
    this.tokens = [null];
    this.page = 0;
    if (!client) return this.render("empty", message("empty", "Enter a client id to see their orders."));
    if (!ID.test(client)) {
      return this.render("error", message("error", "A client id is 1 to 64 letters, digits, '-' or '_'."));
    }
    return this.load();
  }

  async load() {
    const ticket = ++this.request;
    this.panel.dataset.state = "loading";
    const { from, to, channel } = this.filters;
    const params = { from, to, channel, limit: this.limit(), next_token: this.tokens[this.page] };
    try {
      const body = await getJSON(`orders/${encodeURIComponent(this.client)}`, params);
      if (ticket !== this.request) return;
      this.tokens[this.page + 1] = body.next_token;
      this.render("ready", this.view(body));
    } catch (err) {
      if (ticket !== this.request) return;
      if (err.status === 404) {
        this.render("empty", message("empty", `No orders for client ${this.client} in this window.`));
      } else {
        this.render("error", message("error", `Could not load the client's orders: ${err.message}`));
      }
    }
  }

  render(state, content) {
    this.body.replaceChildren(...[].concat(content));
    this.panel.dataset.page = String(this.page + 1);
    this.panel.dataset.state = state;
  }

  view(body) {
    const rows = body.orders.map((o) => [
      { text: o.order_id, attrs: { dataset: { order: o.order_id, total: o.order_total.toFixed(2) } } },
      fmt.day(o.order_date),
      o.channel,
      { text: fmt.count(o.line_count), attrs: { class: "num" } },
      { text: fmt.count(o.units), attrs: { class: "num" } },
      { text: fmt.money(o.order_total), attrs: { class: "num" } },
      o.statuses.join(", "),
    ]);
    const previous = h("button", { type: "button", class: "prev", disabled: this.page === 0, text: "← Previous" });
    const next = h("button", { type: "button", class: "next", disabled: !body.next_token, text: "Next →" });
    previous.addEventListener("click", () => { this.page -= 1; this.load(); });
    next.addEventListener("click", () => { this.page += 1; this.load(); });
    return [
      table(["Order", "Date", "Channel", "Lines", "Units", "Total", "Status"], rows, { class: "orders-table" }),
      h("nav", { class: "pager", "aria-label": "Pages" }, [
        previous, h("span", { class: "page-no", text: `Page ${this.page + 1}` }), next,
      ]),
    ];
  }
}

function setLimit(select, limit) {
  const value = String(limit);
  if (![...select.options].some((o) => o.value === value)) {
    select.append(h("option", { text: value }));
  }
  select.value = value;
}
