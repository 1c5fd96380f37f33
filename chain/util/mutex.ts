/** Serialises async critical sections (CheckTx against the shared check state, mempool updates). */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const prev = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => {
      release = r;
    });
    await prev;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

/**
 * A mutex with two classes of waiters: an urgent one goes before every normal one queued, each
 * class in arrival order (as a pending writer goes before new readers in Go's RWMutex: a block's
 * mempool update does not wait for the CheckTx backlog).
 */
export class PriorityMutex {
  private held = false;
  private readonly urgent = new Queue<() => void>();
  private readonly normal = new Queue<() => void>();

  async run<T>(fn: () => Promise<T>, urgent = false): Promise<T> {
    if (this.held) await new Promise<void>((r) => (urgent ? this.urgent : this.normal).push(r));
    else this.held = true;
    try {
      return await fn();
    } finally {
      // Hand the lock straight to the next waiter, if any.
      const next = this.urgent.shift() ?? this.normal.shift();
      if (next) next();
      else this.held = false;
    }
  }

  /** Waiters not yet holding the lock. */
  get waiting(): number {
    return this.urgent.size + this.normal.size;
  }

  /** Urgent waiters not yet holding the lock. */
  get urgentWaiting(): number {
    return this.urgent.size;
  }
}

class Queue<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(x: T): void {
    this.items.push(x);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const x = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return x;
  }
}
