/**
 * A run's report as one self-contained HTML page: configuration, training
 * curves as inline SVG, confusion matrices, and the worst mistakes as inline
 * base64 thumbnails. No scripts, no external resources.
 */
export interface ReportCurvePoint {
  stage: string;
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss: number | null;
  valAccuracy: number | null;
}

export interface ReportEvaluation {
  part: string;
  model: string;
  accuracy: number;
  loss: number;
  rocAuc: number | null;
  confusion: number[][];
  perClass: { precision: number; recall: number; f1: number; support: number }[];
}

export interface ReportMistake {
  name: string;
  label: string;
  predicted: string;
  confidence: number;
  /** data: URL of a small JPEG, or null when the image could not be read. */
  thumbnail: string | null;
}

export interface ReportInput {
  title: string;
  summary: Record<string, string | number | boolean | null>;
  config: unknown;
  classes: string[];
  curve: ReportCurvePoint[];
  evaluations: ReportEvaluation[];
  mistakes: ReportMistake[];
  generatedAt: string;
}

const esc = (s: unknown): string => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const fmt = (v: number | null | undefined, d = 4): string => (v == null || Number.isNaN(v) ? '–' : v.toFixed(d));

/** A line chart of several series over epochs, as inline SVG. */
export function lineChartSvg(title: string, series: { name: string; color: string; points: (number | null)[] }[], width = 460, height = 220): string {
  const pad = { l: 48, r: 12, t: 24, b: 28 };
  const n = Math.max(1, ...series.map((s) => s.points.length));
  const values = series.flatMap((s) => s.points.filter((v): v is number => v != null && Number.isFinite(v)));
  const lo = values.length ? Math.min(...values) : 0;
  const hi = values.length ? Math.max(...values) : 1;
  const span = hi - lo || 1;
  const x = (i: number): number => pad.l + (n === 1 ? 0 : (i / (n - 1)) * (width - pad.l - pad.r));
  const y = (v: number): number => pad.t + (1 - (v - lo) / span) * (height - pad.t - pad.b);
  const lines = series.map((s) => {
    const pts = s.points.map((v, i) => (v == null || !Number.isFinite(v) ? null : `${x(i).toFixed(1)},${y(v).toFixed(1)}`)).filter(Boolean);
    return pts.length ? `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts.join(' ')}"/>` : '';
  });
  const legend = series.map((s, i) => `<text x="${pad.l + 10 + i * 110}" y="16" font-size="12" fill="${s.color}">■ ${esc(s.name)}</text>`).join('');
  const ticks = [lo, (lo + hi) / 2, hi].map((v) => `<text x="4" y="${y(v) + 4}" font-size="10" fill="#555">${fmt(v, 3)}</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${esc(title)}">
<rect x="${pad.l}" y="${pad.t}" width="${width - pad.l - pad.r}" height="${height - pad.t - pad.b}" fill="#fafafa" stroke="#ddd"/>
${ticks}<text x="${width / 2}" y="${height - 6}" font-size="11" text-anchor="middle" fill="#555">epoch (1–${n})</text>
${legend}${lines.join('')}</svg>`;
}

function confusionTable(classes: string[], m: number[][]): string {
  const max = Math.max(1, ...m.flat());
  const head = `<tr><th>true \\ predicted</th>${classes.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>`;
  const rows = m.map((row, i) => `<tr><th>${esc(classes[i])}</th>${row.map((v, j) => {
    const a = (0.15 + 0.85 * (v / max)).toFixed(2);
    const color = i === j ? `rgba(46,125,50,${a})` : `rgba(198,40,40,${v ? a : 0})`;
    return `<td style="background:${color}">${v}</td>`;
  }).join('')}</tr>`);
  return `<table class="cm">${head}${rows.join('')}</table>`;
}

export function renderReport(r: ReportInput): string {
  const stages = [...new Set(r.curve.map((p) => p.stage))];
  const charts = stages.map((stage) => {
    const pts = r.curve.filter((p) => p.stage === stage);
    return `<h3>${esc(stage)}</h3><div class="charts">${lineChartSvg(`${stage} loss`, [
      { name: 'loss', color: '#1565c0', points: pts.map((p) => p.loss) },
      { name: 'val loss', color: '#ef6c00', points: pts.map((p) => p.valLoss) },
    ])}${lineChartSvg(`${stage} accuracy`, [
      { name: 'accuracy', color: '#1565c0', points: pts.map((p) => p.accuracy) },
      { name: 'val accuracy', color: '#ef6c00', points: pts.map((p) => p.valAccuracy) },
    ])}</div>`;
  }).join('');
  const evals = r.evaluations.map((e) => `<h3>${esc(e.part)} (${esc(e.model)})</h3>
<p>accuracy <b>${fmt(e.accuracy)}</b> · loss ${fmt(e.loss)}${e.rocAuc != null ? ` · ROC AUC ${fmt(e.rocAuc)}` : ''}</p>
${confusionTable(r.classes, e.confusion)}
<table><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>${e.perClass.map((c, i) => `<tr><td>${esc(r.classes[i])}</td><td>${fmt(c.precision)}</td><td>${fmt(c.recall)}</td><td>${fmt(c.f1)}</td><td>${c.support}</td></tr>`).join('')}</table>`).join('');
  const mistakes = r.mistakes.length
    ? `<div class="mistakes">${r.mistakes.map((m) => `<figure>${m.thumbnail ? `<img src="${m.thumbnail}" alt="${esc(m.name)}">` : '<div class="noimg">image unavailable</div>'}<figcaption>${esc(m.name)}<br>label <b>${esc(m.label)}</b>, predicted <b>${esc(m.predicted)}</b> (${(m.confidence * 100).toFixed(1)} %)</figcaption></figure>`).join('')}</div>`
    : '<p>No mistakes in the evaluated part.</p>';
  const cell = (v: string | number | boolean | null): string => (typeof v === 'number' && !Number.isInteger(v) ? fmt(v) : esc(v ?? '–'));
  const summary = Object.entries(r.summary).map(([k, v]) => `<tr><th>${esc(k)}</th><td>${cell(v)}</td></tr>`).join('');
  // Features from a random-initialised backbone are for tests and demos: say so where nobody can miss it.
  const randomInit = r.summary['random-init backbone'] === true
    ? '<p class="warn">This run used a <b>random-initialised backbone</b> (tests and demos only): its figures say nothing about real performance.</p>'
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(r.title)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #ddd;padding:4px 8px;text-align:left}
.cm td{text-align:center;min-width:48px}.charts{display:flex;flex-wrap:wrap;gap:12px}
.mistakes{display:flex;flex-wrap:wrap;gap:10px}figure{margin:0;width:150px;font-size:12px}figure img{width:150px;height:150px;object-fit:cover;border:2px solid #c62828}
.warn{background:#fff3e0;border:1px solid #ef6c00;padding:8px 12px;border-radius:6px}.noimg{width:150px;height:150px;background:#eee;display:flex;align-items:center;justify-content:center}pre{background:#f5f5f5;padding:8px;overflow:auto}
</style></head><body>
<h1>${esc(r.title)}</h1>
${randomInit}<table>${summary}</table>
<h2>Training curves</h2>${charts || '<p>No epochs recorded.</p>'}
<h2>Evaluation</h2>${evals || '<p>Not evaluated yet.</p>'}
<h2>Worst mistakes</h2>${mistakes}
<h2>Configuration</h2><pre>${esc(JSON.stringify(r.config, null, 2))}</pre>
<p><small>Generated by Xception Studio at ${esc(r.generatedAt)}.</small></p>
</body></html>
`;
}
