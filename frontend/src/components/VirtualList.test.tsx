// The windowed list: 100,000 rows put only a window in the DOM, the last row is reachable by scrolling,
// scrollTo brings a row into view, and the range callback follows the scroll.
import { act, fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { VirtualList } from './VirtualList';

const rows = Array.from({ length: 100_000 }, (_, i) => ({ id: `r${i}`, text: `row ${i}` }));

describe('VirtualList', () => {
  it('renders a window of 100,000 rows and reaches the last one', async () => {
    const ranges: [number, number][] = [];
    const t0 = performance.now();
    const { container } = render(
      <VirtualList items={rows} itemKey={(r) => r.id} render={(r) => <div>{r.text}</div>} estimate={40} onRange={(a, b) => ranges.push([a, b])} />,
    );
    const took = performance.now() - t0;
    expect(container.querySelectorAll('[data-index]').length).toBeLessThan(80);
    expect(screen.getByText('row 0')).toBeTruthy();
    expect(took).toBeLessThan(1000);
    const list = screen.getByTestId('virtual-list');
    expect((list.firstElementChild as HTMLElement).style.height).toBe(`${100_000 * 40}px`);
    await act(async () => {
      list.scrollTop = 99_990 * 40;
      fireEvent.scroll(list);
    });
    expect(screen.getByText('row 99999')).toBeTruthy();
    expect(screen.queryByText('row 0')).toBeNull();
    expect(ranges[ranges.length - 1][1]).toBe(99_999);
  });

  it('scrolls to the row asked for', () => {
    render(<VirtualList items={rows} itemKey={(r) => r.id} render={(r) => <div>{r.text}</div>} estimate={40} scrollTo={50_000} />);
    expect(screen.getByText('row 50000')).toBeTruthy();
  });
});
