// Daily cost, one bar per day, stacked by series (the top models, the rest as "other"). Plain SVG.
import { memo, useMemo } from 'react';
import type { OverviewDay } from '../api/types';
import { formatDay, formatUsd } from '../format';
import { OTHER_COLOR, seriesColor } from './palette';

export const TOP_SERIES = 6;

export interface Stacks {
  series: { name: string; color: string }[];
  /** Per day, the cost of each series in `series` order. */
  values: number[][];
  max: number;
}

/** The top `top` keys of `by` (by total over all days) get their own colour; the rest add up to "other". */
export function stackDays(days: OverviewDay[], by: 'by_model' | 'by_project', top = TOP_SERIES): Stacks {
  const totals = new Map<string, number>();
  for (const d of days) for (const [k, v] of Object.entries(d[by])) totals.set(k, (totals.get(k) ?? 0) + v);
  const ranked = [...totals.entries()].filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]);
  const named = ranked.slice(0, top).map(([k]) => k);
  const hasOther = ranked.length > top;
  const series = named.map((name, i) => ({ name, color: seriesColor(i) }));
  if (hasOther) series.push({ name: 'other', color: OTHER_COLOR });
  let max = 0;
  const values = days.map((d) => {
    const row = named.map((k) => d[by][k] ?? 0);
    if (hasOther) row.push(Object.entries(d[by]).reduce((s, [k, v]) => (named.includes(k) ? s : s + v), 0));
    max = Math.max(max, row.reduce((a, b) => a + b, 0));
    return row;
  });
  return { series, values, max };
}

export const StackedBars = memo(function StackedBars({ days, by = 'by_model' }: { days: OverviewDay[]; by?: 'by_model' | 'by_project' }) {
  const stacks = useMemo(() => stackDays(days, by), [days, by]);
  const W = 1000;
  const H = 220;
  const pad = { l: 48, r: 8, t: 8, b: 22 };
  const n = Math.max(days.length, 1);
  const bw = (W - pad.l - pad.r) / n;
  const max = stacks.max > 0 ? niceMax(stacks.max) : 1;
  const y = (v: number) => pad.t + (H - pad.t - pad.b) * (1 - v / max);
  const ticks = [0, max / 2, max];
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} className="chart__svg" role="img" aria-label="Daily cost for the last 30 days, stacked by model">
        {ticks.map((t) => (
          <g key={t}>
            <line x1={pad.l} x2={W - pad.r} y1={y(t)} y2={y(t)} className="chart__grid" />
            <text x={pad.l - 6} y={y(t) + 4} className="chart__axis" textAnchor="end">
              {formatUsd(t)}
            </text>
          </g>
        ))}
        {days.map((d, i) => {
          let acc = 0;
          const x = pad.l + i * bw + 1;
          const title = `${formatDay(d.date)}: ${formatUsd(d.cost_usd)}\n` +
            stacks.series.map((s, j) => (stacks.values[i][j] > 0 ? `${s.name}: ${formatUsd(stacks.values[i][j])}` : '')).filter(Boolean).join('\n');
          return (
            <g key={d.date}>
              <title>{title}</title>
              <rect x={x} y={pad.t} width={Math.max(bw - 2, 1)} height={H - pad.t - pad.b} className="chart__hover" />
              {stacks.series.map((s, j) => {
                const v = stacks.values[i][j];
                if (v <= 0) return null;
                const top = y(acc + v);
                const h = y(acc) - top;
                acc += v;
                return <rect key={s.name} x={x} y={top} width={Math.max(bw - 2, 1)} height={Math.max(h, 0.5)} fill={s.color} />;
              })}
              {(i % 5 === 0 || i === days.length - 1) && (
                <text x={x + bw / 2} y={H - 6} className="chart__axis" textAnchor="middle">
                  {formatDay(d.date)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption className="legend">
        {stacks.series.map((s) => (
          <span key={s.name} className="legend__item">
            <span className="legend__swatch" style={{ background: s.color }} />
            {s.name}
          </span>
        ))}
      </figcaption>
    </figure>
  );
});

function niceMax(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}
