/** "1 image", "3 images": counts in the words the core's messages and history use. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
