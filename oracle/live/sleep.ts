/**
 * Bounded, interruptible sleeping for the live harnesses. Every sleep has a deadline; `Stopper`
 * ends all of them at once and for good (a session's end), `Bell` wakes the current sleepers and
 * can ring again (a heartbeat that must go out now).
 */

/** Waits until the first of `wakers` settles or `ms` pass, whichever is sooner (a waker keeps running after); the timer never outlives the wait. */
export async function within(ms: number, ...wakers: Promise<unknown>[]): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([new Promise<void>((res) => (timer = setTimeout(res, ms))), ...wakers]);
  clearTimeout(timer);
}

/** Interruptible sleeping: `stop()` wakes every sleeper at once; later sleeps return at once. */
export class Stopper {
  stopped = false;
  private wake: () => void = () => {};
  /** Settles at `stop()`. */
  readonly woken = new Promise<void>((res) => (this.wake = res));
  stop(): void {
    this.stopped = true;
    this.wake();
  }
  async sleep(ms: number): Promise<void> {
    if (this.stopped || ms <= 0) return;
    await within(ms, this.woken);
  }
}

/** A re-armable wake-up: `ring()` ends the sleeps in progress (and those of `stopper`, if given, end on stop). */
export class Bell {
  private wake: () => void = () => {};
  private rung = new Promise<void>((res) => (this.wake = res));

  constructor(private readonly stopper?: Stopper) {}

  ring(): void {
    const wake = this.wake;
    this.rung = new Promise<void>((res) => (this.wake = res));
    wake();
  }

  async sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.stopper?.stopped === true) return;
    await within(ms, this.rung, ...(this.stopper === undefined ? [] : [this.stopper.woken]));
  }
}
