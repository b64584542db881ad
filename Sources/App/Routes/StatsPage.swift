/// `GET /annotate/stats`: per-dataset progress and agreement (raw, Fleiss' κ, each annotator's κ against the
/// others' majority), with an inline SVG chart built in the script. For researchers (and CI tokens): it reads
/// `GET /v1/datasets` and `GET /v1/stats/agreement`.
enum StatsPage {
    static let html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <link rel="icon" href="data:,">
        <title>PrefLab · progress and agreement</title>
        <style>{{style}}</style>
        </head>
        <body>
        <header>
          <h1>Progress and agreement <a class="hint" href="/annotate">annotation page</a></h1>
          <form id="token-form" autocomplete="off">
            <label for="token">Researcher token</label>
            <input id="token" type="password" spellcheck="false" autocapitalize="off" placeholder="pl_…">
            <button type="submit">Show</button>
            <button type="button" id="forget">Forget token</button>
          </form>
        </header>
        <main>
          <p id="error" role="alert" hidden></p>
          <section id="report" hidden>
            <h2>Datasets</h2>
            <div id="chart" class="chart" aria-label="Progress and agreement per dataset"></div>
            <div class="scroll"><table id="datasets">
              <thead><tr><th scope="col">Dataset</th><th scope="col">Comparisons</th><th scope="col">Judgements</th>
              <th scope="col">Done</th><th scope="col">Raw agreement</th><th scope="col">Fleiss' κ</th><th scope="col">Items measured</th></tr></thead>
              <tbody></tbody>
            </table></div>
            <h2>Annotators against the majority of the others</h2>
            <div class="scroll"><table id="annotators">
              <thead><tr><th scope="col">Dataset</th><th scope="col">Annotator</th><th scope="col">Items</th>
              <th scope="col">Agreement</th><th scope="col">Cohen's κ</th></tr></thead>
              <tbody></tbody>
            </table></div>
          </section>
        </main>
        <script>{{script}}</script>
        </body>
        </html>

