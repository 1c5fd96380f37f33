/**
 * The events a committed block publishes to subscribers, shaped as CometBFT 0.38's event bus
 * (types/events.go, types/event_bus.go) sends them over /websocket:
 *
 *   NewBlock        {block, block_id, result_finalize_block}   attributes: finalize_block events
 *   NewBlockHeader  {header}                                   attributes: none
 *   Tx              {TxResult: {height, index, tx, result}}    attributes: the tx's events, tx.hash, tx.height
 *
 * Every event also carries `tm.event`. The ABCI parts (result_finalize_block, result) are the protobuf
 * messages as cmtjson prints them: zero-valued fields are left out (omitempty), int64 as strings.
 */
import type { Event, ExecTxResult, ResponseFinalizeBlock } from "cosmjs-types/tendermint/abci/types";
import type { Block } from "cosmjs-types/tendermint/types/block";
import type { BlockID } from "cosmjs-types/tendermint/types/types";
import { toBase64, toHexUpper, txHash } from "../crypto/hash.ts";
import type { EventAttributes } from "./event-query.ts";
import {
  blockIdJson,
  blockJson,
  consensusParamsJson,
  eventJson,
  headerJson,
  int,
  type JsonObj,
  txResultJson,
  validatorUpdateJson,
} from "./json.ts";

export const EVENT_TYPE_KEY = "tm.event";

export type EventKind = "NewBlock" | "NewBlockHeader" | "Tx";

/** One published event: what `result.data` and `result.events` of a subscription message hold. */
export interface PublishedEvent {
  kind: EventKind;
  /** Built on first read: an event no subscription matches never pays for its JSON. */
  readonly data: { type: string; value: JsonObj };
  events: EventAttributes;
  /** `"data":…,"events":…` as serialised once for every subscription message carrying the event. */
  readonly json: string;
}

type EventData = PublishedEvent["data"];

function published(kind: EventKind, events: EventAttributes, build: () => EventData): PublishedEvent {
  let data: EventData | undefined;
  let json: string | undefined;
  const getData = () => {
    data ??= build();
    return data;
  };
  return {
    kind,
    events,
    get data() {
      return getData();
    },
    get json() {
      json ??= `"data":${JSON.stringify(getData())},"events":${JSON.stringify(events)}`;
      return json;
    },
  };
}

/** What the node reports for each committed block. */
export interface CommittedBlockView {
  block: Block;
  blockId: BlockID;
  results: ResponseFinalizeBlock;
}

/** The events of one committed block, in CometBFT's order: NewBlock, NewBlockHeader, then each Tx. */
export function blockEvents(c: CommittedBlockView): PublishedEvent[] {
  const out: PublishedEvent[] = [
    published("NewBlock", attributesOf("NewBlock", c.results.events), () => ({
      type: "tendermint/event/NewBlock",
      value: {
        block: blockJson(c.block),
        block_id: blockIdJson(c.blockId),
        result_finalize_block: finalizeBlockEventJson(c.results),
      },
    })),
    published("NewBlockHeader", attributesOf("NewBlockHeader", []), () => ({
      type: "tendermint/event/NewBlockHeader",
      value: { header: headerJson(c.block.header) },
    })),
  ];
  const height = c.block.header.height;
  c.block.data.txs.forEach((tx, index) => {
    const result = c.results.txResults[index];
    if (result) out.push(txEvent(height, index, tx, result));
  });
  return out;
}

export function txEvent(height: bigint, index: number, tx: Uint8Array, result: ExecTxResult): PublishedEvent {
  const events = attributesOf("Tx", result.events, {
    "tx.hash": [toHexUpper(txHash(tx))],
    "tx.height": [int(height)],
  });
  return published("Tx", events, () => {
    const txResult: JsonObj = { height: int(height) };
    if (index !== 0) txResult.index = index;
    if (tx.length > 0) txResult.tx = toBase64(tx);
    txResult.result = execTxResultEventJson(result);
    return { type: "tendermint/event/Tx", value: { TxResult: txResult } };
  });
}

/**
 * The attribute map of an event: "type.key" -> values for every ABCI event with a type and every
 * attribute with a key (as CometBFT's validateAndStringifyEvents), plus the reserved keys.
 */
function attributesOf(
  kind: EventKind,
  events: readonly Event[],
  reserved: Record<string, string[]> = {},
): EventAttributes {
  const out: Record<string, string[]> = {};
  for (const e of events) {
    if (e.type === "") continue;
    for (const a of e.attributes) {
      if (a.key === "") continue;
      const k = `${e.type}.${a.key}`;
      const values = out[k] ?? [];
      values.push(a.value);
      out[k] = values;
    }
  }
  for (const [k, v] of Object.entries(reserved)) out[k] = v;
  out[EVENT_TYPE_KEY] = [kind];
  return out;
}

// ---------------------------------------------------------------- cmtjson of the ABCI messages

/** Drops the keys whose value is the protobuf zero value of its field (cmtjson's omitempty). */
function omit(o: JsonObj, zero: (key: string) => boolean): JsonObj {
  const out: JsonObj = {};
  for (const [k, v] of Object.entries(o)) if (!zero(k)) out[k] = v;
  return out;
}

function abciEventJson(e: Event): JsonObj {
  const j = eventJson(e);
  return omit(
    {
      ...j,
      attributes: e.attributes.map((a, i) =>
        omit((j.attributes as JsonObj[])[i]!, (k) =>
          k === "index" ? !a.index : k === "key" ? a.key === "" : k === "value" ? a.value === "" : false,
        ),
      ),
    },
    (k) => (k === "type" ? e.type === "" : k === "attributes" ? e.attributes.length === 0 : false),
  );
}

export function execTxResultEventJson(r: ExecTxResult): JsonObj {
  const j = { ...txResultJson(r), events: r.events.map(abciEventJson) };
  return omit(j, (k) => {
    switch (k) {
      case "code":
        return r.code === 0;
      case "data":
        return r.data.length === 0;
      case "log":
        return r.log === "";
      case "info":
        return r.info === "";
      case "gas_wanted":
        return r.gasWanted === 0n;
      case "gas_used":
        return r.gasUsed === 0n;
      case "events":
        return r.events.length === 0;
      case "codespace":
        return r.codespace === "";
      default:
        return false;
    }
  });
}

function finalizeBlockEventJson(r: ResponseFinalizeBlock): JsonObj {
  const out: JsonObj = {};
  if (r.events.length > 0) out.events = r.events.map(abciEventJson);
  if (r.txResults.length > 0) out.tx_results = r.txResults.map(execTxResultEventJson);
  if (r.validatorUpdates.length > 0) out.validator_updates = r.validatorUpdates.map(validatorUpdateJson);
  if (r.consensusParamUpdates) out.consensus_param_updates = consensusParamsJson(r.consensusParamUpdates);
  if (r.appHash.length > 0) out.app_hash = toBase64(r.appHash);
  return out;
}
