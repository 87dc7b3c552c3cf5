// A channel canvas's markdown, rendered into DOM nodes (never through innerHTML): # headings,
// paragraphs, - lists nested by indentation with [ ] / [x] checkboxes, > quotes, | tables |,
// --- rules; inline **bold**, _italic_, `code`, ![](@U…) / ![](#C…) mentions and \-escapes.
// Anything else (links included) shows as the text it is.
"use strict";

const CanvasMd = (() => {
  function make(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  const INLINE = new RegExp(
    [
      "\\\\([\\\\`*_~#\\[\\]|<>!(){}.+\\-])", // an escaped character, shown as itself
      "!\\[\\]\\(([@#])([A-Z0-9]+)\\)", // a mention of a person or a channel
      "`([^`\\n]+)`", // code
      "\\*\\*(.+?)\\*\\*", // bold
      "(?<![\\w\\\\])_(?!\\s)(.+?)(?<!\\\\)_(?!\\w)", // italic
    ].join("|"),
    "g",
  );

  function inline(text, dir, parent) {
    let last = 0;
    for (const match of text.matchAll(INLINE)) {
      if (match.index > last) parent.append(text.slice(last, match.index));
      if (match[1] !== undefined) parent.append(match[1]);
      else if (match[2] === "@") parent.append(make("span", "mention", "@" + dir.userName(match[3])));
      else if (match[2] === "#") {
        parent.append(make("span", "mention channel", "#" + dir.channelName(match[3])));
      } else if (match[4] !== undefined) parent.append(make("code", "", match[4]));
      else if (match[5] !== undefined) inline(match[5], dir, parent.appendChild(make("b")));
      else inline(match[6], dir, parent.appendChild(make("i")));
      last = match.index + match[0].length;
    }
    if (last < text.length) parent.append(text.slice(last));
    return parent;
  }

  const cells = (line) => line.trim().replace(/^\|/, "").replace(/(?<!\\)\|$/, "").split(/(?<!\\)\|/)
    .map((cell) => cell.trim());

  function table(rows, dir) {
    const node = make("table", "canvas-table");
    rows.forEach((row, index) => {
      if (index === 1 && /^\|?(\s*:?-+:?\s*\|)+\s*:?-*:?\s*$/.test(row)) return; // the separator
      const tr = (index === 0 ? node.appendChild(make("thead")) : node.tBodies[0]
        || node.appendChild(make("tbody"))).appendChild(make("tr"));
      for (const cell of cells(row)) inline(cell, dir, tr.appendChild(make(index ? "td" : "th")));
    });
    return node;
  }

  const ITEM = /^(\s*)- (?:\[( |x)\] )?(.*)$/;

  function list(items, dir) {
    // items: [indent, checked or undefined, text]; a deeper indent nests under the item above.
    const root = make("ul", "canvas-list");
    const stack = [{ indent: items[0][0], node: root, item: null }];
    for (const [indent, checked, text] of items) {
      while (stack.length > 1 && stack[stack.length - 1].indent > indent) stack.pop();
      let level = stack[stack.length - 1];
      if (indent > level.indent && level.item) {
        level = { indent, node: level.item.appendChild(make("ul", "canvas-list")), item: null };
        stack.push(level);
      }
      const item = level.node.appendChild(make("li"));
      if (checked !== undefined) {
        const box = item.appendChild(make("input"));
        box.type = "checkbox";
        box.disabled = true;
        box.checked = checked === "x";
        item.classList.add("task");
      }
      inline(text, dir, item);
      level.item = item;
    }
    return root;
  }

  /** Render canvas markdown into a new element. */
  function render(markdown, dir) {
    const root = make("div", "canvas-doc");
    const lines = String(markdown || "").split("\n");
    for (let i = 0; i < lines.length; ) {
      const line = lines[i];
      const heading = line.match(/^(#{1,3}) (.*)$/);
      if (heading) {
        inline(heading[2], dir, root.appendChild(make("h" + heading[1].length)));
        i += 1;
      } else if (/^---+\s*$/.test(line)) {
        root.append(make("hr"));
        i += 1;
      } else if (line.startsWith("|")) {
        const rows = [];
        while (i < lines.length && lines[i].startsWith("|")) rows.push(lines[i++]);
        root.append(table(rows, dir));
      } else if (ITEM.test(line)) {
        const items = [];
        for (let m; i < lines.length && (m = lines[i].match(ITEM)); i += 1) {
          items.push([m[1].length, m[2], m[3]]);
        }
        root.append(list(items, dir));
      } else if (line.startsWith("> ")) {
        const quote = root.appendChild(make("blockquote"));
        while (i < lines.length && lines[i].startsWith("> ")) {
          if (quote.childNodes.length) quote.append(make("br"));
          inline(lines[i++].slice(2), dir, quote);
        }
      } else if (line.trim()) {
        inline(line, dir, root.appendChild(make("p")));
        i += 1;
      } else {
        i += 1;
      }
    }
    return root;
  }

  return { render, inline };
})();