        """

    static let style = """
        :root { color-scheme: light dark; --line: #8884; --accent: #2457c5; --ok: #2e7d32; }
        * { box-sizing: border-box; }
        body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto; max-width: 72rem; padding: 1rem 1.5rem 3rem; }
        h1 { font-size: 1.4rem; margin: 0 0 .5rem; display: flex; justify-content: space-between; align-items: baseline; gap: 1rem; flex-wrap: wrap; }
        h2 { font-size: 1.1rem; margin: 1.25rem 0 .5rem; }
        header { border-bottom: 1px solid var(--line); padding-bottom: .75rem; }
        form { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
        input { font: inherit; padding: .35rem .5rem; flex: 1 1 14rem; max-width: 28rem; min-width: 0; }
        button { font: inherit; padding: .45rem .9rem; border: 1px solid var(--line); border-radius: .4rem; background: Canvas; color: CanvasText; cursor: pointer; }
        .hint { color: GrayText; font-size: .9rem; font-weight: normal; }
        #error { border: 1px solid #c62828; border-left-width: .35rem; background: #c628281a; padding: .5rem .75rem; border-radius: .3rem; }
        .scroll { overflow-x: auto; }
        table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
        th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid var(--line); white-space: nowrap; }
        td.num { text-align: right; }
        .chart svg { width: 100%; max-width: 720px; height: auto; display: block; }
        .chart text { fill: currentColor; font-size: 12px; }
        .chart .track { fill: #8882; }
        .chart .done { fill: var(--accent); }
        .chart .kappa { fill: var(--ok); }
        [hidden] { display: none !important; }
        """

    static let script = #"""
        "use strict";
        (() => {
          const TOKEN_KEY = "preflab.stats-token";
          const SVG = "http://www.w3.org/2000/svg";
          const $ = (id) => document.getElementById(id);
          let token = "";
          let lastRows = null;

          function storage() { try { return window.localStorage; } catch { return null; } }
          function showError(text) { $("error").textContent = text; $("error").hidden = !text; }
          const fmt = (x, digits = 2) => (x === null || x === undefined) ? "–" : Number(x).toFixed(digits);
          const name = (d) => d === null || d === undefined ? "(none)" : d;

          async function get(path) {
            const response = await fetch(path, { headers: { "Authorization": `Bearer ${token}`, "Accept": "application/json" },
                                                  cache: "no-store", credentials: "omit", referrerPolicy: "no-referrer" });
            if (!response.ok) {
              let detail = "";
              try { const body = await response.json(); detail = body.detail ? `: ${body.detail}` : ""; } catch { /* none */ }
              throw new Error(`${response.status}${detail}`);
            }
            return response.json();
          }

          function row(cells) {
            const tr = document.createElement("tr");
            for (const [text, numeric] of cells) {
              const td = document.createElement("td");
              td.textContent = text;
              if (numeric) td.className = "num";
              tr.appendChild(td);
            }
            return tr;
          }

          function svg(tag, attributes, text) {
            const node = document.createElementNS(SVG, tag);
            for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
            if (text !== undefined) node.textContent = text;
            return node;
          }

          // Per dataset: a bar for the share of judgements done and one for Fleiss' κ (0–1; below 0 shows empty).
          function chart(rows) {
            // Drawn at the width it is shown at, so its 12px text stays 12px on a phone.
            const width = Math.max(300, Math.min(720, $("chart").clientWidth || 720));
            const label = width < 480 ? 70 : 150, bar = 12, gap = 10, group = bar * 2 + gap + 6;
            const height = Math.max(1, rows.length) * group + 28;
            const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img" });
            root.appendChild(svg("title", {}, "Judgements done and Fleiss' kappa per dataset"));
            const span = width - label - 90;
            rows.forEach((r, i) => {
              const y = 8 + i * group;
              root.appendChild(svg("text", { x: 0, y: y + bar + 4 }, name(r.dataset)));
              const done = r.judgements_required ? r.judgements_done / r.judgements_required : 0;
              const kappa = r.fleiss_kappa === null || r.fleiss_kappa === undefined ? null : Math.max(0, Math.min(1, r.fleiss_kappa));
              for (const [offset, value, cls, text] of [[0, done, "done", `${Math.round(done * 100)}% done`],
                                                         [bar + 2, kappa, "kappa", kappa === null ? "κ –" : `κ ${fmt(r.fleiss_kappa)}`]]) {
                root.appendChild(svg("rect", { x: label, y: y + offset, width: span, height: bar, class: "track" }));
                if (value !== null) root.appendChild(svg("rect", { x: label, y: y + offset, width: Math.max(0, value * span), height: bar, class: cls }));
                root.appendChild(svg("text", { x: label + span + 6, y: y + offset + bar - 2 }, text));
              }
            });
            root.appendChild(svg("text", { x: label, y: height - 4 }, "blue: judgements done · green: Fleiss' κ"));
            $("chart").replaceChildren(root);
          }

          async function load() {
            showError("");
            try {
              const [datasets, agreement] = await Promise.all([get("/v1/datasets"), get("/v1/stats/agreement")]);
              const byDataset = new Map((agreement.items || []).map((a) => [a.dataset ?? null, a]));
              const rows = (datasets.items || []).map((d) => Object.assign({}, byDataset.get(d.dataset ?? null) || {}, d));
              const body = $("datasets").tBodies[0];
              body.replaceChildren(...rows.map((r) => row([
                [name(r.dataset)], [String(r.comparisons), true], [`${r.judgements_done} / ${r.judgements_required}`, true],
                [`${Math.round(100 * (r.judgements_required ? r.judgements_done / r.judgements_required : 0))}%`, true],
                [fmt(r.raw_agreement), true], [fmt(r.fleiss_kappa), true], [String(r.items ?? 0), true]])));
              const annotators = [];
              for (const a of agreement.items || []) {
                for (const p of a.annotators || []) annotators.push(row([[name(a.dataset)], [p.annotator], [String(p.items), true],
                                                                         [fmt(p.agreement), true], [fmt(p.kappa), true]]));
              }
              $("annotators").tBodies[0].replaceChildren(...annotators);
              $("report").hidden = false;
              lastRows = rows;
              chart(rows);
            } catch (error) {
              $("report").hidden = true;
              showError(`Could not load the report: ${error.message}`);
            }
          }

          $("token-form").addEventListener("submit", (event) => {
            event.preventDefault();
            token = $("token").value.trim();
            if (token) storage()?.setItem(TOKEN_KEY, token);
            load();
          });
          $("forget").addEventListener("click", () => {
            storage()?.removeItem(TOKEN_KEY);
            token = "";
            $("token").value = "";
            $("report").hidden = true;
          });
          window.addEventListener("resize", () => { if (lastRows && !$("report").hidden) chart(lastRows); });
          token = storage()?.getItem(TOKEN_KEY) || "";
          $("token").value = token;
          if (token) load();
        })();
        """#
}
