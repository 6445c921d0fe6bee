// The session timeline: one lane per tool, a bar per call, the table capped at 200 rows until asked.
import { fireEvent, render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { SessionToolCall } from '../api/types';
import { ToolTimeline } from './ToolTimeline';

const call = (id: number, over: Partial<SessionToolCall> = {}): SessionToolCall => ({
  id,
  ts: new Date(Date.UTC(2026, 10, 25, 12, 0, id)).toISOString(),
  tool_name: id % 2 ? 'Read' : 'Bash',
  tool_use_id: `t${id}`,
  call_index: 0,
  file_path: null,
  byte_count: null,
  result_ts: new Date(Date.UTC(2026, 10, 25, 12, 0, id, 500)).toISOString(),
  latency_ms: 500,
  result_bytes: 10,
  is_error: false,
  pending: false,
  ...over,
});

describe('ToolTimeline', () => {
  it('draws a lane per tool and a bar per call; errors and running calls say so', () => {
    const { container } = render(<ToolTimeline calls={[call(1), call(2, { is_error: true }), call(3, { pending: true, result_ts: null, latency_ms: null })]} endIso="2026-11-25T12:01:00.000Z" />);
    const svg = container.querySelector('svg')!;
    expect(Array.from(svg.querySelectorAll('text')).slice(0, 2).map((t) => t.textContent)).toEqual(['Read', 'Bash']);
    expect(svg.querySelectorAll('rect')).toHaveLength(3);
    const table = screen.getByTestId('timeline-table');
    expect(within(table).getByText('✗ error')).toBeTruthy();
    expect(within(table).getByText('running')).toBeTruthy();
  });

  it('lists the first 200 calls, then all of them on request', () => {
    render(<ToolTimeline calls={Array.from({ length: 205 }, (_, i) => call(i + 1))} endIso="2026-11-25T13:00:00.000Z" />);
    const rows = () => within(screen.getByTestId('timeline-table')).getAllByRole('row').length - 1;
    expect(rows()).toBe(200);
    fireEvent.click(screen.getByText('Show all 205 calls'));
    expect(rows()).toBe(205);
  });

  it('says so when there is no call', () => {
    render(<ToolTimeline calls={[]} endIso="2026-11-25T13:00:00.000Z" />);
    expect(screen.getByText('No tool calls in this session.')).toBeTruthy();
  });
});
