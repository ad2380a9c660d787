/**
 * Bounded, interruptible sleeping for the live harnesses. Every sleep has a deadline; `Stopper`
 * ends all of them at once and for good (a session's end), `Bell` wakes the current sleepers and
 * can ring again (a heartbeat that must go out now).
 */

/** Interruptible sleeping: `stop()` wakes every sleeper at once; later sleeps return at once. */
export class Stopper {
  stopped = false;
  private wake: () => void = () => {};
  private readonly woken = new Promise<void>((res) => (this.wake = res));
  stop(): void {
    this.stopped = true;
    this.wake();
  }
  async sleep(ms: number): Promise<void> {
    if (this.stopped || ms <= 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([new Promise<void>((res) => (timer = setTimeout(res, ms))), this.woken]);
    clearTimeout(timer);
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
    let timer: NodeJS.Timeout | undefined;
    const waits = [new Promise<void>((res) => (timer = setTimeout(res, ms))), this.rung];
    if (this.stopper !== undefined) waits.push(this.stopper.sleep(ms));
    await Promise.race(waits);
    clearTimeout(timer);
  }
}
