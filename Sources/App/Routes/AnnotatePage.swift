import Crypto
import Foundation
import HTTP1
import HTTPServer

/// `GET /annotate`: the built-in annotation page. One self-contained HTML document with a
/// little JavaScript and no build step; it works the queue through the public API
/// (`GET /v1/queue/next`, `POST /v1/preferences`) with the annotator's own bearer token,
/// which it keeps in `localStorage` and never puts in a URL.
enum AnnotatePage {
    static func register(on router: inout Router) {
        let response = Self.response
        router.get("/annotate", execution: .inline) { _ in response }
    }

    /// Built once: the page never changes while the process runs.
    static let response: ServerResponse = {
        var headers: HTTPHeaders = ["Content-Type": "text/html; charset=utf-8"]
        headers.add(name: "Content-Security-Policy", value: contentSecurityPolicy)
        headers.add(name: "Cache-Control", value: "no-store")
        headers.add(name: "X-Content-Type-Options", value: "nosniff")
        headers.add(name: "Referrer-Policy", value: "no-referrer")
        return ServerResponse(headers: headers, body: .bytes(Array(html.utf8)))
    }()

    /// Scripts and styles are admitted by hash, not by `'unsafe-inline'`, so markup that
    /// ever slipped into the page could not run. Requests may go only to this origin.
    static let contentSecurityPolicy = [
        "default-src 'none'",
        "script-src 'self' '\(sha256(script))'",
        "style-src '\(sha256(style))'",
        "connect-src 'self'",
        "img-src 'self' data:",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ].joined(separator: "; ")

    static func sha256(_ text: String) -> String {
        "sha256-" + Data(SHA256.hash(data: Data(text.utf8))).base64EncodedString()
    }

    static let html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <link rel="icon" href="data:,">
        <title>PrefLab · annotate</title>
        <style>\(style)</style>
        </head>
        <body>
        <header>
          <h1>PrefLab annotation</h1>
          <form id="token-form" autocomplete="off">
            <label for="token">Annotator token</label>
            <input id="token" type="password" spellcheck="false" autocapitalize="off" placeholder="pl_…" aria-describedby="token-help">
            <button type="submit" id="start">Start</button>
            <button type="button" id="forget">Forget token</button>
            <span id="token-help" class="hint">Kept in this browser only (local storage).</span>
          </form>
        </header>
        <main>
          <div class="status">
            <p id="progress" role="status" aria-live="polite">Judged this session: <strong id="count">0</strong></p>
            <p id="last" class="hint" aria-live="polite"></p>
          </div>
          <p id="error" role="alert" hidden></p>
          <p id="loading" class="hint" hidden>Loading…</p>
          <section id="empty" hidden aria-labelledby="empty-heading">
            <h2 id="empty-heading">The queue is empty</h2>
            <p>There is nothing left for you to judge right now. Thank you!</p>
            <button type="button" id="again">Check again</button>
          </section>
          <section id="item" hidden aria-labelledby="prompt-heading">
            <h2 id="prompt-heading">Prompt</h2>
            <div id="prompt" class="text prompt"></div>
            <div class="pair">
              <article aria-labelledby="first-heading">
                <h3 id="first-heading">Response A <kbd>1</kbd> <kbd>A</kbd></h3>
                <div id="first" class="text"></div>
              </article>
              <article aria-labelledby="second-heading">
                <h3 id="second-heading">Response B <kbd>2</kbd> <kbd>B</kbd></h3>
                <div id="second" class="text"></div>
              </article>
            </div>
            <div class="choices" role="group" aria-label="Your judgement">
              <button type="button" data-choice="first" aria-keyshortcuts="1 A">A is better <kbd>1</kbd>/<kbd>A</kbd></button>
              <button type="button" data-choice="second" aria-keyshortcuts="2 B">B is better <kbd>2</kbd>/<kbd>B</kbd></button>
              <button type="button" data-choice="tie" aria-keyshortcuts="T">Tie <kbd>T</kbd></button>
              <button type="button" data-choice="skip" aria-keyshortcuts="S">Skip <kbd>S</kbd></button>
            </div>
            <p class="hint meta">Comparison <code id="comparison-id"></code><span id="dataset"></span> · lease expires <time id="lease"></time></p>
          </section>
        </main>
        <script>\(script)</script>
        </body>
        </html>

