// Links that carry long text. A page's address holds its settings, but common servers refuse
// addresses near 8 KB, and a pasted set of responses can be far longer. So a long text value
// travels compressed (`NAME.z=`, deflate then base64url), and one too long even so is left out
// of the link (`NAME.local=1`, said on the page) and kept in this tab's sessionStorage, which a
// reload keeps. Loaded by static/js/sim-page.mjs only when a text value is long.

export const LINK_CAP = 8000; // characters in the whole address
export const COMPRESSED = ".z";
export const LEFT_OUT = ".local";

async function piped(bytes, stream) {
  const out = new Blob([bytes]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(out).arrayBuffer());
}

export async function compress(text) {
  const bytes = await piped(new TextEncoder().encode(text), new CompressionStream("deflate-raw"));
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export async function decompress(encoded) {
  const binary = atob(encoded.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return new TextDecoder("utf-8", { fatal: true }).decode(await piped(bytes, new DecompressionStream("deflate-raw")));
}

function storageKey(sim, name) {
  return `companion text ${location.pathname} ${sim} ${name}`;
}

function keep(sim, name, text) {
  try {
    sessionStorage.setItem(storageKey(sim, name), text);
  } catch {
    // storage full or refused: the link still says the text was left out
  }
}

export function kept(sim, name) {
  try {
    return sessionStorage.getItem(storageKey(sim, name));
  } catch {
    return null;
  }
}

// `query` holds every other setting; `texts` maps a control's name to its long value. Returns the
// query with each text compressed into it, leaving out the longest ones while the address would
// pass the cap, and the names left out.
export async function fitInLink(query, texts, sim, addressWithout) {
  const packed = Object.fromEntries(await Promise.all(Object.entries(texts).map(async ([name, text]) => [name, await compress(text)])));
  const leftOut = [];
  const length = () => addressWithout.length + 1 + query.toString().length;
  for (const [name, encoded] of Object.entries(packed)) query.set(name + COMPRESSED, encoded);
  for (const name of Object.keys(packed).sort((a, b) => packed[b].length - packed[a].length)) {
    if (length() <= LINK_CAP) break;
    query.delete(name + COMPRESSED);
    query.set(name + LEFT_OUT, "1");
    leftOut.push(name);
  }
  for (const name of leftOut) keep(sim, name, texts[name]);
  return { query, leftOut };
}
