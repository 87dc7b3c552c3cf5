// Slack's mrkdwn, rendered into DOM nodes (never through innerHTML): *bold*, _italic_,
// ~strike~, `code`, ```blocks```, > quotes, bullet and numbered lists, <links|text>,
// <@U…> and <#C…> mentions, <!here>, <!date^…|fallback>, :emoji:, and Slack's &amp; &lt; &gt;.
"use strict";

const Mrkdwn = (() => {
  const EMOJI = {
    white_check_mark: "✅", warning: "⚠️", rotating_light: "🚨", hourglass: "⏳",
    classical_building: "🏛️", ballot_box_with_ballot: "🗳️", zzz: "💤", spiral_note_pad: "🗒️",
    sparkles: "✨", red_circle: "🔴", large_yellow_circle: "🟡", large_green_circle: "🟢",
    information_source: "ℹ️", inbox_tray: "📥", file_cabinet: "🗄️", eyes: "👀",
    bar_chart: "📊", back: "🔙", arrows_counterclockwise: "🔄", arrow_right: "➡️",
    alarm_clock: "⏰", x: "❌", bell: "🔔", memo: "📝", calendar: "📅", tada: "🎉",
    arrow_up: "⬆️", arrow_down: "⬇️", heavy_check_mark: "✔️", no_entry: "⛔",
    busts_in_silhouette: "👥", bust_in_silhouette: "👤", mag: "🔍", link: "🔗", pushpin: "📌",
    thumbsup: "👍", "+1": "👍", "-1": "👎", fire: "🔥", chart_with_upwards_trend: "📈",
    chart_with_downwards_trend: "📉", lock: "🔒", clipboard: "📋", date: "📅", dart: "🎯",
  };
  const INLINE = new RegExp(
    [
      "(<[^<>\\n]+>)", // links, mentions, specials
      "(`[^`\\n]+`)", // inline code
      "((?<![\\w*])\\*(?!\\s)[^*\\n]+?\\*(?![\\w*]))", // bold
      "((?<![\\w_])_(?!\\s)[^_\\n]+?_(?![\\w_]))", // italic
      "((?<![\\w~])~(?!\\s)[^~\\n]+?~(?![\\w~]))", // strike
      "(:[a-z0-9_+\\-]+:)", // emoji
    ].join("|"),
    "g",
  );

  function decode(text) {
    return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function special(inner, dir) {
    const [target, label] = splitOnce(inner, "|");
    if (target.startsWith("@")) {
      const name = label || dir.userName(target.slice(1));
      return el("span", "mention", "@" + name);
    }
    if (target.startsWith("#")) {
      const name = label || dir.channelName(target.slice(1));
      return el("span", "mention channel", "#" + name);
    }
    if (target.startsWith("!subteam^")) return el("span", "mention", "@" + (label || "team"));
    if (target.startsWith("!date^")) return el("span", "date", decode(label || target));
    if (target.startsWith("!")) {
      const word = target.slice(1).split("^")[0];
      return el("span", "mention broadcast", "@" + (label || word));
    }
    const link = el("a", "link", decode(label || target));
    link.href = decode(target);
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    return link;
  }

  function splitOnce(text, sep) {
    const at = text.indexOf(sep);
    return at < 0 ? [text, ""] : [text.slice(0, at), text.slice(at + 1)];
  }

  function inline(text, dir, parent) {
    let last = 0;
    for (const match of text.matchAll(INLINE)) {
      if (match.index > last) parent.append(decode(text.slice(last, match.index)));
      const token = match[0];
      if (match[1]) parent.append(special(token.slice(1, -1), dir));
      else if (match[2]) parent.append(el("code", "", decode(token.slice(1, -1))));
      else if (match[6]) {
        const emoji = EMOJI[token.slice(1, -1)];
        parent.append(emoji ? el("span", "emoji", emoji) : token);
      } else {
        const tag = match[3] ? "b" : match[4] ? "i" : "s";
        inline(token.slice(1, -1), dir, parent.appendChild(el(tag)));
      }
      last = match.index + token.length;
    }
    if (last < text.length) parent.append(decode(text.slice(last)));
    return parent;
  }

  const BULLET = /^\s*(?:[•◦▪\-*]|\d+[.)])\s+/;

  function lines(text, dir, parent) {
    let list = null;
    let quote = null;
    for (const line of text.split("\n")) {
      const bullet = line.match(BULLET);
      const quoted = line.match(/^(?:&gt;|>)\s?(.*)$/);
      if (bullet) {
        const ordered = /\d/.test(bullet[0]);
        if (!list || list.tagName !== (ordered ? "OL" : "UL")) {
          list = parent.appendChild(el(ordered ? "ol" : "ul"));
        }
        inline(line.slice(bullet[0].length), dir, list.appendChild(el("li")));
        quote = null;
        continue;
      }
      list = null;
      if (quoted) {
        if (!quote) quote = parent.appendChild(el("blockquote"));
        else quote.append(el("br"));
        inline(quoted[1], dir, quote);
        continue;
      }
      quote = null;
      inline(line, dir, parent.appendChild(el("div", "line")));
    }
  }

  /** Render mrkdwn text into a new element. */
  function render(text, dir, tag = "div") {
    const root = el(tag, "mrkdwn");
    const parts = String(text || "").split("```");
    parts.forEach((part, index) => {
      if (index % 2 === 1) root.append(el("pre", "", decode(part.replace(/^\n/, ""))));
      else if (part) lines(part, dir, root);
    });
    return root;
  }

  /** Plain text: emoji codes become emoji, nothing else is interpreted. */
  function plain(text, emoji = true, tag = "span") {
    const node = el(tag, "plain");
    const value = String(text || "");
    node.textContent = emoji
      ? value.replace(/:([a-z0-9_+\-]+):/g, (all, name) => EMOJI[name] || all)
      : value;
    return node;
  }

  return { render, plain, decode, emoji: (name) => EMOJI[name] };
})();
