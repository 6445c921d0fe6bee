import { describe, expect, it } from 'vitest';
import { otherMachine } from './useMachine';

describe('otherMachine', () => {
  it('labels only rows read on another machine than the server', () => {
    expect(otherMachine('centre', 'laptop-7')).toBe('laptop-7');
    expect(otherMachine('centre', 'centre')).toBeNull();
    expect(otherMachine('centre', undefined)).toBeNull();
    expect(otherMachine('centre', '')).toBeNull();
    // A server that names no machine (an older one) labels nothing.
    expect(otherMachine('', 'laptop-7')).toBeNull();
  });
});
