// `work`, or a rejection with `late()` once `ms` have passed, whichever comes first. The error is made only
// when the timer fires: p-timeout builds one (with a stack trace) for every call, which showed up in the
// profile of a hook call that bounds several ledger operations.
export function within<T>(work: Promise<T>, ms: number, late: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(late()), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
