// The simulator's setting in the page's address: read when the page opens, written on every
// change (only what differs from the page's own setting), so that a link shares the exact view.
// Long texts go in compressed, or are left out and kept in this tab (static/js/share-link.mjs).

const INLINE_TEXT_UP_TO = 500; // characters: a longer text value goes into links compressed

export class UrlState {
  constructor(root, config, schema) {
    this.config = config;
    this.schema = schema;
    this.linkNote = root.querySelector("[data-sim-link-note]");
    this.writes = 0;
    this.written = Promise.resolve(); // resolves once the address shows the last change
    this.problem = null; // why a text in the link could not be read
    const query = new URLSearchParams(location.search);
    this.params = {}; // control or "seed" -> value as written in the link
    this.texts = {}; // NAME.z (compressed) or NAME.local (left out of the link)
    for (const [key, value] of query) {
      if (key === "seed" || key in schema) this.params[key] = value;
      const [name, form] = key.split(/\.(?=[a-z]+$)/);
      if (form && schema[name]?.kind === "text") this.texts[name] = { form: "." + form, value };
    }
  }

  shareLink() {
    this.shareLinkModule ??= import(new URL(this.config.shareLink, document.baseURI).href);
    return this.shareLinkModule;
  }

  // Long texts in the link: decompressed, or read back from this tab where the link left them
  // out; returns the names this tab no longer holds.
  async readTexts() {
    if (Object.keys(this.texts).length === 0) return [];
    const { COMPRESSED, LEFT_OUT, decompress, kept } = await this.shareLink();
    const missing = [];
    for (const [name, { form, value }] of Object.entries(this.texts)) {
      if (form === COMPRESSED) {
        try {
          this.params[name] = await decompress(value);
        } catch {
          this.problem = `${this.schema[name].label} (${name}) is damaged in this link and could not be read`;
        }
      } else if (form === LEFT_OUT) {
        const text = kept(this.config.name, name);
        if (text === null) missing.push(name);
        else this.params[name] = text;
      }
    }
    return missing;
  }

  // Under the actions: which texts links to this view leave out, or which this link lacked.
  showLinkNote(names, opened = false) {
    this.linkNote.hidden = names.length === 0;
    if (names.length === 0) return;
    const labels = names.map((name) => this.schema[name].label).join(" and ");
    const [it, is] = names.length === 1 ? ["it", "is"] : ["them", "are"];
    this.linkNote.textContent = opened
      ? `This link was made with ${labels} too long to fit in a link, and ${is === "is" ? "it is" : "they are"} not kept in this browser, so the example text is shown instead.`
      : `${labels} ${is} too long for a link even compressed, so links to this view leave ${it} out (the page they open says so). This tab keeps ${it}: a reload does not lose ${it}.`;
  }

  write({ params, seed }) {
    const query = new URLSearchParams(location.search);
    const long = {};
    for (const [name, value] of Object.entries(params)) {
      for (const key of [...query.keys()]) if (key.startsWith(name + ".")) query.delete(key);
      if (String(value) === String(this.config.defaults[name])) query.delete(name);
      else if (this.schema[name].kind === "text" && String(value).length > INLINE_TEXT_UP_TO) {
        query.delete(name);
        long[name] = String(value);
      } else query.set(name, String(value));
    }
    if (seed === this.config.seed) query.delete("seed");
    else query.set("seed", String(seed));
    const write = ++this.writes;
    const replace = (fitted, leftOut) => {
      if (write !== this.writes) return; // a later change has written its own
      const search = fitted.toString();
      history.replaceState(null, "", location.pathname + (search ? "?" + search : "") + location.hash);
      this.showLinkNote(leftOut);
    };
    if (Object.keys(long).length === 0) {
      replace(query, []);
      this.written = Promise.resolve();
      return;
    }
    this.written = this.shareLink()
      .then(({ fitInLink }) => fitInLink(query, long, this.config.name, location.origin + location.pathname + location.hash))
      .then(({ query: fitted, leftOut }) => replace(fitted, leftOut))
      .catch(() => { // no CompressionStream: the text goes in as it is
        for (const [name, value] of Object.entries(long)) query.set(name, value);
        replace(query, []);
      });
  }

  // Whether the page was opened at this simulator (a link to #simulator, or to a part of it).
  pointsAt(root) {
    const id = decodeURIComponent(location.hash.slice(1));
    const target = id && document.getElementById(id);
    return Boolean(target) && (root.contains(target) || target.contains(root));
  }
}
