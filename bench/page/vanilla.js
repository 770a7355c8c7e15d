// The vanilla-JS baseline: what a careful hand-written page does with the same frames. One
// Map from id to the row's cells; each message is parsed and applied to the DOM at once
// (status and version cells rewritten in place, rows inserted and removed by binary search
// over the kept sorted order). No framework, no batching: the practical lower bound.
"use strict";
(function () {
  const rows = new Map(); // id -> { device, tr, name, status, version }
  const order = []; // devices in name order
  let tbody;

  function position(d) {
    let lo = 0, hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (Bench.compare(order[mid], d) < 0) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  function render(d) {
    const tr = document.createElement("tr");
    const name = tr.insertCell(), status = tr.insertCell(), version = tr.insertCell();
    name.textContent = d.name;
    status.textContent = d.status;
    version.textContent = String(d.version);
    return { device: d, tr, name, status, version };
  }

  function init(listText) {
    const list = JSON.parse(listText);
    const table = document.createElement("table");
    table.setAttribute("aria-label", "Devices");
    table.createTHead().innerHTML = "<tr><th scope=col>Name</th><th scope=col>Status</th><th scope=col>Version</th></tr>";
    tbody = table.createTBody();
    for (const d of list.items) {
      const row = render(d);
      rows.set(d.id, row);
      order.push(d);
      tbody.appendChild(row.tr);
    }
    document.body.appendChild(table);
  }

  function apply(message) {
    if (message.type !== "event" || message.kind !== "device") return;
    const row = rows.get(message.id);
    if (message.op === "deleted") {
      if (!row || message.version <= row.device.version) return;
      order.splice(position(row.device), 1);
      row.tr.remove();
      rows.delete(message.id);
      return;
    }
    const d = message.data;
    if (row) {
      if (message.version <= row.device.version) return;
      if (d.name !== row.device.name) {
        order.splice(position(row.device), 1);
        row.name.textContent = d.name;
        const at = position(d);
        order.splice(at, 0, d);
        tbody.insertBefore(row.tr, tbody.rows[at] || null);
      } else {
        order[position(row.device)] = d;
      }
      if (d.status !== row.device.status) row.status.textContent = d.status;
      row.version.textContent = String(d.version);
      row.device = d;
    } else {
      const fresh = render(d);
      const at = position(d);
      tbody.insertBefore(fresh.tr, tbody.rows[at] || null);
      order.splice(at, 0, d);
      rows.set(d.id, fresh);
    }
  }

  function deliver(texts) {
    for (const text of texts) apply(JSON.parse(text));
  }

  Bench.run({ impl: "vanilla", init, deliver });
})();
