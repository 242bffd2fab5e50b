/**
 * Attribute-set keys and copies for the meter's series lookup: an unambiguous string per
 * attribute set (its entries in sorted key order), and a frozen deep copy that
 * a series keeps, so a host mutating its attributes object later cannot move a series.
 * @module
 */
import type { Attributes, AttributeValue } from "../tracing/span-record.ts";

// Self-delimiting encoding: strings are length-prefixed, numbers end with ';', arrays and maps are
// bracketed and map keys length-prefixed, so no two different sets share a key.
function valueKey(v: AttributeValue | undefined, depth: number): string {
  switch (typeof v) {
    case "string":
      return "s" + v.length + ":" + v;
    case "number":
      return "n" + v + ";";
    case "boolean":
      return v ? "T" : "F";
    case "bigint":
      return "b" + v + ";";
    case "undefined":
      return "U";
    default: {
      if (v === null) return "N";
      if (depth > 32) return "D";
      if (v instanceof Uint8Array) return "u" + v.length + ":" + Array.prototype.join.call(v, ",") + ";";
      if (Array.isArray(v)) {
        let s = "[";
        for (let i = 0; i < v.length; i++) s += valueKey(v[i], depth + 1);
        return s + "]";
      }
      const map = v as { readonly [key: string]: AttributeValue };
      const keys = Object.keys(map).sort();
      let s = "{";
      for (const k of keys) s += k.length + ":" + k + valueKey(map[k], depth + 1);
      return s + "}";
    }
  }
}

/**
 * The canonical key of an attribute set: its entries in sorted key order.
 *
 * @param attrs Attributes.
 * @returns The key.
 * @example
 * ```ts
 * import { canonicalKey } from "./series-key.ts";
 * canonicalKey({ b: 1, a: 2 }) === canonicalKey({ a: 2, b: 1 }); // true
 * ```
 */
export function canonicalKey(attrs: Attributes): string {
  const keys = Object.keys(attrs).sort();
  let out = "";
  for (const k of keys) {
    const v = attrs[k];
    if (v === undefined) continue;
    out += k.length + ":" + k + valueKey(v, 0);
  }
  return out;
}

function copyValue(v: AttributeValue, depth: number): AttributeValue {
  if (v === null || typeof v !== "object") return v;
  if (depth > 32) return "[too deep]";
  if (v instanceof Uint8Array) return v.slice();
  if (Array.isArray(v)) return Object.freeze(v.map((x: AttributeValue) => copyValue(x, depth + 1)));
  return copyAttributes(v as Attributes, depth + 1);
}

/**
 * A frozen deep copy of attributes (`undefined` values left out).
 *
 * @param attrs Attributes.
 * @param depth Nesting depth so far.
 * @returns The copy.
 * @example
 * ```ts
 * import { copyAttributes } from "./series-key.ts";
 * Object.isFrozen(copyAttributes({ a: [1] })); // true
 * ```
 */
export function copyAttributes(attrs: Attributes, depth = 0): Attributes {
  const out: Attributes = {};
  for (const k in attrs) {
    const v = attrs[k];
    if (v !== undefined) out[k] = copyValue(v, depth);
  }
  return Object.freeze(out);
}
