/** Runs a room request; a refusal's message is shown under the status line. */
export type Act = (fn: () => Promise<{ message: string } | null>) => Promise<void>;
