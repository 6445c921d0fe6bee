// Stable colours for tools and models: the same name gets the same colour on every tab and every visit.
const PALETTE = ['#6366f1', '#10b981', '#f59e0b', '#ef4444', '#06b6d4', '#8b5cf6', '#84cc16', '#ec4899', '#14b8a6', '#f97316'];
export const OTHER_COLOR = '#94a3b8';

export function colorFor(name: string): string {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return PALETTE[(h >>> 0) % PALETTE.length];
}

/** Distinct colours for an ordered list (a chart's series), by position. */
export function seriesColor(i: number): string {
  return PALETTE[i % PALETTE.length];
}
