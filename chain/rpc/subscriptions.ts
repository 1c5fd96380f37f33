/**
 * The subscription registry behind /websocket: which client listens to which query, within limits,
 * and the fan-out of each committed block's events to the matching subscriptions. It listens to the
 * node's commits only while some subscription exists, and does the work after the commit callback
 * returns (setImmediate), so consensus never waits for subscribers.
 */
import { type EventQuery, matchesEvent, parseEventQuery } from "./event-query.ts";
import { blockEvents, type CommittedBlockView, type PublishedEvent } from "./events.ts";

export interface SubscriptionLimits {
  /** Clients holding at least one subscription (CometBFT's max_subscription_clients). */
  maxClients: number;
  /** Subscriptions of one client (CometBFT's max_subscriptions_per_client). */
  maxSubscriptionsPerClient: number;
}

/** A subscription error, answered as a JSON-RPC internal error with this message as data. */
export class SubscriptionError extends Error {}

/** Receives the events of one subscription: `query` is the text it was subscribed with. */
export type Deliver = (query: string, event: PublishedEvent) => void;

type CommitSource = (listener: (c: CommittedBlockView) => void) => () => void;

interface Subscription {
  query: EventQuery;
  deliver: Deliver;
}

/** One client's view of the registry (a websocket connection). */
export interface SubscriberHandle {
  subscribe(query: string, deliver: Deliver): void;
  unsubscribe(query: string): void;
  unsubscribeAll(): void;
  readonly count: number;
}

export class EventHub {
  private readonly clients = new Map<number, Map<string, Subscription>>();
  private nextClient = 1;
  private stopListening: (() => void) | undefined;
  private closed = false;

  constructor(
    private readonly source: CommitSource,
    private readonly limits: SubscriptionLimits,
    private readonly onError: (e: unknown) => void = () => {},
  ) {}

  /** A handle for a new client; call its unsubscribeAll when the client goes away. */
  client(): SubscriberHandle {
    const id = this.nextClient++;
    const subs = () => this.clients.get(id);
    return {
      subscribe: (text, deliver) => {
        const query = parseEventQuery(text);
        const mine = subs();
        if (!mine && this.clients.size >= this.limits.maxClients) {
          throw new SubscriptionError(`max_subscription_clients ${this.limits.maxClients} reached`);
        }
        if (mine?.has(text)) throw new SubscriptionError("already subscribed");
        if ((mine?.size ?? 0) >= this.limits.maxSubscriptionsPerClient) {
          throw new SubscriptionError(
            `max_subscriptions_per_client ${this.limits.maxSubscriptionsPerClient} reached`,
          );
        }
        const m = mine ?? new Map<string, Subscription>();
        m.set(text, { query, deliver });
        this.clients.set(id, m);
        this.listen();
      },
      unsubscribe: (text) => {
        const mine = subs();
        if (!mine?.delete(text)) throw new SubscriptionError("subscription not found");
        if (mine.size === 0) this.drop(id);
      },
      unsubscribeAll: () => this.drop(id),
      get count() {
        return subs()?.size ?? 0;
      },
    };
  }

  close(): void {
    this.closed = true;
    this.clients.clear();
    this.stopListening?.();
    this.stopListening = undefined;
  }

  /**
   * Delivers the events of one committed block to every matching subscription. An event's data is
   * built (and serialised, PublishedEvent.json) only when a subscription reads it. Iterating the
   * live maps is safe: a delivery may drop its client (a slow one), and a Map skips deleted entries.
   */
  publish(c: CommittedBlockView): void {
    if (this.clients.size === 0) return;
    for (const event of blockEvents(c)) {
      for (const subs of this.clients.values()) {
        for (const s of subs.values()) {
          if (!matchesEvent(s.query, event.events)) continue;
          try {
            s.deliver(s.query.text, event);
          } catch (e) {
            this.onError(e);
          }
        }
      }
    }
  }

  private drop(id: number): void {
    this.clients.delete(id);
    if (this.clients.size === 0) {
      this.stopListening?.();
      this.stopListening = undefined;
    }
  }

  private listen(): void {
    if (this.stopListening || this.closed) return;
    this.stopListening = this.source((c) => {
      setImmediate(() => {
        try {
          this.publish(c);
        } catch (e) {
          this.onError(e);
        }
      });
    });
  }
}
