// The monthly budget: spent so far, the projection as a marker, warning from 80%, over from 100%.
import type { Budget } from '../api/types';
import { formatPercent, formatUsd } from '../format';

export function BudgetBar({ budget, spent }: { budget: Budget; spent: number }) {
  const used = Math.min(1, budget.used_fraction);
  const projected = Math.min(1, budget.projected_fraction);
  return (
    <div className={`budget budget--${budget.status}`} data-testid="budget">
      <div className="budget__label">
        <span>
          Budget {formatUsd(budget.budget_usd)}/month: {formatUsd(spent)} spent ({formatPercent(budget.used_fraction, 0)})
        </span>
        <span className="budget__status">{budget.status === 'over' ? 'over budget' : budget.status === 'warning' ? 'above 80%' : 'on track'}</span>
      </div>
      <div
        className="budget__track"
        role="meter"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(budget.used_fraction * 100)}
        aria-label="Share of the monthly budget spent"
      >
        <div className="budget__fill" style={{ width: `${used * 100}%` }} />
        <div className="budget__projected" style={{ left: `${projected * 100}%` }} title={`Projected month end: ${formatPercent(budget.projected_fraction, 0)} of the budget`} />
      </div>
    </div>
  );
}
