import { Agent, request } from 'node:http';

export interface LoadResult {
  /** Answers by status code: every request sent was answered and counted. */
  statuses: Record<number, number>;
  errors: number;
}

/**
 * A closed-loop load on loopback: `connections` keep-alive clients, each sending its next
 * request when the last one was answered, until `durationMs` have passed. Unlike a load tool
 * that stops mid-request, every request it sent is counted with its answer.
 */
export async function closedLoopLoad(options: {
  port: number;
  paths: string[];
  connections: number;
  durationMs: number;
  headers?: Record<string, string>;
  /** Each client stops at its first failed request (the server went away) instead of going on. */
  stopOnError?: boolean;
}): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const result: LoadResult = { statuses: {}, errors: 0 };
  const deadline = Date.now() + options.durationMs;
  let next = 0;

  const one = (path: string) =>
    new Promise<boolean>((done) => {
      const req = request(
        { host: '127.0.0.1', port: options.port, path, agent, headers: options.headers },
        (res) => {
          res.resume();
          res.on('end', () => {
            result.statuses[res.statusCode!] = (result.statuses[res.statusCode!] ?? 0) + 1;
            done(true);
          });
        },
      );
      req.on('error', () => {
        result.errors++;
        done(false);
      });
      req.end();
    });

  await Promise.all(
    Array.from({ length: options.connections }, async () => {
      while (Date.now() < deadline) {
        const answered = await one(options.paths[next++ % options.paths.length]!);
        if (!answered && options.stopOnError) return;
      }
    }),
  );
  agent.destroy();
  return result;
}
