/**
 * DNS rebinding guard for browser mode: a page of evil.example whose name was
 * re-pointed at 127.0.0.1 reaches the studio with `Host: evil.example:PORT`.
 * Only the address the server is bound to (and `localhost` for a loopback
 * bind, which never leaves the machine) is accepted as Host. Bound to every
 * address (0.0.0.0 / ::) any IP literal with our port is fine: rebinding needs
 * a name, and names other than localhost are still refused.
 */
import net from 'node:net';

export interface HostGuard {
  /** The address to print and to name in refusals. */
  shown: string;
  allows(header: string | undefined): boolean;
}

export function hostGuard(host: string, port: number): HostGuard {
  const bracket = (h: string): string => (h.includes(':') ? `[${h}]` : h);
  const everyAddress = host === '0.0.0.0' || host === '::';
  const loopback = host === '127.0.0.1' || host === '::1' || host === 'localhost';
  const exact = new Set([`${bracket(host)}:${port}`]);
  if (loopback || everyAddress) for (const h of ['localhost', '127.0.0.1', '[::1]']) exact.add(`${h}:${port}`);
  return {
    shown: everyAddress ? `127.0.0.1:${port}` : `${bracket(host)}:${port}`,
    allows(header) {
      if (!header) return false;
      const h = header.trim().toLowerCase();
      if (exact.has(h)) return true;
      if (!everyAddress || !h.endsWith(`:${port}`)) return false;
      return net.isIP(h.slice(0, h.length - String(port).length - 1).replace(/^\[(.*)\]$/, '$1')) !== 0;
    },
  };
}
