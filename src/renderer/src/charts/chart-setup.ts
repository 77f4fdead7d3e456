// chart.js, registered once with only the pieces the studio draws (tree-shaken),
// and themed to match styles/theme.css. chart.js uses no eval, so the strict CSP holds.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Decimation,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';

Chart.register(LineController, LineElement, PointElement, BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip, Filler, Decimation);
Chart.defaults.color = '#9aa3b2';
Chart.defaults.borderColor = '#323845';
Chart.defaults.font.family = "'Inter', system-ui, sans-serif";
Chart.defaults.font.size = 11;

/** Distinct series colours, in order; the first two are train/val blue and orange. */
export const seriesColors = ['#5b8cff', '#ff9f43', '#3ecf8e', '#e056fd', '#f5b942', '#48dbfb', '#ff6b6b', '#c8d6e5'];

export { Chart };
