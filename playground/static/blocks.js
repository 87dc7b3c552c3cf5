// Block Kit, rendered the way Slack shows it: layout blocks (header, section, fields, context,
// divider, actions, image, rich text, input) and their elements (buttons with styles and
// confirm dialogs, selects, overflow menus, pickers, radio buttons, checkboxes, text inputs).
// Inputs are read back with Blocks.values(root), the way Slack builds view.state.
"use strict";

const Blocks = (() => {
  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };

  function text(obj, ctx, tag = "div") {
    if (!obj) return el(tag);
    if (obj.type === "mrkdwn") return Mrkdwn.render(obj.text, ctx.dir, tag);
    return Mrkdwn.plain(obj.text, obj.emoji !== false, tag);
  }

  const plainText = (obj) => (obj && obj.text) || "";

  // ----- images: local ones are shown; the playground fetches nothing from the network ----

  function image(url, alt, className) {
    if (/^(data:|\/|blob:)/.test(url || "")) {
      const img = el("img", className);
      img.src = url;
      img.alt = alt || "";
      return img;
    }
    const box = el("span", className + " offline", "🖼 " + (alt || "image"));
    box.title = "Not loaded (the playground stays offline): " + (url || "");
    return box;
  }

  // ----- elements --------------------------------------------------------------------------

  function options(element) {
    const flat = [...(element.options || [])];
    for (const group of element.option_groups || []) flat.push(...(group.options || []));
    return flat;
  }

  function selectBox(element, ctx, choices, initial, multiple) {
    const select = el("select", "bk-select");
    select.multiple = !!multiple;
    if (!multiple) {
      const none = el("option", "", plainText(element.placeholder) || "Select…");
      none.value = "";
      select.append(none);
    }
    for (const [value, label, group] of choices) {
      const option = el("option", "", label);
      option.value = value;
      option.dataset.group = group || "";
      option.selected = initial.includes(value);
      select.append(option);
    }
    return select;
  }

  function choicesOf(element, ctx) {
    const kind = element.type;
    if (kind.includes("users_select")) {
      return ctx.dir.people.map((p) => [p.id, `${p.real_name} (@${p.name})`]);
    }
    if (kind.includes("conversations_select") || kind.includes("channels_select")) {
      return ctx.dir.channels.map((c) => [c.id, "#" + c.name]);
    }
    return options(element).map((o) => [o.value, plainText(o.text)]);
  }

  function initialOf(element) {
    const kind = element.type;
    const one = (v) => (v === undefined || v === null ? [] : [v]);
    if (kind.includes("users_select")) return element.initial_users || one(element.initial_user);
    if (kind.includes("conversations")) {
      return element.initial_conversations || one(element.initial_conversation);
    }
    if (kind.includes("channels")) return element.initial_channels || one(element.initial_channel);
    if (element.initial_options) return element.initial_options.map((o) => o.value);
    return element.initial_option ? [element.initial_option.value] : [];
  }

  function choiceList(element, kind) {
    const box = el("div", "bk-choices " + kind);
    const initial = initialOf(element);
    const name = "c" + Math.random().toString(36).slice(2);
    for (const option of options(element)) {
      const label = el("label", "bk-choice");
      const input = el("input");
      input.type = kind === "radio_buttons" ? "radio" : "checkbox";
      input.name = name;
      input.value = option.value;
      input.checked = initial.includes(option.value);
      label.append(input, Mrkdwn.plain(plainText(option.text)));
      if (option.description) label.append(el("small", "muted", plainText(option.description)));
      box.append(label);
    }
    return box;
  }

  function textInput(element) {
    const kinds = { email_text_input: "email", url_text_input: "url", number_input: "number" };
    const input = element.multiline ? el("textarea", "bk-text") : el("input", "bk-text");
    if (!element.multiline) input.type = kinds[element.type] || "text";
    if (element.initial_value !== undefined) input.value = element.initial_value;
    input.placeholder = plainText(element.placeholder);
    if (element.max_length) input.maxLength = element.max_length;
    if (element.min_length) input.minLength = element.min_length;
    return input;
  }

  function button(element, block, ctx) {
    const node = el("button", "bk-button " + (element.style || ""));
    node.type = "button";
    node.append(Mrkdwn.plain(plainText(element.text)));
    node.addEventListener("click", () => {
      if (element.url) window.open(element.url, "_blank", "noopener");
      ctx.act(block, element, element.value, element.confirm);
    });
    return node;
  }

  function overflow(element, block, ctx) {
    const wrap = el("span", "bk-overflow");
    const toggle = el("button", "bk-button", "⋯");
    toggle.type = "button";
    const menu = el("div", "bk-menu");
    menu.hidden = true;
    for (const option of options(element)) {
      const item = el("button", "bk-menu-item", plainText(option.text));
      item.type = "button";
      item.addEventListener("click", () => {
        menu.hidden = true;
        ctx.act(block, element, option.value, element.confirm);
      });
      menu.append(item);
    }
    toggle.addEventListener("click", () => (menu.hidden = !menu.hidden));
    wrap.append(toggle, menu);
    return wrap;
  }

  /** One interactive element; `inInput` elements only hold a value until the form is sent. */
  function element(element, block, ctx, inInput) {
    const kind = element.type;
    let node;
    if (kind === "button") return button(element, block, ctx);
    if (kind === "overflow") return overflow(element, block, ctx);
    if (kind === "image") return image(element.image_url, element.alt_text, "bk-thumb");
    if (kind.endsWith("select")) {
      const multiple = kind.startsWith("multi_");
      node = selectBox(element, ctx, choicesOf(element, ctx), initialOf(element), multiple);
    } else if (kind === "radio_buttons" || kind === "checkboxes") {
      node = choiceList(element, kind);
    } else if (kind === "datepicker" || kind === "timepicker") {
      node = el("input", "bk-text");
      node.type = kind === "datepicker" ? "date" : "time";
      node.value = element.initial_date || element.initial_time || "";
    } else if (kind.endsWith("_input")) {
      node = textInput(element);
    } else {
      return el("span", "muted", `[${kind}]`);
    }
    node.classList.add("bk-element");
    node.dataset.kind = kind;
    node.dataset.actionId = element.action_id || "";
    if (!inInput || block.dispatch_action) {
      node.addEventListener("change", () => ctx.act(block, element, readValue(node)));
    }
    return node;
  }

  function readValue(node) {
    const kind = node.dataset.kind;
    if (kind === "radio_buttons") {
      const checked = node.querySelector("input:checked");
      return checked ? checked.value : null;
    }
    if (kind === "checkboxes") {
      return [...node.querySelectorAll("input:checked")].map((i) => i.value);
    }
    if (node.multiple) return [...node.selectedOptions].map((o) => o.value);
    return node.value === "" ? null : node.value;
  }

  // ----- blocks ----------------------------------------------------------------------------

  const BLOCKS = {
    header: (b, ctx) => el("h3", "bk-header", "").appendChild(text(b.text, ctx, "span")).parentNode,
    divider: () => el("hr", "bk-divider"),
    image: (b) => {
      const figure = el("figure", "bk-image");
      if (b.title) figure.append(el("figcaption", "", plainText(b.title)));
      figure.append(image(b.image_url, b.alt_text, "bk-picture"));
      return figure;
    },
    context: (b, ctx) => {
      const row = el("div", "bk-context");
      for (const item of b.elements || []) {
        row.append(item.type === "image" ? image(item.image_url, item.alt_text, "bk-icon")
          : text(item, ctx, "span"));
      }
      return row;
    },
    section: (b, ctx) => {
      const row = el("div", "bk-section");
      const body = row.appendChild(el("div", "bk-section-body"));
      if (b.text) body.append(text(b.text, ctx));
      if (b.fields) {
        const grid = body.appendChild(el("div", "bk-fields"));
        for (const field of b.fields) grid.append(text(field, ctx));
      }
      if (b.accessory) {
        row.appendChild(el("div", "bk-accessory")).append(element(b.accessory, b, ctx, false));
      }
      return row;
    },
    actions: (b, ctx) => {
      const row = el("div", "bk-actions");
      for (const item of b.elements || []) row.append(element(item, b, ctx, false));
      return row;
    },
    input: (b, ctx) => {
      const wrap = el("div", "bk-input");
      wrap.dataset.blockId = b.block_id;
      wrap.dataset.optional = b.optional ? "1" : "";
      wrap.dataset.label = plainText(b.label);
      const label = wrap.appendChild(el("label", "bk-label"));
      label.append(Mrkdwn.plain(plainText(b.label)));
      if (b.optional) label.append(el("span", "muted", " (optional)"));
      wrap.append(element(b.element || {}, b, ctx, true));
      if (b.hint) wrap.append(el("div", "bk-hint", plainText(b.hint)));
      wrap.append(el("div", "bk-error"));
      return wrap;
    },
    rich_text: (b, ctx) => RichText.render(b, ctx),
  };

  /** Render a list of blocks into a container element. */
  function render(blocks, ctx) {
    const root = el("div", "blocks");
    for (const block of blocks || []) {
      const make = BLOCKS[block.type];
      const node = make ? make(block, ctx) : el("div", "muted", `[${block.type} block]`);
      node.dataset.blockId = block.block_id || "";
      node.classList.add("bk");
      root.append(node);
    }
    return root;
  }

  /** What a form's inputs hold, by block_id (Slack builds view.state from the same). */
  function values(root) {
    const found = {};
    for (const wrap of root.querySelectorAll(".bk-input")) {
      const node = wrap.querySelector(".bk-element");
      if (node) found[wrap.dataset.blockId] = readValue(node);
    }
    return found;
  }

  /** Show (or clear) Slack's response_action errors and required-field notes by block_id. */
  function showErrors(root, errors) {
    for (const wrap of root.querySelectorAll(".bk-input")) {
      const message = (errors || {})[wrap.dataset.blockId] || "";
      wrap.querySelector(".bk-error").textContent = message;
      wrap.classList.toggle("has-error", !!message);
    }
  }

  /** Required inputs left empty, as Slack's client refuses to submit them. */
  function missing(root) {
    const empty = {};
    for (const [blockId, value] of Object.entries(values(root))) {
      const wrap = root.querySelector(`.bk-input[data-block-id="${CSS.escape(blockId)}"]`);
      const blank = value === null || value === "" || (Array.isArray(value) && !value.length);
      if (!wrap.dataset.optional && (blank || (typeof value === "string" && !value.trim()))) {
        empty[blockId] = "Please complete this required field.";
      }
    }
    return empty;
  }

  return { render, values, showErrors, missing, plainText, el };
})();

