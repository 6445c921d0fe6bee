// The downloads' CSV and JSON: quoting, the formula guard, and the Overview's and Sessions tab's files
// (what is on screen, with the filters that chose it).
import { describe, expect, it } from 'vitest';
import type { SessionPage } from './types';
import { overviewFixture, session } from '../test/fixtures';
import { csvCell, overviewExport, sessionsExport, toCsv } from './exportData';

describe('csvCell', () => {
  it('quotes commas, quotes and line breaks, and doubles quotes', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('cr\rhere')).toBe('"cr\rhere"');
  });
  it('guards text that a spreadsheet would run as a formula, never numbers', () => {
    expect(csvCell('=SUM(A1:A2)')).toBe("'=SUM(A1:A2)");
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell('@cmd')).toBe("'@cmd");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell('=HYPERLINK("u","a,b")')).toBe('"\'=HYPERLINK(""u"",""a,b"")"');
    expect(csvCell('a=b')).toBe('a=b');
    expect(csvCell(-1.5)).toBe('-1.5');
    expect(csvCell(null)).toBe('');
    expect(csvCell(Number.NaN)).toBe('');
    expect(csvCell(true)).toBe('true');
  });
  it('joins a header and rows with "\\n"', () => {
    expect(toCsv(['a', 'b'], [[1, 'x,y']])).toBe('a,b\n1,"x,y"\n');
  });
});

describe('overviewExport', () => {
  it('has every day shown, its tokens by kind, models and the totals', () => {
    const f = overviewExport(overviewFixture('claude'));
    expect(f.name).toBe('agentpulse-overview-2026-11-24-2026-11-25-claude');
    expect(f.csv.split('\n')).toEqual([
      'date,input_tokens,output_tokens,cache_create_tokens,cache_read_tokens,total_tokens,cost_usd,events,models',
      '2026-11-24,10,20,30,100,160,1.5,1,claude-opus-4-5; claude-sonnet-4-5',
      '2026-11-25,0,0,0,0,0,0,0,',
      '',
    ]);
    const doc = JSON.parse(f.json);
    expect(doc.tz).toBe('Europe/Paris');
    expect(doc.filters).toEqual({ agent: 'claude' });
    expect(doc.rows[0]).toMatchObject({ key: '2026-11-24', cost_usd: 1.5, tokens: { input: 10, output: 20, cache_create: 30, cache_read: 100, total: 160 } });
    expect(doc.rows[0].models).toEqual(['claude-opus-4-5', 'claude-sonnet-4-5']);
    expect(doc.totals).toMatchObject({ cost_usd: 1.5, tokens: { total: 160 }, events: 1 });
  });
});

describe('sessionsExport', () => {
  it('has the page in its order with the filters that chose it, and guards hostile names', () => {
    const page: SessionPage = {
      total: 120,
      limit: 50,
      offset: 50,
      sort: 'cost',
      dir: 'desc',
      filters: { project: '', model: '', provider: 'claude', q: 'x' },
      sessions: [session(2, { project: '=cmd|"/c calc"!A1', git_branch: 'feat,one' }), session(1)],
      facets: { projects: [], models: [] },
    } as unknown as SessionPage;
    const f = sessionsExport(page, { project: '', model: '', provider: 'claude', q: 'x', sort: 'cost', dir: 'desc', page: 2 });
    const lines = f.csv.split('\n');
    expect(lines[0]).toBe(
      'session_id,provider,project,model,started_at,last_at,duration_s,cost_usd,input_tokens,output_tokens,cache_create_tokens,cache_read_tokens,total_tokens,events,tool_calls,tool_errors,cwd,git_branch',
    );
    expect(lines[1]).toBe(
      'sess-2,claude,"\'=cmd|""/c calc""!A1",claude-sonnet-4-5,2026-11-25T10:00:00.000Z,2026-11-25T11:00:00.000Z,3600,0.5,2,4,6,20,32,1,3,1,/home/a/shop,"feat,one"',
    );
    expect(lines[2].startsWith('sess-1,')).toBe(true);
    expect(lines).toHaveLength(4);
    const doc = JSON.parse(f.json);
    expect(doc.filters).toEqual({ project: '', model: '', agent: 'claude', q: 'x' });
    expect(doc.sort).toBe('cost');
    expect(doc.page).toBe(2);
    expect(doc.rows.map((r: { key: string }) => r.key)).toEqual(['sess-2', 'sess-1']);
    expect(doc.rows[0].tokens.total).toBe(32);
  });
});
