/** Who this browser tab is: a name kept across visits, an id kept across reloads of the tab. */
const NAME_KEY = "backbeat:name";
const PID_KEY = "backbeat:participantId";

export function loadName(): string {
  try {
    return localStorage.getItem(NAME_KEY) ?? "";
  } catch {
    return "";
  }
}

export function saveName(name: string): void {
  try {
    localStorage.setItem(NAME_KEY, name.trim());
  } catch {
    /* private mode: the name is simply not remembered */
  }
}

function randomId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Per tab (sessionStorage): a reload keeps the seat, a second tab is a second player. */
export function participantId(): string {
  try {
    const existing = sessionStorage.getItem(PID_KEY);
    if (existing) return existing;
    const id = randomId();
    sessionStorage.setItem(PID_KEY, id);
    return id;
  } catch {
    return randomId();
  }
}
