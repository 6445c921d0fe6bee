// The Alerts pane against a LiveStore fed `alert` frames and a stubbed /api/alerts: rules and their state,
// dead letters with the last error, the permission button, the toast and the system notification (once
// per alert).
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveStore } from '../api/liveStore';
import type { AlertPayload, AlertsReport } from '../api/types';
import { LiveContext } from '../hooks/useLive';
import { AlertNotifier, AlertsPane } from './AlertsPane';

const alert: AlertPayload = {
  idempotency_key: 'ap-1',
  rule: 'budget-day',
  kind: 'budget',
  subject: '',
  level: 2,
  threshold: 80,
  value: 83,
  unit: '%',
  severity: 'warning',
  title: 'agentpulse: day budget at 80%',
  text: '$16.60 of the $20.00 day budget spent (83%, all usage)',
  fired_at: new Date().toISOString(),
  test: false,
};

const report: AlertsReport = {
  rules: [
    { id: 'budget-day', kind: 'budget', description: 'day budget $20 (all usage) at 50/80/100%', thresholds: [50, 80, 100], channels: ['slack'], status: 'fired', last_fired_at: alert.fired_at, state: [{ subject: '', level: 2, value: 83, since: alert.fired_at, last_fired_at: alert.fired_at }] },
    { id: 'stuck', kind: 'stuck', description: 'a tool running longer than 10 min', thresholds: [10], channels: ['slack'], status: 'armed', last_fired_at: null, state: [] },
  ],
  channels: [{ name: 'slack', kind: 'slack', host: 'hooks.slack.com' }],
  firings: [alert],
  pending: [],
  dead_letters: [
    { id: 7, channel: 'slack', channel_kind: 'slack', status: 'dead', attempts: 1, queued_at: alert.fired_at, last_status: 410, last_error: 'HTTP 410: gone', next_attempt_at: null, done_at: alert.fired_at, alert },
  ],
  outbox: { pending: 0, sent: 3, dead: 1 },
};

class FakeNotification {
  static permission: NotificationPermission = 'default';
  static requestPermission = vi.fn(async () => {
    FakeNotification.permission = 'granted';
    return 'granted' as NotificationPermission;
  });
  static shown: { title: string; options?: NotificationOptions }[] = [];
  constructor(title: string, options?: NotificationOptions) {
    FakeNotification.shown.push({ title, options });
  }
}

const fetchMock = vi.fn(async () => new Response(JSON.stringify(report), { status: 200, headers: { 'Content-Type': 'application/json' } }));

beforeEach(() => {
  FakeNotification.permission = 'default';
  FakeNotification.shown = [];
  FakeNotification.requestPermission.mockClear();
  fetchMock.mockClear();
  vi.stubGlobal('Notification', FakeNotification);
  vi.stubGlobal('fetch', fetchMock);
});
afterEach(() => vi.unstubAllGlobals());

function withStore() {
  const store = new LiveStore((f) => f(), 0);
  render(
    <LiveContext.Provider value={store}>
      <AlertNotifier />
      <AlertsPane />
    </LiveContext.Provider>,
  );
  const send = (payload: unknown) => act(() => store.receive('alert', JSON.stringify({ type: 'alert', payload, ts: 'x' })));
  return { store, send };
}

describe('AlertsPane', () => {
  it('shows the rules, their state and the dead letters', async () => {
    withStore();
    await waitFor(() => expect(screen.getByTestId('alert-rule-budget-day')).toBeTruthy());
    expect(screen.getByTestId('alert-rule-budget-day').getAttribute('data-status')).toBe('fired');
    expect(screen.getByTestId('alert-rule-stuck').getAttribute('data-status')).toBe('armed');
    expect(screen.getByTestId('alert-dead-letters').textContent).toContain('HTTP 410: gone');
    expect(screen.getByTestId('alert-firings').textContent).toContain('$16.60 of the $20.00');
    expect(fetchMock).toHaveBeenCalledWith('/api/alerts', expect.anything());
  });

  it('asks for permission on a click, then notifies once per alert with a toast', async () => {
    const { send } = withStore();
    await waitFor(() => expect(screen.getByTestId('alert-rule-budget-day')).toBeTruthy());
    expect(FakeNotification.requestPermission).not.toHaveBeenCalled(); // never without a user action
    fireEvent.click(screen.getByTestId('alerts-enable'));
    await waitFor(() => expect(screen.queryByTestId('alerts-enable')).toBeNull());
    expect(FakeNotification.requestPermission).toHaveBeenCalledTimes(1);
    const fetchesBefore = fetchMock.mock.calls.length;
    send(alert);
    expect(screen.getByTestId('alert-toast').textContent).toContain('day budget at 80%');
    expect(FakeNotification.shown).toEqual([{ title: alert.title, options: { body: alert.text, tag: 'ap-1' } }]);
    await waitFor(() => expect(fetchMock.mock.calls.length).toBeGreaterThan(fetchesBefore)); // state read again
    send({ ...alert, idempotency_key: 'ap-2', title: 'second' });
    expect(FakeNotification.shown.map((n) => n.title)).toEqual([alert.title, 'second']);
    fireEvent.click(screen.getByLabelText('Dismiss'));
    expect(screen.queryByTestId('alert-toast')).toBeNull();
  });

  it('shows the toast but no notification without permission', async () => {
    FakeNotification.permission = 'denied';
    const { send } = withStore();
    send(alert);
    expect(screen.getByTestId('alert-toast')).toBeTruthy();
    expect(FakeNotification.shown).toEqual([]);
    expect(screen.queryByTestId('alerts-enable')).toBeNull();
  });
});
