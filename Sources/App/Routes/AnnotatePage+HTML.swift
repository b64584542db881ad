extension AnnotatePage {
    static let html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <link rel="icon" href="data:,">
        <title>PrefLab · annotate</title>
        <style>{{style}}</style>
        </head>
        <body>
        <header>
          <h1>PrefLab annotation <a class="hint nav" href="/annotate/stats">researcher view</a></h1>
          <form id="token-form" autocomplete="off">
            <label for="token">Annotator token</label>
            <input id="token" type="password" spellcheck="false" autocapitalize="off" placeholder="pl_…" aria-describedby="token-help">
            <button type="submit" id="start">Start</button>
            <button type="button" id="forget">Forget token</button>
            <span id="token-help" class="hint">Kept in this browser only (local storage).</span>
          </form>
          <div class="picker">
            <label for="dataset-picker">Dataset</label>
            <select id="dataset-picker" disabled><option value="">All datasets</option></select>
          </div>
        </header>
        <main>
          <div class="status" id="progress" role="status" aria-live="polite">
            <span>Judged this session: <strong id="count">0</strong></span>
            <span>Remaining in dataset: <strong id="remaining">–</strong></span>
            <span>My total: <strong id="mine">–</strong></span>
          </div>
          <div id="undo-bar" class="undo" hidden>
            <span id="last" aria-live="polite"></span>
            <button type="button" id="undo" aria-keyshortcuts="U">Undo <kbd>U</kbd></button>
          </div>
          <p id="notice" class="hint" aria-live="polite"></p>
          <p id="error" role="alert" hidden></p>
          <details id="guidelines" hidden>
            <summary>Guidelines<span id="guidelines-dataset"></span></summary>
            <div id="guidelines-body" class="md"></div>
          </details>
          <p id="loading" class="hint" hidden>Loading…</p>
          <section id="empty" hidden aria-labelledby="empty-heading">
            <h2 id="empty-heading">The queue is empty</h2>
            <p>There is nothing left for you to judge right now. Thank you!</p>
            <button type="button" id="again">Check again</button>
          </section>
          <section id="item" hidden aria-labelledby="prompt-heading">
            <h2 id="prompt-heading">Prompt</h2>
            <div id="prompt" class="md prompt"></div>
            <div class="pair">
              <article aria-labelledby="first-heading">
                <h3 id="first-heading">Response A <kbd>1</kbd> <kbd>A</kbd></h3>
                <div id="first" class="md"></div>
              </article>
              <article aria-labelledby="second-heading">
                <h3 id="second-heading">Response B <kbd>2</kbd> <kbd>B</kbd></h3>
                <div id="second" class="md"></div>
              </article>
            </div>
            <fieldset class="strength">
              <legend>How much better? <span class="hint">(optional, for A or B)</span></legend>
              <label><input type="radio" name="strength" value="1"> slightly <kbd>Q</kbd></label>
              <label><input type="radio" name="strength" value="2"> clearly <kbd>W</kbd></label>
              <label><input type="radio" name="strength" value="3"> much <kbd>E</kbd></label>
            </fieldset>
            <label for="rationale" class="rationale-label">Rationale <span class="hint">(optional) <kbd>R</kbd> to write, <kbd>Esc</kbd> to leave</span></label>
            <textarea id="rationale" rows="2" maxlength="10000" placeholder="Why? (optional)"></textarea>
            <div class="choices" role="group" aria-label="Your judgement">
              <button type="button" data-choice="first" aria-keyshortcuts="1 A">A is better <kbd>1</kbd>/<kbd>A</kbd></button>
              <button type="button" data-choice="second" aria-keyshortcuts="2 B">B is better <kbd>2</kbd>/<kbd>B</kbd></button>
              <button type="button" data-choice="tie" aria-keyshortcuts="T">Tie <kbd>T</kbd></button>
              <button type="button" data-choice="skip" aria-keyshortcuts="S">Skip <kbd>S</kbd></button>
            </div>
            <p class="hint meta">Comparison <code id="comparison-id"></code><span id="dataset"></span> · lease expires <time id="lease"></time></p>
          </section>
          <details id="shortcuts" class="shortcuts">
            <summary>Keyboard shortcuts</summary>
            <dl>
              <dt><kbd>1</kbd> / <kbd>A</kbd></dt><dd>the first response (A) is better</dd>
              <dt><kbd>2</kbd> / <kbd>B</kbd></dt><dd>the second response (B) is better</dd>
              <dt><kbd>T</kbd></dt><dd>tie</dd>
              <dt><kbd>S</kbd></dt><dd>skip</dd>
              <dt><kbd>Q</kbd> <kbd>W</kbd> <kbd>E</kbd></dt><dd>strength: slightly, clearly, much</dd>
              <dt><kbd>R</kbd></dt><dd>write a rationale (<kbd>Esc</kbd> leaves the field)</dd>
              <dt><kbd>U</kbd></dt><dd>undo the last judgement (for a few minutes)</dd>
              <dt><kbd>G</kbd></dt><dd>show or hide the guidelines</dd>
            </dl>
          </details>
        </main>
        <script>{{script}}</script>
        </body>
        </html>

        """

    static let style = """
        :root { color-scheme: light dark; --line: #8884; --accent: #2457c5; }
        * { box-sizing: border-box; }
        body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto; max-width: 72rem; padding: 1rem 1.5rem 3rem; }
        h1 { font-size: 1.4rem; margin: 0 0 .5rem; display: flex; justify-content: space-between; align-items: baseline; gap: 1rem; flex-wrap: wrap; }
        h2 { font-size: 1.1rem; margin: 1rem 0 .4rem; }
        h3 { font-size: 1rem; margin: 0 0 .5rem; }
        header { border-bottom: 1px solid var(--line); padding-bottom: .75rem; }
        form, .picker { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
        .picker { margin-top: .5rem; }
        input[type=password] { font: inherit; padding: .35rem .5rem; min-width: 0; flex: 1 1 14rem; max-width: 28rem; }
        select, textarea { font: inherit; padding: .35rem .5rem; max-width: 100%; }
        textarea { width: 100%; display: block; resize: vertical; margin: .25rem 0 .75rem; }
        button { font: inherit; padding: .45rem .9rem; border: 1px solid var(--line); border-radius: .4rem; background: Canvas; color: CanvasText; cursor: pointer; }
        button:hover:not(:disabled) { border-color: var(--accent); }
        button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, summary:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
        button:disabled { opacity: .5; cursor: progress; }
        .hint { color: GrayText; font-size: .9rem; margin: 0; }
        a.nav { font-size: .9rem; font-weight: normal; }
        .status { display: flex; gap: .5rem 1.5rem; align-items: baseline; flex-wrap: wrap; margin: .75rem 0 .25rem; }
        .undo { display: flex; gap: .75rem; align-items: center; flex-wrap: wrap; background: #2457c514; border-radius: .4rem; padding: .4rem .75rem; }
        #error { border: 1px solid #c62828; border-left-width: .35rem; background: #c628281a; padding: .5rem .75rem; border-radius: .3rem; }
        details { border: 1px solid var(--line); border-radius: .4rem; padding: .4rem .9rem; margin: .75rem 0; }
        summary { cursor: pointer; font-weight: 600; }
        .md { overflow-wrap: anywhere; }
        .md > :first-child { margin-top: 0; } .md > :last-child { margin-bottom: 0; }
        .md p { margin: 0 0 .6rem; }
        .md pre { background: #8882; padding: .6rem .8rem; border-radius: .3rem; overflow-x: auto; white-space: pre; font-size: .9rem; }
        .md code { font: .9em ui-monospace, SFMono-Regular, Menlo, monospace; }
        .md :not(pre) > code { background: #8882; padding: 0 .25rem; border-radius: .2rem; }
        .md blockquote { margin: 0 0 .6rem; padding-left: .8rem; border-left: .25rem solid var(--line); }
        .md ul, .md ol { margin: 0 0 .6rem; padding-left: 1.4rem; }
        .md .md-h { margin: .6rem 0 .3rem; }
        .prompt { background: #8881; padding: .75rem 1rem; border-radius: .4rem; }
        .chat { display: flex; flex-direction: column; gap: .5rem; }
        .msg { border-radius: .6rem; padding: .5rem .8rem; max-width: 90%; border: 1px solid var(--line); }
        .msg .role { display: block; font-size: .75rem; text-transform: uppercase; letter-spacing: .05em; color: GrayText; }
        .msg.user { align-self: flex-end; background: #2457c51a; }
        .msg.assistant { align-self: flex-start; background: Canvas; }
        .msg.system { align-self: stretch; max-width: 100%; background: #8881; font-size: .92rem; }
        .pair { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; margin: 1rem 0; }
        @media (max-width: 40rem) { body { padding: .75rem; } .pair { grid-template-columns: 1fr; } .choices button { flex: 1 1 40%; } }
        article { border: 1px solid var(--line); border-radius: .4rem; padding: .75rem 1rem; min-width: 0; }
        fieldset.strength { border: 0; padding: 0; margin: 0 0 .5rem; display: flex; flex-wrap: wrap; gap: .25rem 1rem; }
        fieldset.strength legend { padding: 0; margin-bottom: .25rem; font-weight: 600; }
        .rationale-label { font-weight: 600; }
        .choices { display: flex; flex-wrap: wrap; gap: .6rem; }
        .choices button { flex: 1 1 10rem; }
        kbd { font: .8rem ui-monospace, monospace; border: 1px solid var(--line); border-bottom-width: 2px; border-radius: .25rem; padding: 0 .3rem; }
        .meta { margin-top: 1rem; overflow-wrap: anywhere; }
        .shortcuts dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: .5rem 0; }
        .shortcuts dd { margin: 0; }
        #empty { text-align: center; padding: 2rem 1rem; border: 1px dashed var(--line); border-radius: .4rem; margin-top: 1rem; }
        [hidden] { display: none !important; }
        """
}
