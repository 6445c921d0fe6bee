// Top projects, models or agents: name, cost, share of the period's cost as a bar.
import type { ReactNode } from 'react';
import { formatPercent, formatTokens, formatUsd } from '../format';
import { colorFor } from './palette';

export interface RankedItem {
  name: string;
  cost_usd: number;
  share: number;
  total_tokens: number;
  unpriced_events: number;
  sub?: string;
  /** Shown instead of the name (e.g. an agent's chip); the name stays the key and the tooltip. */
  label?: ReactNode;
  /** The bar's colour; by default one derived from the name. */
  color?: string;
}

export function RankedList({ items, limit = 8, testId }: { items: RankedItem[]; limit?: number; testId?: string }) {
  if (items.length === 0) return <p className="muted">Nothing in this period.</p>;
  return (
    <ol className="ranked" data-testid={testId}>
      {items.slice(0, limit).map((it) => (
        <li key={it.name} className="ranked__item">
          <div className="ranked__line">
            <span className="ranked__name" title={it.name}>
              {it.label ?? it.name}
              {it.sub && <span className="muted small"> {it.sub}</span>}
            </span>
            <span className="ranked__cost">{formatUsd(it.cost_usd)}</span>
          </div>
          <div className="ranked__bar" aria-hidden="true">
            <div style={{ width: `${Math.max(it.share * 100, 0.5)}%`, background: it.color ?? colorFor(it.name) }} />
          </div>
          <div className="muted small">
            {formatPercent(it.share)} of cost · {formatTokens(it.total_tokens)} tokens
            {it.unpriced_events > 0 && <span className="unpriced"> · {it.unpriced_events} unpriced</span>}
          </div>
        </li>
      ))}
    </ol>
  );
}
