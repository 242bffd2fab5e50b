/**
 * A growable UTF-8 byte writer for JSON. The OTLP encoder writes straight into bytes: building
 * the body as a JavaScript string made V8 build millions of rope pieces whose garbage cost more
 * than the encoding itself (a profile showed 53% of the time in the GC), and `fetch` would have
 * had to encode the string to UTF-8 again anyway.
 * @module
 */

const HEX = "0123456789abcdef";

/** Writes JSON text as UTF-8 into a growing `Uint8Array`. */
export class JsonWriter {
  /** The buffer; valid bytes are `[0, pos)`. */
  buf: Uint8Array;
  /** Bytes written. */
  pos = 0;

  /** @param capacity Initial capacity in bytes. */
  constructor(capacity = 65536) {
    this.buf = new Uint8Array(Math.max(64, capacity));
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  /** Writes an ASCII-only string as is (constants, numbers, hex ids: no escaping). */
  ascii(s: string): void {
    const n = s.length;
    if (this.pos + n > this.buf.length) this.ensure(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /**
   * Writes `s` as a JSON string literal: quotes, escapes for `"` `\` and control characters,
   * UTF-8 for the rest, and `\udXXX` escapes for lone surrogates (which have no UTF-8 form).
   */
  string(s: string): void {
    const n = s.length;
    // worst case: 6 bytes per UTF-16 unit (\u00XX or lone surrogate escapes) + quotes
    if (this.pos + n * 6 + 2 > this.buf.length) this.ensure(n * 6 + 2);
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = 34;
    for (let i = 0; i < n; i++) {
      let c = s.charCodeAt(i);
      if (c < 0x80) {
        if (c >= 0x20 && c !== 34 && c !== 92) {
          buf[p++] = c;
          continue;
        }
        buf[p++] = 92;
        switch (c) {
          case 34:
            buf[p++] = 34;
            break;
          case 92:
            buf[p++] = 92;
            break;
          case 10:
            buf[p++] = 110;
            break;
          case 13:
            buf[p++] = 114;
            break;
          case 9:
            buf[p++] = 116;
            break;
          case 8:
            buf[p++] = 98;
            break;
          case 12:
            buf[p++] = 102;
            break;
          default:
            buf[p++] = 117;
            buf[p++] = 48;
            buf[p++] = 48;
            buf[p++] = HEX.charCodeAt(c >> 4);
            buf[p++] = HEX.charCodeAt(c & 15);
        }
      } else if (c < 0x800) {
        buf[p++] = 0xc0 | (c >> 6);
        buf[p++] = 0x80 | (c & 63);
      } else if (c < 0xd800 || c > 0xdfff) {
        buf[p++] = 0xe0 | (c >> 12);
        buf[p++] = 0x80 | ((c >> 6) & 63);
        buf[p++] = 0x80 | (c & 63);
      } else {
        const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
          buf[p++] = 0xf0 | (c >> 18);
          buf[p++] = 0x80 | ((c >> 12) & 63);
          buf[p++] = 0x80 | ((c >> 6) & 63);
          buf[p++] = 0x80 | (c & 63);
        } else {
          // lone surrogate: JSON escape, as well-formed JSON.stringify does
          buf[p++] = 92;
          buf[p++] = 117;
          buf[p++] = HEX.charCodeAt(c >> 12);
          buf[p++] = HEX.charCodeAt((c >> 8) & 15);
          buf[p++] = HEX.charCodeAt((c >> 4) & 15);
          buf[p++] = HEX.charCodeAt(c & 15);
        }
      }
    }
    buf[p++] = 34;
    this.pos = p;
  }

  /** The bytes written so far (a view, not a copy). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}
