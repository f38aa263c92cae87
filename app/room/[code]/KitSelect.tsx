"use client";
import { useEffect, useState } from "react";
import type { AudioEngine } from "../../lib/audio/engine";
import { KIT_IDS, KIT_NAMES, type KitId } from "../../lib/audio/kit-ids";
import { saveKit } from "./use-jam-connection";

/** The drum kit this device plays with (remembered per device). */
export function KitSelect({ engine, initialKit }: { engine: AudioEngine | null; initialKit: KitId }) {
  const [kit, setKit] = useState<KitId>(initialKit);
  useEffect(() => setKit(initialKit), [initialKit]);
  return (
    <div className="row">
      <label htmlFor="kit">Kit</label>
      <select
        id="kit"
        value={kit}
        onChange={(e) => {
          const k = e.target.value as KitId;
          setKit(k);
          engine?.setKit(k);
          saveKit(k);
        }}
      >
        {KIT_IDS.map((k) => (
          <option key={k} value={k}>
            {KIT_NAMES[k]}
          </option>
        ))}
      </select>
    </div>
  );
}
