/** ABCI events as CometBFT indexes them: a type and string attributes. */
export interface EventAttribute {
  key: string;
  value: string;
  index: boolean;
}

export interface AbciEvent {
  type: string;
  attributes: EventAttribute[];
}

export function event(type: string, attrs: Array<[string, string]>): AbciEvent {
  return { type, attributes: attrs.map(([key, value]) => ({ key, value, index: true })) };
}

/** Collects the events of one execution scope; a failed message's events are dropped with its state. */
export class EventManager {
  private readonly list: AbciEvent[] = [];

  emit(e: AbciEvent): void {
    this.list.push(e);
  }

  emitAll(es: AbciEvent[]): void {
    for (const e of es) this.list.push(e);
  }

  get events(): AbciEvent[] {
    return this.list;
  }
}
