// Saves a session's whole conversation as Markdown or JSON (api/conversationExport reads every page).
import { useState } from 'react';
import { saveFile } from '../api/exportData';
import type { WholeConversation } from '../api/conversationExport';
import { conversationFileName, conversationJson, conversationMarkdown, fetchWholeConversation } from '../api/conversationExport';

type Format = 'md' | 'json';

export function ConversationExport({ row, fetchImpl }: { row: number; fetchImpl?: typeof fetch }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const save = async (format: Format) => {
    setBusy(true);
    setError(null);
    try {
      const c: WholeConversation = await fetchWholeConversation(row, { fetchImpl });
      const name = conversationFileName(c);
      if (format === 'md') saveFile(`${name}.md`, 'text/markdown;charset=utf-8', conversationMarkdown(c));
      else saveFile(`${name}.json`, 'application/json', conversationJson(c));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <span className="downloads" data-testid="conversation-export">
      <button type="button" className="small-button" disabled={busy} title="Save the whole conversation as Markdown"
        onClick={() => void save('md')}>
        Markdown
      </button>
      <button type="button" className="small-button" disabled={busy} title="Save the whole conversation as JSON"
        onClick={() => void save('json')}>
        JSON
      </button>
      {error && <span className="error-text small" role="alert"> {error}</span>}
    </span>
  );
}