// Rich text: sections, lists, quotes and preformatted blocks of styled elements.
const RichText = (() => {
  const el = (tag, className, text) => Blocks.el(tag, className, text);

  function leaf(item, ctx) {
    let node;
    if (item.type === "link") {
      node = el("a", "link", item.text || item.url);
      node.href = item.url;
      node.target = "_blank";
      node.rel = "noopener noreferrer";
    } else if (item.type === "user") node = el("span", "mention", "@" + ctx.dir.userName(item.user_id));
    else if (item.type === "channel") {
      node = el("span", "mention channel", "#" + ctx.dir.channelName(item.channel_id));
    } else if (item.type === "usergroup") node = el("span", "mention", "@team");
    else if (item.type === "broadcast") node = el("span", "mention broadcast", "@" + item.range);
    else if (item.type === "emoji") node = el("span", "emoji", item.unicode
      ? String.fromCodePoint(...item.unicode.split("-").map((h) => parseInt(h, 16)))
      : Mrkdwn.emoji(item.name) || `:${item.name}:`);
    else if (item.type === "date") node = el("span", "date", item.fallback || "");
    else node = el("span", "", item.text || "");
    const style = item.style || {};
    for (const [flag, tag] of [["code", "code"], ["strike", "s"], ["italic", "i"], ["bold", "b"]]) {
      if (style[flag]) {
        const wrap = el(tag);
        wrap.append(node);
        node = wrap;
      }
    }
    return node;
  }

  function part(item, ctx) {
    if (item.type === "rich_text_list") {
      const list = el(item.style === "ordered" ? "ol" : "ul", "indent-" + (item.indent || 0));
      for (const entry of item.elements || []) list.appendChild(el("li")).append(part(entry, ctx));
      return list;
    }
    const tags = { rich_text_quote: "blockquote", rich_text_preformatted: "pre" };
    const node = el(tags[item.type] || "div", "rt-section");
    for (const child of item.elements || []) node.append(leaf(child, ctx));
    return node;
  }

  function render(block, ctx) {
    const root = el("div", "bk-rich");
    for (const item of block.elements || []) root.append(part(item, ctx));
    return root;
  }

  return { render };
})();
