/** Keeps the re-mapped keyboard (core/keymap.ts) per browser. */
import { KIT } from "../../core/kit";
import { defaultKeyMap, type KeyMap } from "../../core/keymap";

const KEY = "backbeat:keymap";

export function loadKeyMap(): KeyMap {
  const map = defaultKeyMap();
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? "{}") as Partial<Record<string, unknown>>;
    for (const p of KIT) {
      const k = saved[p.id];
      if (typeof k === "string" && k.length > 0 && k.length <= 12) map[p.id] = k.toLowerCase();
    }
  } catch {
    /* defaults */
  }
  return map;
}

export function saveKeyMap(map: KeyMap): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(map));
  } catch {
    /* not remembered */
  }
}
