// Two small buttons that save what a tab shows as CSV or JSON (api/exportData builds the files).
import type { ExportFile } from '../api/exportData';
import { saveFile } from '../api/exportData';

export function DownloadButtons({ file, testId }: { file: () => ExportFile; testId: string }) {
  return (
    <span className="downloads" data-testid={testId}>
      <button type="button" className="small-button" aria-label="Download CSV" title="Download what is shown as CSV"
        onClick={() => { const f = file(); saveFile(`${f.name}.csv`, 'text/csv;charset=utf-8', f.csv); }}>
        CSV
      </button>
      <button type="button" className="small-button" aria-label="Download JSON" title="Download what is shown as JSON"
        onClick={() => { const f = file(); saveFile(`${f.name}.json`, 'application/json', f.json); }}>
        JSON
      </button>
    </span>
  );
}
