// Alerts (docs/alerts.md). AlertsPane (the Live tab): the configured rules and their state (armed, or fired
// and waiting to clear), recent firings, notifications that could not be delivered (dead letters, with their
// last error) and the button that asks for the Notification permission (browsers ask only on a user
// action). AlertNotifier (the app shell, every tab): an `alert` frame shows a toast and, once allowed, a
// system notification.
import { useEffect, useRef, useState } from 'react';
import type { AlertOutboxJob, AlertPayload, AlertRuleState, AlertsReport } from '../api/types';
import { useFetch } from '../hooks/useFetch';
import { useLive } from '../hooks/useLive';
import { useNow } from '../hooks/useNow';
import { formatAgo } from '../format';

type Permission = NotificationPermission | 'unsupported';

function currentPermission(): Permission {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/** The page's Notification permission, and asking for it (call `ask` from a click). */
export function useNotificationPermission(): { permission: Permission; ask: () => void } {
  const [permission, setPermission] = useState<Permission>(currentPermission);
  const ask = () => {
    if (typeof Notification === 'undefined') return;
    void Notification.requestPermission().then((p) => setPermission(p));
  };
  return { permission, ask };
}

/** Toasts and system notifications for the `alert` frames that arrive while the page is open. */
export function useAlertNotifications(): { toast: AlertPayload | null; dismiss: () => void } {
  const alerts = useLive((s) => s.alerts);
  const [toast, setToast] = useState<AlertPayload | null>(null);
  const seen = useRef<string | null>(null);
  const newest = alerts[0];
  useEffect(() => {
    if (!newest || newest.idempotency_key === seen.current) return;
    seen.current = newest.idempotency_key;
    setToast(newest);
    if (currentPermission() === 'granted') {
      try {
        new Notification(newest.title, { body: newest.text, tag: newest.idempotency_key });
      } catch {
        // Some browsers allow notifications only from a service worker: the toast still shows.
      }
    }
    const t = setTimeout(() => setToast((cur) => (cur === newest ? null : cur)), 15_000);
    return () => clearTimeout(t);
  }, [newest]);
  return { toast, dismiss: () => setToast(null) };
}

/** The toast of the newest alert, on every tab (mounted once, by the app shell). */
export function AlertNotifier() {
  const { toast, dismiss } = useAlertNotifications();
  if (!toast) return null;
  return (
    <div className={`alerts__toast alerts__toast--${toast.severity}`} role="alert" data-testid="alert-toast">
      <strong>{toast.title}</strong>
      <span>{toast.text}</span>
      <button type="button" className="link" onClick={dismiss} aria-label="Dismiss">
        ×
      </button>
    </div>
  );
}

export function AlertsPane({ testId = 'alerts' }: { testId?: string }) {
  const liveCount = useLive((s) => s.alerts.length);
  const { data, error, reload } = useFetch<AlertsReport>('/api/alerts', 30_000);
  const { permission, ask } = useNotificationPermission();
  const now = useNow(10_000);
  // A firing changes the rules' state: read it again.
  useEffect(() => {
    if (liveCount > 0) reload();
  }, [liveCount]);
  // Tolerant of an older server (no /api/alerts: its 404 is an error) or a partial answer.
  const list = <T,>(v: T[] | undefined): T[] => (Array.isArray(v) ? v : []);
  const rules = list(data?.rules);
  const dead = list(data?.dead_letters);
  const firings = list(data?.firings).slice(0, 5);
  const waiting = data?.outbox?.pending ?? 0;
  return (
    <section className="card alerts" aria-labelledby={`${testId}-h`} data-testid={testId}>
      <h2 id={`${testId}-h`}>Alerts</h2>
      {permission === 'default' && (
        <button type="button" className="alerts__ask" onClick={ask} data-testid="alerts-enable">
          Show alerts as browser notifications
        </button>
      )}
      {permission === 'denied' && <p className="muted small">Browser notifications are blocked for this page.</p>}
      {error && <p className="muted small">Alerts unavailable: {error}</p>}
      <RuleList rules={rules} now={now} />
      <RecentFirings firings={firings} now={now} />
      <DeadLetters dead={dead} />
      {waiting > 0 && <p className="muted small">{waiting} notification(s) waiting to be retried</p>}
    </section>
  );
}

function RuleList({ rules, now }: { rules: AlertRuleState[]; now: number }) {
  if (rules.length === 0)
    return (
      <p className="muted small">
        No alert rules: start the server with --budget-daily USD, --budget USD or --alert RULE, and --notify URL to be told
        elsewhere (docs/alerts.md).
      </p>
    );
  return (
    <ul className="alerts__rules">
      {rules.map((r) => (
        <li key={r.id} data-testid={`alert-rule-${r.id}`} data-status={r.status}>
          <span className={`badge alerts__status alerts__status--${r.status}`}>{r.status}</span> {r.description}
          {r.last_fired_at && <span className="muted small"> · fired {formatAgo(r.last_fired_at, now)}</span>}
        </li>
      ))}
    </ul>
  );
}

function RecentFirings({ firings, now }: { firings: AlertPayload[]; now: number }) {
  if (firings.length === 0) return null;
  return (
    <>
      <h3 className="small">Recent</h3>
      <ul className="alerts__firings" data-testid="alert-firings">
        {firings.map((f) => (
          <li key={f.idempotency_key}>
            <span className="muted small">{formatAgo(f.fired_at, now)}</span> {f.text}
          </li>
        ))}
      </ul>
    </>
  );
}

function DeadLetters({ dead }: { dead: AlertOutboxJob[] }) {
  if (dead.length === 0) return null;
  return (
    <>
      <h3 className="small">Not delivered</h3>
      <ul className="alerts__dead" data-testid="alert-dead-letters">
        {dead.map((d) => (
          <li key={d.id}>
            {d.alert.title} → {d.channel} after {d.attempts} attempt{d.attempts === 1 ? '' : 's'}:{' '}
            <span className="muted">{d.last_error}</span>
          </li>
        ))}
      </ul>
    </>
  );
}
