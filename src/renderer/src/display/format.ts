// Small formatting helpers shared by views: numbers, durations, percentages, errors in words.
import { fieldInWords } from './field-words.ts';

/** An error (a StudioError, or a job's serialized one) as the UI shows it: in words, its field named as the box that holds it. */
export function errorText(err: unknown): string {
  if (err && typeof err === 'object' && 'message' in err && typeof (err as { message: unknown }).message === 'string') {
    const { message, field } = err as { message: string; field?: unknown };
    return fieldInWords(message, typeof field === 'string' ? field : undefined);
  }
  return String(err);
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatPercent(x: number | null | undefined, digits = 1): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  return `${(x * 100).toFixed(digits)}%`;
}

export function formatNumber(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  return x.toFixed(digits);
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

export function formatTime(ms: number | null | undefined): string {
  if (!ms) return '—';
  return new Date(ms).toLocaleString('en-GB', { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function formatRate(rate: number | null | undefined, unit: string): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '';
  return `${rate >= 100 ? Math.round(rate) : rate.toFixed(1)} ${unit}/s`;
}

/** "1,234 / 5,000 images · 52.3 images/s · ETA 1m 12s" for a job. */
export function jobDetail(job: { done: number; total: number; unit: string; rate: number | null; etaSeconds: number | null; message: string | null }): string {
  const parts: string[] = [];
  if (job.total > 0) parts.push(`${formatCount(job.done)} / ${formatCount(job.total)} ${job.unit}`);
  const rate = formatRate(job.rate, job.unit);
  if (rate) parts.push(rate);
  if (job.etaSeconds !== null && job.etaSeconds > 0) parts.push(`ETA ${formatDuration(job.etaSeconds)}`);
  if (parts.length === 0 && job.message) parts.push(job.message);
  return parts.join(' · ');
}
