/**
 * The log of one attempt, streamed: `GET /runs/:id/tasks/:task/logs?attempt=N&follow=1` read
 * chunk by chunk while the attempt runs (the server ends the stream when the attempt ends). At
 * most MAX_CHARS are kept on screen (the tail), so a chatty task cannot exhaust the tab.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, qs, readText, request } from '../api';

const MAX_CHARS = 512 * 1024;

type Status = 'waiting' | 'streaming' | 'done' | 'none' | 'error';

export function Logs({ runId, taskId, attempt }: { runId: string; taskId: string; attempt: number }) {
  const [text, setText] = useState('');
  const [status, setStatus] = useState<Status>('waiting');
  const [error, setError] = useState<string | null>(null);
  const pre = useRef<HTMLPreElement>(null);
  const stick = useRef(true);

  useEffect(() => {
    const ctl = new AbortController();
    setText('');
    setError(null);
    setStatus('waiting');
    (async () => {
      try {
        const res = await request(`/runs/${encodeURIComponent(runId)}/tasks/${encodeURIComponent(taskId)}/logs${qs({ attempt, follow: 1 })}`, { signal: ctl.signal });
        setStatus('streaming');
        await readText(res.body!, (value) =>
          setText((t) => {
            const n = t + value;
            return n.length > MAX_CHARS ? `… (earlier output cut)\n${n.slice(n.length - MAX_CHARS)}` : n;
          }),
        );
        setStatus('done');
      } catch (e) {
        if (ctl.signal.aborted) return;
        if (e instanceof ApiError && e.code === 'LOG_NOT_FOUND') setStatus('none');
        else {
          setStatus('error');
          setError((e as Error).message);
        }
      }
    })();
    return () => ctl.abort();
  }, [runId, taskId, attempt]);

  // Follow the end of the log unless the reader scrolled up.
  useEffect(() => {
    const el = pre.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [text]);

  return (
    <div class="logs-panel" data-log-status={status}>
      <div class="logs-head">
        <span>Log · attempt {attempt}</span>
        <span class={`muted small log-status-${status}`}>
          {status === 'waiting' ? 'waiting for output…' : status === 'streaming' ? 'streaming' : status === 'done' ? 'complete' : status === 'none' ? 'no log' : 'error'}
        </span>
      </div>
      {error && <p class="error small" role="alert">{error}</p>}
      <pre ref={pre} class="logs" data-task={taskId}
        onScroll={(e) => {
          const el = e.currentTarget as HTMLPreElement;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}>
        {text || (status === 'none' ? 'This attempt has no log.' : status === 'done' ? '(no output)' : '')}
      </pre>
    </div>
  );
}
