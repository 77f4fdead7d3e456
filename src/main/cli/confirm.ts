import readline from 'node:readline/promises';
import { invalidArgument } from '../../shared/errors.ts';

/**
 * Asks on the terminal before a run estimated above an hour starts. Without
 * a terminal (scripts, CI) there is no one to ask: it fails and says to pass
 * --yes, rather than silently starting hours of work.
 */
export async function confirmLongRun(what: string): Promise<void> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw invalidArgument(`${what}: more than an hour. Pass --yes to start it anyway, or fewer --fine-tune-epochs / a smaller backbone`);
  }
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question('This is more than an hour. Start it? [y/N] ');
    if (!/^y(es)?$/i.test(answer.trim())) throw invalidArgument('fine-tuning not started (answered no); pass --yes to skip the question');
  } finally {
    rl.close();
  }
}
