// One registry of everything that owns a kernel resource (map, program, link, perf event,
// mapping, event-loop watch). Every owner registers itself when created and unregisters when
// closed; whatever is still open is closed on process exit, SIGINT and SIGTERM.
//
// Signals: if nobody else listens for the signal, we close everything and re-raise it with the
// default action (so the shell sees "killed by SIGINT", exit status 130). If the application has
// its own handler (bpfkit's tracing runtime prints maps on Ctrl-C), it owns the behaviour: we do
// nothing then, and the 'exit' hook still closes whatever the application left open.

export interface Closeable {
  close(): void;
}

const open = new Set<Closeable>();
let installed = false;
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

function onSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return; // the application handles it
  closeAll();
  process.removeListener(signal, onSignal);
  process.kill(process.pid, signal);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', closeAll);
  for (const s of SIGNALS) process.on(s, onSignal);
}

/** Register a resource owner; returns it for chaining. */
export function track<T extends Closeable>(owner: T): T {
  install();
  open.add(owner);
  return owner;
}

/** Forget an owner (call from its close()). */
export function untrack(owner: Closeable): void {
  open.delete(owner);
}

/** Close every registered owner, newest first (links before programs before maps). */
export function closeAll(): void {
  const owners = [...open].reverse();
  open.clear();
  for (const o of owners) {
    try {
      o.close();
    } catch {
      // keep closing the rest: a failure here must not leave others attached
    }
  }
}

/** How many owners are open (for tests and leak checks). */
export const openCount = (): number => open.size;
