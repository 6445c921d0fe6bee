// This server's machine name (/api/config `machine`), for labelling rows that were read on another machine
// (forwarded by `--forward`, or telemetry with its host.name: docs/teams.md). Without a provider (unit
// tests) it is "": no row is labelled.
import { createContext, useContext } from 'react';

export const MachineContext = createContext<string>('');

/** The machine to show for a row, or null when it is this server's own (or the row names none). */
export function otherMachine(local: string, machine: string | undefined): string | null {
  if (!machine || !local || machine === local) return null;
  return machine;
}

export function useOtherMachine(machine: string | undefined): string | null {
  return otherMachine(useContext(MachineContext), machine);
}
