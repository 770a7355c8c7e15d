// The bench page contract, shared by both implementations (data-farm and the vanilla-JS
// baseline) so they run the very same scenario:
//   URL parameters `scenario` (status-storm | churn | initial-load), `rows`, `events`;
//   devices {id:"d"+i, name:"device-"+i, status:"online", version:1, team_id:"t1"};
//   every message text generated before timing, delivered in chunks of 100 per macrotask
//   (a MessageChannel loop), timing until the DOM shows the final state after two animation
//   frames, then verified cell by cell against an independently computed expectation;
//   result in window.__BENCH_RESULT__ and <pre id="bench-result">.
// An implementation calls Bench.run({ impl, init(listText), deliver(texts) }): `init` renders
// the table from a list response text, `deliver` takes an array of frame texts. Nothing is
// generated or timed before the document has loaded and painted two frames.
"use strict";
(function () {
  const STATUSES = ["online", "offline", "updating", "error"];

  function settings() {
    const p = new URLSearchParams(location.search);
    const scenario = p.get("scenario") || "status-storm";
    const rows = parseInt(p.get("rows") || "1000", 10);
    const fallback = scenario === "churn" ? 2000 : scenario === "initial-load" ? 0 : 10000;
    const events = p.has("events") ? parseInt(p.get("events"), 10) : fallback;
    return { scenario, rows, events };
  }

  function device(i) {
    return { id: "d" + i, name: "device-" + i, status: "online", version: 1, team_id: "t1" };
  }

  // Name order as the protocol defines it: case-insensitive (ASCII), ties by id.
  function compare(a, b) {
    const x = a.name.toLowerCase(), y = b.name.toLowerCase();
    if (x !== y) return x < y ? -1 : 1;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  }

  function insertSorted(list, item) {
    let lo = 0, hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compare(list[mid], item) < 0) lo = mid + 1; else hi = mid;
    }
    list.splice(lo, 0, item);
  }

  function frame(seq, op, d) {
    return JSON.stringify({
      type: "event", topic: "team:t1", seq, kind: "device", op, id: d.id,
      version: d.version, data: op === "deleted" ? null : d,
    });
  }

  // The initial list text, every message text, and the table expected at the end.
  function generate({ scenario, rows, events }) {
    const initial = [];
    for (let i = 0; i < rows; i++) initial.push(device(i));
    initial.sort(compare);
    const listText = JSON.stringify({ items: initial, total: rows });
    const texts = [];
    let expected;
    if (scenario === "status-storm") {
      const current = [];
      for (let i = 0; i < rows; i++) current.push(device(i));
      for (let j = 0; j < events; j++) {
        const idx = (j * 7919) % rows;
        const next = Object.assign({}, current[idx], {
          version: current[idx].version + 1, status: STATUSES[j % 4],
        });
        current[idx] = next;
        texts.push(frame(j + 1, "updated", next));
      }
      expected = current.slice().sort(compare);
    } else if (scenario === "churn") {
      const sorted = initial.map((d) => Object.assign({}, d));
      for (let j = 0; j < events; j++) {
        if (j % 2 === 0) {
          const created = { id: "n" + j, name: "device-n" + j, status: "online", version: 1, team_id: "t1" };
          insertSorted(sorted, created);
          texts.push(frame(j + 1, "created", created));
        } else if (sorted.length > 0) {
          const first = sorted.shift();
          texts.push(frame(j + 1, "deleted", Object.assign({}, first, { version: first.version + 1 })));
        }
      }
      expected = sorted;
    } else if (scenario === "initial-load") {
      expected = initial;
    } else {
      throw new Error("unknown scenario " + scenario);
    }
    return { listText, texts, expected };
  }

  function nextFrame() {
    return new Promise((resolve) => requestAnimationFrame(() => resolve()));
  }

  async function twoFrames() {
    await nextFrame();
    await nextFrame();
  }

  function deliverInChunks(texts, deliver) {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      let at = 0;
      channel.port1.onmessage = () => {
        const end = Math.min(at + 100, texts.length);
        deliver(texts.slice(at, end));
        at = end;
        if (at < texts.length) channel.port2.postMessage(0);
        else { channel.port1.close(); resolve(); }
      };
      channel.port2.postMessage(0);
    });
  }

  // Cell by cell: every body row of the first table, (name, status, version), in order.
  function verify(expected) {
    const table = document.querySelector("table");
    if (!table) return false;
    const trs = table.querySelectorAll("tbody tr");
    if (trs.length !== expected.length) return false;
    for (let i = 0; i < trs.length; i++) {
      const cells = trs[i].cells;
      const e = expected[i];
      if (cells.length < 3) return false;
      if (cells[0].textContent.trim() !== e.name) return false;
      if (cells[1].textContent.trim() !== e.status) return false;
      if (cells[2].textContent.trim() !== String(e.version)) return false;
    }
    return true;
  }

  function observe() {
    let records = 0;
    const observer = new MutationObserver((list) => { records += list.length; });
    const target = document.querySelector("table") || document.body;
    observer.observe(target, { subtree: true, childList: true, characterData: true, attributes: true });
    return () => {
      records += observer.takeRecords().length;
      observer.disconnect();
      return records;
    };
  }

  function publish(result) {
    window.__BENCH_RESULT__ = result;
    let pre = document.getElementById("bench-result");
    if (!pre) {
      pre = document.createElement("pre");
      pre.id = "bench-result";
      document.body.appendChild(pre);
    }
    pre.textContent = JSON.stringify(result);
  }

  // Every implementation starts from the same state of the page: loaded and painted. The
  // vanilla page calls run() while the document is still being parsed and data-farm's once its
  // wasm has started, and a first layout then costs different amounts for reasons that are
  // neither's (1,000 rows: 40 ms during the parse, 60-70 ms for either page once settled).
  async function settled() {
    if (document.readyState !== "complete") {
      await new Promise((resolve) => addEventListener("load", resolve, { once: true }));
    }
    await twoFrames();
  }

  async function run(impl) {
    const s = settings();
    let result;
    try {
      await settled();
      const { listText, texts, expected } = generate(s);
      let applyMs, stop, count, phases = null;
      if (s.scenario === "initial-load") {
        stop = observe();
        const t0 = performance.now();
        await impl.init(listText);
        const built = performance.now();
        // Style and layout now, synchronously, so that they are told apart from the rest.
        void document.body.getBoundingClientRect().height;
        const laidOut = performance.now();
        await twoFrames();
        applyMs = performance.now() - t0;
        count = s.rows;
        // The implementation's own phases (window.__BENCH_PHASES__), then the harness's.
        phases = Object.assign({}, window.__BENCH_PHASES__ || {}, {
          buildMs: built - t0, layoutMs: laidOut - built, framesMs: t0 + applyMs - laidOut,
        });
      } else {
        await impl.init(listText);
        await twoFrames();
        stop = observe();
        const t0 = performance.now();
        await deliverInChunks(texts, impl.deliver);
        await twoFrames();
        applyMs = performance.now() - t0;
        count = texts.length;
      }
      const domMutations = stop();
      const ok = verify(expected);
      // Live heap only: collect first when the runner exposes gc (--js-flags=--expose-gc).
      if (typeof window.gc === "function") window.gc();
      const memory = performance.memory;
      result = {
        impl: impl.impl, scenario: s.scenario, rows: s.rows, events: s.events,
        applyMs: Math.round(applyMs * 100) / 100,
        eventsPerSec: applyMs > 0 ? Math.round((count / applyMs) * 1000) : 0,
        ok,
        heapUsedMB: memory ? Math.round((memory.usedJSHeapSize / 1048576) * 100) / 100 : null,
        domMutations,
        // Where an initial load went: build (the implementation's, split by it if it says),
        // style and layout, then paint until two frames.
        phases,
      };
    } catch (err) {
      result = {
        impl: impl.impl, scenario: s.scenario, rows: s.rows, events: s.events,
        applyMs: null, eventsPerSec: null, ok: false, heapUsedMB: null, domMutations: null,
        error: String(err && err.message || err),
      };
    }
    publish(result);
    return result;
  }

  window.Bench = { run, settings, generate, compare };
})();
