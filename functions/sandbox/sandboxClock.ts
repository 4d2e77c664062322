// Kraken sandbox: the controllable clock. Its "now" decides which candles exist and at what price
// orders fill. It can follow the wall clock (optionally faster) or stand still until moved.

/** Sandbox time: `now = anchor + (wall − wallAnchor) × speed`; speed 0 freezes it. */
export class SandboxClock {
  private anchorMs: number;
  private wallAnchorMs: number;
  private speedFactor: number;

  constructor(
    startMs: number,
    speed: number,
    private readonly wallNowMs: () => number = Date.now,
  ) {
    if (!Number.isFinite(startMs)) throw new Error('clock start must be a finite time');
    if (!(speed >= 0)) throw new Error('clock speed must be 0 or more');
    this.anchorMs = startMs;
    this.wallAnchorMs = wallNowMs();
    this.speedFactor = speed;
  }

  /** Current sandbox time in ms (integer). */
  nowMs(): number {
    return Math.floor(this.anchorMs + (this.wallNowMs() - this.wallAnchorMs) * this.speedFactor);
  }

  /** Jumps to `ms`; with a running clock, time keeps flowing from there. */
  setTime(ms: number): void {
    if (!Number.isFinite(ms)) throw new Error('time must be finite');
    this.anchorMs = ms;
    this.wallAnchorMs = this.wallNowMs();
  }

  /** Moves time forward by `ms`. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new Error('advance needs a non-negative number of ms');
    this.setTime(this.nowMs() + ms);
  }

  get speed(): number {
    return this.speedFactor;
  }

  /** Changes the speed from now on (0 freezes). */
  setSpeed(speed: number): void {
    if (!(speed >= 0)) throw new Error('clock speed must be 0 or more');
    this.setTime(this.nowMs());
    this.speedFactor = speed;
  }
}
