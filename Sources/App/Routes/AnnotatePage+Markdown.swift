extension AnnotatePage {
    /// A small Markdown subset rendered into DOM nodes: fenced code blocks, `#`–`###` headings, `-`/`*` and
    /// `1.` lists, `>` quotes, paragraphs (single line breaks kept), and inline `code`, **strong**, *emphasis*
    /// and [links](https://…). Every piece of text goes in through `textContent` or a text node, never as
    /// markup, so `<script>` or `<img onerror>` in a prompt is shown as the characters it is. Links keep only
    /// http(s) and mailto targets and open in a new tab without a referrer.
    static let markdownScript = #"""
        const Markdown = (() => {
          const el = (tag, cls) => { const n = document.createElement(tag); if (cls) n.className = cls; return n; };
          const SAFE_URL = /^(https?:|mailto:)/i;
          const INLINE = /(`+)([\s\S]*?[^`])\1(?!`)|\*\*([^*\n][\s\S]*?)\*\*|__([^_\n][\s\S]*?)__|\*([^*\s][^*\n]*?)\*|\b_([^_\s][^_\n]*?)_\b|\[([^\]\n]+)\]\(([^)\s]+)\)/g;

          function inline(parent, text) {
            // A regex of its own per call: the recursion for nested emphasis must not move this one's position.
            const pattern = new RegExp(INLINE.source, "g");
            let last = 0;
            for (let m; (m = pattern.exec(text)); ) {
              if (m.index > last) parent.appendChild(document.createTextNode(text.slice(last, m.index)));
              last = pattern.lastIndex;
              if (m[1]) { const c = el("code"); c.textContent = m[2]; parent.appendChild(c); }
              else if (m[3] !== undefined || m[4] !== undefined) { const s = el("strong"); inline(s, m[3] ?? m[4]); parent.appendChild(s); }
              else if (m[5] !== undefined || m[6] !== undefined) { const e = el("em"); inline(e, m[5] ?? m[6]); parent.appendChild(e); }
              else if (m[7] !== undefined) {
                if (SAFE_URL.test(m[8])) {
                  const a = el("a"); a.href = m[8]; a.rel = "noopener noreferrer nofollow"; a.target = "_blank";
                  inline(a, m[7]); parent.appendChild(a);
                } else parent.appendChild(document.createTextNode(m[0]));
              }
            }
            if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
          }

          // Lines of one paragraph keep their breaks: prompts and answers are often line-oriented.
          function lines(parent, list) {
            list.forEach((line, i) => { if (i) parent.appendChild(el("br")); inline(parent, line); });
          }

          function render(text) {
            const root = document.createDocumentFragment();
            const all = String(text).replace(/\r\n?/g, "\n").split("\n");
            let i = 0;
            while (i < all.length) {
              const line = all[i];
              const fence = line.match(/^\s*(```|~~~)\s*([\w+#.-]*)\s*$/);
              if (fence) {
                const body = [];
                i += 1;
                while (i < all.length && !all[i].trim().startsWith(fence[1])) body.push(all[i++]);
                i += 1;
                const pre = el("pre"), code = el("code");
                if (fence[2]) code.dataset.lang = fence[2];
                code.textContent = body.join("\n");
                pre.appendChild(code);
                root.appendChild(pre);
                continue;
              }
              if (!line.trim()) { i += 1; continue; }
              const heading = line.match(/^(#{1,6})\s+(.*)$/);
              if (heading) {
                const h = el("h" + Math.min(6, heading[1].length + 3), "md-h");
                inline(h, heading[2]);
                root.appendChild(h);
                i += 1;
                continue;
              }
              const bullet = /^\s*([-*+]|\d{1,9}[.)])\s+/;
              if (bullet.test(line)) {
                const ordered = /^\s*\d/.test(line);
                const list = el(ordered ? "ol" : "ul");
                while (i < all.length && bullet.test(all[i]) && /^\s*\d/.test(all[i]) === ordered) {
                  const item = el("li");
                  inline(item, all[i].replace(bullet, ""));
                  list.appendChild(item);
                  i += 1;
                }
                root.appendChild(list);
                continue;
              }
              if (/^\s*>/.test(line)) {
                const quote = [];
                while (i < all.length && /^\s*>/.test(all[i])) quote.push(all[i++].replace(/^\s*>\s?/, ""));
                const q = el("blockquote");
                q.appendChild(render(quote.join("\n")));
                root.appendChild(q);
                continue;
              }
              // The first line is always taken, so every turn of the outer loop consumes a line.
              const para = [all[i++]];
              while (i < all.length && all[i].trim() && !/^\s*(```|~~~)/.test(all[i]) && !/^#{1,6}\s/.test(all[i])
                     && !bullet.test(all[i]) && !/^\s*>/.test(all[i])) para.push(all[i++]);
              const p = el("p");
              lines(p, para);
              root.appendChild(p);
            }
            return root;
          }

          return { render };
        })();

        """#
}
