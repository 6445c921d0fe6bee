// Token mix (input, output, cache read, cache writes) and the money cache reads saved.
import type { Overview } from '../api/types';
import { formatPercent, formatTokens, formatUsd } from '../format';

const PARTS: { key: keyof Overview['token_mix']; label: string; color: string }[] = [
  { key: 'input', label: 'Input', color: '#6366f1' },
  { key: 'output', label: 'Output', color: '#f59e0b' },
  { key: 'cache_read', label: 'Cache read', color: '#10b981' },
  { key: 'cache_create_5m', label: 'Cache write 5 min', color: '#06b6d4' },
  { key: 'cache_create_1h', label: 'Cache write 1 h', color: '#8b5cf6' },
];

export function TokenMix({ mix, savings }: { mix: Overview['token_mix']; savings: Overview['cache_savings'] }) {
  const total = PARTS.reduce((s, p) => s + mix[p.key], 0);
  return (
    <div data-testid="token-mix">
      <div className="mixbar" role="img" aria-label="Token mix">
        {PARTS.map((p) =>
          mix[p.key] > 0 ? <div key={p.key} style={{ width: `${(mix[p.key] / Math.max(total, 1)) * 100}%`, background: p.color }} title={`${p.label}: ${formatTokens(mix[p.key])}`} /> : null,
        )}
      </div>
      <ul className="mixlegend">
        {PARTS.map((p) => (
          <li key={p.key}>
            <span className="legend__swatch" style={{ background: p.color }} />
            {p.label} <strong>{formatTokens(mix[p.key])}</strong> <span className="muted">{formatPercent(total ? mix[p.key] / total : 0)}</span>
          </li>
        ))}
      </ul>
      {savings && (
        <p className="savings" data-testid="cache-saved">
          Cache reads saved <strong>{formatUsd(savings.saved_usd)}</strong>: {formatTokens(savings.cache_read_tokens)} tokens would have cost{' '}
          {formatUsd(savings.at_input_rate_usd)} at input rates and cost {formatUsd(savings.at_cache_rate_usd)}.
          {savings.unpriced_cache_read_tokens > 0 && (
            <span className="muted"> ({formatTokens(savings.unpriced_cache_read_tokens)} cache-read tokens of unpriced models not counted.)</span>
          )}
        </p>
      )}
    </div>
  );
}
