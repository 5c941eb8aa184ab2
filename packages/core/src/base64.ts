/**
 * Standard base64 (RFC 4648 §4, with `=` padding) of bytes, in plain TypeScript: no Node `Buffer`,
 * no `btoa`, so model files are read and written the same way in Node and in browsers.
 */
import { DataError } from "./errors.js";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

/** Encodes bytes as standard padded base64 (the same text as Node's `Buffer#toString('base64')`). */
export function encodeBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  const CHUNK = 3 * 4096;
  for (let start = 0; start < bytes.length; start += CHUNK) {
    const end = Math.min(bytes.length, start + CHUNK);
    const codes: number[] = [];
    let i = start;
    for (; i + 2 < end; i += 3) {
      const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
      codes.push(ALPHABET.charCodeAt(v >>> 18), ALPHABET.charCodeAt((v >>> 12) & 63), ALPHABET.charCodeAt((v >>> 6) & 63), ALPHABET.charCodeAt(v & 63));
    }
    if (i < end) {
      const rest = end - i;
      const v = (bytes[i]! << 16) | (rest === 2 ? bytes[i + 1]! << 8 : 0);
      codes.push(ALPHABET.charCodeAt(v >>> 18), ALPHABET.charCodeAt((v >>> 12) & 63), rest === 2 ? ALPHABET.charCodeAt((v >>> 6) & 63) : 61, 61);
    }
    parts.push(String.fromCharCode(...codes));
  }
  return parts.join("");
}

/**
 * Decodes standard base64 (padding optional, no whitespace). A DataError naming `where` and the
 * offset refuses any other character, so a damaged file is not read as different numbers.
 */
export function decodeBase64(text: string, where = "base64 text"): Uint8Array {
  let len = text.length;
  while (len > 0 && text.charCodeAt(len - 1) === 61) len--;
  if (text.length - len > 2 || len % 4 === 1) throw new DataError(`${where}: base64 text of length ${text.length} is truncated or over-padded`);
  const out = new Uint8Array(Math.floor((len * 3) / 4));
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? DECODE[c]! : -1;
    if (v < 0) throw new DataError(`${where}: ${JSON.stringify(text[i])} at offset ${i} is not a base64 character`);
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  return out;
}