        """

    static let style = """
        :root { color-scheme: light dark; --line: #8884; --accent: #2457c5; }
        * { box-sizing: border-box; }
        body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto; max-width: 72rem; padding: 1rem 1.5rem 3rem; }
        h1 { font-size: 1.4rem; margin: 0 0 .5rem; }
        h2 { font-size: 1.1rem; margin: 1rem 0 .4rem; }
        h3 { font-size: 1rem; margin: 0 0 .5rem; }
        header { border-bottom: 1px solid var(--line); padding-bottom: .75rem; }
        form { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
        input { font: inherit; padding: .35rem .5rem; min-width: 18rem; flex: 1 1 18rem; max-width: 28rem; }
        button { font: inherit; padding: .45rem .9rem; border: 1px solid var(--line); border-radius: .4rem; background: Canvas; color: CanvasText; cursor: pointer; }
        button:hover:not(:disabled) { border-color: var(--accent); }
        button:focus-visible, input:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
        button:disabled { opacity: .5; cursor: progress; }
        .hint { color: GrayText; font-size: .9rem; margin: 0; }
        .status { display: flex; gap: 1.5rem; align-items: baseline; flex-wrap: wrap; }
        #error { border: 1px solid #c62828; border-left-width: .35rem; background: #c628281a; padding: .5rem .75rem; border-radius: .3rem; }
        .text { white-space: pre-wrap; overflow-wrap: anywhere; }
        .prompt { background: #8881; padding: .75rem 1rem; border-radius: .4rem; }
        .pair { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; margin: 1rem 0; }
        @media (max-width: 40rem) { .pair { grid-template-columns: 1fr; } }
        article { border: 1px solid var(--line); border-radius: .4rem; padding: .75rem 1rem; }
        .choices { display: flex; flex-wrap: wrap; gap: .6rem; }
        .choices button { flex: 1 1 10rem; }
        kbd { font: .8rem ui-monospace, monospace; border: 1px solid var(--line); border-bottom-width: 2px; border-radius: .25rem; padding: 0 .3rem; }
        .meta { margin-top: 1rem; }
        #empty { text-align: center; padding: 2rem 1rem; border: 1px dashed var(--line); border-radius: .4rem; margin-top: 1rem; }
        [hidden] { display: none !important; }
        """

    // Text from the API goes into the page through `textContent` only, never as markup.
    static let script = #"""
        "use strict";
        (() => {
          const TOKEN_KEY = "preflab.annotator-token";
          const ITEM_KEY = "preflab.annotate.current";
          const $ = (id) => document.getElementById(id);
          const ui = {
            form: $("token-form"), token: $("token"), forget: $("forget"), count: $("count"), last: $("last"),
            error: $("error"), loading: $("loading"), empty: $("empty"), again: $("again"), item: $("item"),
            prompt: $("prompt"), first: $("first"), second: $("second"), comparisonId: $("comparison-id"),
            dataset: $("dataset"), lease: $("lease"), buttons: Array.from(document.querySelectorAll("[data-choice]")),
          };
          const state = { token: "", item: null, shownAt: 0, busy: false, judged: 0, pending: null };
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

          function display(item) {
            state.item = item;
            state.pending = null;
            ui.prompt.textContent = item.prompt;
            ui.first.textContent = item.first.text;
            ui.second.textContent = item.second.text;
            ui.comparisonId.textContent = item.comparison_id;
            ui.dataset.textContent = item.dataset ? ` in ${item.dataset}` : "";
            ui.lease.dateTime = item.lease_expires_at;
            ui.lease.textContent = new Date(item.lease_expires_at).toLocaleTimeString();
            show("item");
            setBusy(false);
            state.shownAt = performance.now();
            storage("sessionStorage")?.setItem(ITEM_KEY, JSON.stringify(item));
          }

          // A reload keeps the comparison it had leased (the queue does not offer it twice).
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
              const response = await request("GET", "/v1/queue/next");
              if (response.status === 204) {
                show("empty");
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
            }
          }

          async function judge(which) {
            const item = state.item;
            if (!item || state.busy || ui.item.hidden) return;
            const choice = which === "first" ? item.first.side : which === "second" ? item.second.side : which;
            // A retry after a failure resends the identical body under the same key, so a
            // judgement the server did store is not stored twice.
            if (!state.pending || state.pending.choice !== choice) {
              const spent = Math.min(86400000, Math.max(0, Math.round(performance.now() - state.shownAt)));
              state.pending = {
                choice,
                key: `annotate-${item.comparison_id}-${choice}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`,
                body: JSON.stringify({ comparison_id: item.comparison_id, choice, time_spent_ms: spent, shown_first: item.shown_first }),
              };
            }
            const pending = state.pending;
            setBusy(true);
            try {
              const response = await request("POST", "/v1/preferences", pending.body, { "Idempotency-Key": pending.key });
              if (response.status === 201) {
                state.judged += 1;
                ui.count.textContent = String(state.judged);
                ui.last.textContent = `Saved ${item.comparison_id}: ${CHOICE_NAMES[which]}.`;
                showError("");
                await loadNext();
                return;
              }
              const text = await problemText(response);
              if (response.status === 409) {
                // Already judged or complete elsewhere: nothing to retry, move on.
                ui.last.textContent = `Not saved: ${text}`;
                await loadNext();
                return;
              }
              showError(text);
            } catch (error) {
              showError(`Could not reach the server (your judgement was not confirmed; press the key again to retry): ${error.message}`);
            }
            setBusy(false);
          }

          ui.form.addEventListener("submit", (event) => {
            event.preventDefault();
            const token = ui.token.value.trim();
            if (token !== state.token) forgetItem();
            state.token = token;
            if (token) storage("localStorage")?.setItem(TOKEN_KEY, token);
            showError("");
            ui.token.blur();
            loadNext();
          });

          ui.forget.addEventListener("click", () => {
            storage("localStorage")?.removeItem(TOKEN_KEY);
            forgetItem();
            state.token = "";
            ui.token.value = "";
            show("none");
            showError("");
            ui.token.focus();
          });

          ui.again.addEventListener("click", () => { showError(""); loadNext(); });
          for (const button of ui.buttons) button.addEventListener("click", () => judge(button.dataset.choice));

          const KEYS = { "1": "first", "a": "first", "2": "second", "b": "second", "t": "tie", "s": "skip" };
          document.addEventListener("keydown", (event) => {
            if (event.ctrlKey || event.metaKey || event.altKey || event.repeat || event.isComposing) return;
            const target = event.target;
            if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target?.isContentEditable) return;
            const which = KEYS[(event.key || "").toLowerCase()];
            if (!which || ui.item.hidden) return;
            event.preventDefault();
            judge(which);
          });

          state.token = storage("localStorage")?.getItem(TOKEN_KEY) || "";
          ui.token.value = state.token;
          if (!state.token) {
            ui.token.focus();
            return;
          }
          const saved = restore();
          if (saved) display(saved); else loadNext();
        })();
        """#
}
