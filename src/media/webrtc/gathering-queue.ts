/**
 * Runs ICE candidate gathering one connection at a time within a worker. werift picks a UDP
 * port by binding and closing probe sockets from the bottom of the range and binds the real
 * socket later, so two connections gathering at once can both pick the same port and one ends
 * up without a candidate. Host gathering takes milliseconds, so queueing costs little.
 */
let tail: Promise<unknown> = Promise.resolve();

export function gatherSerially<T>(work: () => Promise<T>): Promise<T> {
  const result = tail.then(work, work);
  tail = result.catch(() => undefined);
  return result;
}
