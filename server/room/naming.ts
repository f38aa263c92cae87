/** The room's name (issue 14): the host or co-host names it; everyone sees it in the header and the page title. */
import type { RoomContext } from "./context";
import { OK_NULL, type Result } from "./result";
import type { Room } from "./room";

/** `name` is already trimmed and bounded (roomNameSchema); "" clears it. */
export function renameRoom(ctx: RoomContext, room: Room, name: string): Result<null> {
  const next = name === "" ? null : name;
  if (room.name === next) return OK_NULL;
  room.name = next;
  void ctx.changed(room);
  return OK_NULL;
}
