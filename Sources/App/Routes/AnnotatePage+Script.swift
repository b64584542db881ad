extension AnnotatePage {
    // Text from the API goes into the page through `textContent` (or `Markdown.render`, which builds nodes from
    // text) only, never as markup.
    static let script = #"""
        "use strict";
        (() => {
          const TOKEN_KEY = "preflab.annotator-token";
          const ITEM_KEY = "preflab.annotate.current";
          const DATASET_KEY = "preflab.annotate.dataset";
          const SEEN_KEY = "preflab.annotate.guidelines-seen.";
          const UNDO_MS = 120000;  // the page offers undo for 2 minutes; the server allows 5
          const $ = (id) => document.getElementById(id);
          const ui = {
            form: $("token-form"), token: $("token"), forget: $("forget"), count: $("count"), last: $("last"),
            remaining: $("remaining"), mine: $("mine"), picker: $("dataset-picker"), undoBar: $("undo-bar"), undo: $("undo"),
            notice: $("notice"), guidelines: $("guidelines"), guidelinesBody: $("guidelines-body"), guidelinesDataset: $("guidelines-dataset"),
            error: $("error"), loading: $("loading"), empty: $("empty"), again: $("again"), item: $("item"),
            prompt: $("prompt"), first: $("first"), second: $("second"), comparisonId: $("comparison-id"),
            dataset: $("dataset"), lease: $("lease"), rationale: $("rationale"),
            strengths: Array.from(document.querySelectorAll("input[name=strength]")),
            buttons: Array.from(document.querySelectorAll("[data-choice]")),
          };
          const state = { token: "", item: null, shownAt: 0, busy: false, judged: 0, pending: null, dataset: "",
                          saved: null, undoTimer: 0, guidelines: new Map(), parked: null };
          const CHOICE_NAMES = { first: "A is better", second: "B is better", tie: "tie", skip: "skipped" };

          function storage(kind) {
            try { return window[kind]; } catch { return null; }
          }

          function showError(text) {
            ui.error.textContent = text;
            ui.error.hidden = !text;
          }

          function setBusy(busy) {
            state.busy = busy;
            ui.item.setAttribute("aria-busy", String(busy));
            for (const button of ui.buttons) button.disabled = busy;
            ui.undo.disabled = busy;
          }

          function show(view) {
            ui.item.hidden = view !== "item";
            ui.empty.hidden = view !== "empty";
            ui.loading.hidden = view !== "loading";
          }

          async function problemText(response) {
            let detail = "";
            try {
              const body = await response.json();
              detail = body.detail || body.title || "";
              if (body.code) detail = detail ? `${detail} (${body.code})` : body.code;
            } catch { /* not a problem document */ }
            return `${response.status} ${response.statusText || ""}`.trim() + (detail ? `: ${detail}` : "");
          }

          function request(method, path, body, extraHeaders) {
            const headers = { "Authorization": `Bearer ${state.token}`, "Accept": "application/json, application/problem+json" };
            if (body !== undefined) headers["Content-Type"] = "application/json";
            Object.assign(headers, extraHeaders || {});
            return fetch(path, { method, headers, body, cache: "no-store", credentials: "omit", referrerPolicy: "no-referrer" });
          }

          function fill(node, text) {
            node.replaceChildren(Markdown.render(text));
          }

          // A conversation is shown as chat turns, each turn's text as Markdown.
          function fillPrompt(item) {
            if (!Array.isArray(item.prompt_messages) || !item.prompt_messages.length) { fill(ui.prompt, item.prompt); return; }
            const chat = document.createElement("div");
            chat.className = "chat";
            for (const message of item.prompt_messages) {
              const turn = document.createElement("div");
              const role = String(message.role);
              turn.className = "msg " + (["user", "assistant", "system"].includes(role) ? role : "other");
              const label = document.createElement("span");
              label.className = "role";
              label.textContent = role;
              const body = document.createElement("div");
              body.className = "md";
              fill(body, message.content);
              turn.append(label, body);
              chat.appendChild(turn);
            }
            ui.prompt.replaceChildren(chat);
          }

          function display(item) {
            state.item = item;
            state.pending = null;
            fillPrompt(item);
            fill(ui.first, item.first.text);
            fill(ui.second, item.second.text);
            ui.comparisonId.textContent = item.comparison_id;
            ui.dataset.textContent = item.dataset ? ` in ${item.dataset}` : "";
            ui.lease.dateTime = item.lease_expires_at;
            ui.lease.textContent = new Date(item.lease_expires_at).toLocaleTimeString();
            ui.rationale.value = "";
            for (const input of ui.strengths) input.checked = false;
            show("item");
            setBusy(false);
            state.shownAt = performance.now();
            storage("sessionStorage")?.setItem(ITEM_KEY, JSON.stringify(item));
            showGuidelines(item.dataset || state.dataset);
          }

          function restore() {
            try {
              const item = JSON.parse(storage("sessionStorage")?.getItem(ITEM_KEY) || "null");
              if (item && Date.parse(item.lease_expires_at) > Date.now() + 5000) return item;
            } catch { /* ignore */ }
            return null;
          }

          function forgetItem() {
            state.item = null;
            storage("sessionStorage")?.removeItem(ITEM_KEY);
          }

          async function showGuidelines(dataset) {
            if (!dataset) { ui.guidelines.hidden = true; return; }
            if (!state.guidelines.has(dataset)) {
              let found = null;
              try {
                const response = await request("GET", `/v1/datasets/${encodeURIComponent(dataset)}/guidelines`);
                if (response.ok) found = await response.json();
              } catch { /* shown without guidelines */ }
              state.guidelines.set(dataset, found);
            }
            const guidelines = state.guidelines.get(dataset);
            if (!guidelines || !guidelines.markdown.trim()) { ui.guidelines.hidden = true; return; }
            if (ui.guidelines.dataset.shown !== dataset) {
              fill(ui.guidelinesBody, guidelines.markdown);
              ui.guidelinesDataset.textContent = ` for ${dataset}`;
              ui.guidelines.dataset.shown = dataset;
              // Open the first time these guidelines (this version) are met in this browser.
              const seen = SEEN_KEY + dataset;
              ui.guidelines.open = storage("localStorage")?.getItem(seen) !== guidelines.updated_at;
              storage("localStorage")?.setItem(seen, guidelines.updated_at);
            }
            ui.guidelines.hidden = false;
          }

          async function loadDatasets() {
            try {
              const response = await request("GET", "/v1/datasets");
              if (!response.ok) return;
              const items = (await response.json()).items || [];
              const named = items.filter((d) => d.dataset !== null && d.dataset !== undefined);
              const options = [new Option("All datasets", "")];
              for (const d of named) options.push(new Option(`${d.dataset} (${d.remaining} left)`, d.dataset));
              ui.picker.replaceChildren(...options);
              if (state.dataset && !named.some((d) => d.dataset === state.dataset)) state.dataset = "";
              ui.picker.value = state.dataset;
              ui.picker.disabled = false;
              const chosen = state.dataset ? items.filter((d) => d.dataset === state.dataset) : items;
              ui.remaining.textContent = String(chosen.reduce((n, d) => n + d.remaining, 0));
              ui.mine.textContent = String(chosen.reduce((n, d) => n + (d.judged_by_me || 0), 0));
            } catch { /* the counts stay as they were */ }
          }

          async function loadNext() {
            if (!state.token) {
              showError("Enter your annotator token to start.");
              ui.token.focus();
              return;
            }
            forgetItem();
            setBusy(true);
            show("loading");
            try {
              const query = state.dataset ? `?dataset=${encodeURIComponent(state.dataset)}` : "";
              const response = await request("GET", "/v1/queue/next" + query);
              if (response.status === 204) {
                show("empty");
                showGuidelines(state.dataset);
                ui.again.focus();
                return;
              }
              if (!response.ok) {
                show("none");
                showError(await problemText(response));
                if (response.status === 401 || response.status === 403) ui.token.focus();
                return;
              }
              display(await response.json());
            } catch (error) {
              show("none");
              showError(`Could not reach the server: ${error.message}`);
            } finally {
              setBusy(false);
              loadDatasets();
            }
          }

          // The next comparison: one set aside by an undo while its lease lasts, else the queue's.
          async function showNext() {
            const parked = state.parked;
            state.parked = null;
            if (parked && Date.parse(parked.lease_expires_at) > Date.now() + 5000) {
              display(parked);
              loadDatasets();
              return;
            }
            await loadNext();
          }

          function offerUndo(saved) {
            state.saved = saved;
            ui.last.textContent = `Saved ${saved.comparison}: ${saved.what}.`;
            ui.undoBar.hidden = false;
            clearTimeout(state.undoTimer);
            state.undoTimer = setTimeout(() => { ui.undoBar.hidden = true; state.saved = null; }, UNDO_MS);
          }

          async function undo() {
            const saved = state.saved;
            if (!saved || state.busy) return;
            setBusy(true);
            try {
              const response = await request("POST", `/v1/preferences/${encodeURIComponent(saved.id)}/undo`);
              if (response.status === 201) {
                const body = await response.json();
                // The comparison on screen keeps its lease: it comes back once the undone one is judged again.
                if (state.item && !ui.item.hidden && state.item.comparison_id !== body.item.comparison_id) state.parked = state.item;
                state.saved = null;
                clearTimeout(state.undoTimer);
                ui.undoBar.hidden = true;
                state.judged = Math.max(0, state.judged - 1);
                ui.count.textContent = String(state.judged);
                ui.notice.textContent = `Undone: ${saved.comparison} is back for a new judgement.`;
                showError("");
                display(body.item);
                loadDatasets();
                return;
              }
              showError(await problemText(response));
            } catch (error) {
              showError(`Could not reach the server: ${error.message}`);
            }
            setBusy(false);
          }

          async function judge(which) {
            const item = state.item;
            if (!item || state.busy || ui.item.hidden) return;
            const choice = which === "first" ? item.first.side : which === "second" ? item.second.side : which;
            const strength = ui.strengths.find((input) => input.checked)?.value;
            const rationale = ui.rationale.value.trim();
            const body = { comparison_id: item.comparison_id, choice, shown_first: item.shown_first };
            if (strength && (choice === "a" || choice === "b")) body.strength = Number(strength);
            if (rationale) body.rationale = rationale;
            // A retry after a failure resends the identical body under the same key, so a
            // judgement the server did store is not stored twice.
            const signature = JSON.stringify(body);
            if (!state.pending || state.pending.signature !== signature) {
              body.time_spent_ms = Math.min(86400000, Math.max(0, Math.round(performance.now() - state.shownAt)));
              state.pending = {
                signature,
                key: `annotate-${item.comparison_id}-${choice}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`,
                body: JSON.stringify(body),
              };
            }
            const pending = state.pending;
            setBusy(true);
            try {
              const response = await request("POST", "/v1/preferences", pending.body, { "Idempotency-Key": pending.key });
              if (response.status === 201) {
                const stored = await response.json();
                state.judged += 1;
                ui.count.textContent = String(state.judged);
                ui.notice.textContent = "";
                offerUndo({ id: stored.id, comparison: item.comparison_id, what: CHOICE_NAMES[which] });
                showError("");
                await showNext();
                return;
              }
              const text = await problemText(response);
              if (response.status === 409) {
                // Already judged or complete elsewhere: nothing to retry, move on.
                ui.notice.textContent = `Not saved: ${text}`;
                await showNext();
                return;
              }
              showError(text);
            } catch (error) {
              showError(`Could not reach the server (your judgement was not confirmed; press the key again to retry): ${error.message}`);
            }
            setBusy(false);
          }

          function start() {
            showError("");
            loadDatasets().then(() => {
              const saved = restore();
              if (saved && (!state.dataset || saved.dataset === state.dataset)) display(saved); else loadNext();
            });
          }

          ui.form.addEventListener("submit", (event) => {
            event.preventDefault();
            const token = ui.token.value.trim();
            if (token !== state.token) forgetItem();
            state.token = token;
            if (token) storage("localStorage")?.setItem(TOKEN_KEY, token);
            ui.token.blur();
            start();
          });

          ui.forget.addEventListener("click", () => {
            for (const key of [TOKEN_KEY, DATASET_KEY]) storage("localStorage")?.removeItem(key);
            for (let i = (storage("localStorage")?.length || 0) - 1; i >= 0; i -= 1) {
              const key = storage("localStorage").key(i);
              if (key && key.startsWith(SEEN_KEY)) storage("localStorage").removeItem(key);
            }
            forgetItem();
            state.token = "";
            ui.token.value = "";
            show("none");
            showError("");
            ui.token.focus();
          });

          // The comparison on screen stays if it belongs to the chosen dataset: a lease left behind would keep
          // it from this annotator until it expires.
          ui.picker.addEventListener("change", () => {
            state.dataset = ui.picker.value;
            state.parked = null;
            storage("localStorage")?.setItem(DATASET_KEY, state.dataset);
            ui.picker.blur();
            if (state.item && !ui.item.hidden && (!state.dataset || state.item.dataset === state.dataset)) {
              showGuidelines(state.item.dataset || state.dataset);
              loadDatasets();
              return;
            }
            loadNext();
          });
          ui.again.addEventListener("click", () => { showError(""); loadNext(); });
          ui.undo.addEventListener("click", undo);
          for (const button of ui.buttons) button.addEventListener("click", () => judge(button.dataset.choice));

          const KEYS = { "1": "first", "a": "first", "2": "second", "b": "second", "t": "tie", "s": "skip" };
          const STRENGTH_KEYS = { "q": "1", "w": "2", "e": "3" };
          document.addEventListener("keydown", (event) => {
            if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
            const target = event.target;
            if (target === ui.rationale && event.key === "Escape") { ui.rationale.blur(); return; }
            if (event.repeat) return;
            if (target instanceof HTMLInputElement && target.type !== "radio") return;
            if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement || target?.isContentEditable) return;
            const key = (event.key || "").toLowerCase();
            if (key === "u" && state.saved) { event.preventDefault(); undo(); return; }
            if (key === "g" && !ui.guidelines.hidden) { event.preventDefault(); ui.guidelines.open = !ui.guidelines.open; return; }
            if (ui.item.hidden) return;
            if (STRENGTH_KEYS[key]) {
              event.preventDefault();
              const input = ui.strengths.find((i) => i.value === STRENGTH_KEYS[key]);
              if (input) input.checked = !input.checked;
              return;
            }
            if (key === "r") { event.preventDefault(); ui.rationale.focus(); return; }
            const which = KEYS[key];
            if (!which) return;
            event.preventDefault();
            judge(which);
          });

          state.token = storage("localStorage")?.getItem(TOKEN_KEY) || "";
          state.dataset = storage("localStorage")?.getItem(DATASET_KEY) || "";
          ui.token.value = state.token;
          if (!state.token) {
            ui.token.focus();
            return;
          }
          start();
        })();
        """#
}
