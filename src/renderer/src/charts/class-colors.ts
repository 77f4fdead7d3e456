// One stable colour per class position, used for label chips and chart bars.
const palette = ['#5b8cff', '#ff9f43', '#3ecf8e', '#e056fd', '#48dbfb', '#f5b942', '#ff6b6b', '#a3cb38', '#c8d6e5', '#9b6bff'];

export function classColor(position: number): string {
  return palette[((position % palette.length) + palette.length) % palette.length];
}
