// `work`, or a rejection with `late()` once `ms` have passed, whichever comes first. The error is made only
// when the timer fires: p-timeout builds one (with a stack trace) for every call, which showed up in the
// profile of a hook call that bounds several ledger operations. One promise per bound (not a race of two plus
// a finally): a hook call bounds four to six operations.
export function within<T>(work: Promise<T>, ms: number, late: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(late()), ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
