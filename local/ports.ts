import { createServer } from 'node:net';

/** A port that was free a moment ago (the OS picks it); for tests and throw-away runs. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  await listen(server, 0, host);
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string')
    throw new Error('could not read the port of a probe socket');
  return address.port;
}

/** Throws when something already listens on `port`, before a child would race it for the port. */
export async function assertPortFree(port: number, host = '127.0.0.1'): Promise<void> {
  const server = createServer();
  try {
    await listen(server, port, host);
  } catch (error) {
    if (isErrnoException(error) && error.code === 'EADDRINUSE') {
      throw new Error(`Port ${port} is already in use; stop whatever listens there or choose another port.`);
    }
    throw error;
  }
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/**
 * Like `assertPortFree`, but gives a process that is shutting down time to release the port (a
 * JVM's main thread can be reaped while its other threads still hold the listening socket).
 */
export async function waitForPortFree(port: number, timeoutMs: number, host = '127.0.0.1'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertPortFree(port, host);
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function listen(server: ReturnType<typeof createServer>, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function isErrnoException(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && 'code' in error;
}
