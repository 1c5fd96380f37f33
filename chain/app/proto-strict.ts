import { BinaryReader, WireType } from "cosmjs-types/binary";

/**
 * The Cosmos SDK rejects txs carrying protobuf fields it does not know (unknowncheck), because the
 * signature covers bytes the node could otherwise not interpret. Field numbers with bit 11 set
 * (>= 1024) are "non-critical" and may be skipped.
 */
export interface MessageSchema {
  [field: number]: { wire: WireType; nested?: () => MessageSchema; repeated?: boolean };
}

export function findUnknownField(bytes: Uint8Array, schema: MessageSchema, path = ""): string | null {
  const r = new BinaryReader(bytes);
  while (r.pos < r.len) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 0) return `${path}: invalid field number 0`;
    const spec = schema[field];
    if (!spec) {
      if ((field & 1024) === 0) return `${path}: unknown field ${field}`;
      r.skipType(wire);
      continue;
    }
    if (spec.wire !== wire) return `${path}: field ${field} has wire type ${wire}, expected ${spec.wire}`;
    if (spec.nested) {
      const inner = r.bytes();
      const bad = findUnknownField(inner, spec.nested(), `${path}.${field}`);
      if (bad) return bad;
    } else {
      r.skipType(wire);
    }
  }
  return null;
}

const LEN = WireType.Bytes;
const VARINT = WireType.Varint;

const anySchema = (): MessageSchema => ({ 1: { wire: LEN }, 2: { wire: LEN } });
const coinSchema = (): MessageSchema => ({ 1: { wire: LEN }, 2: { wire: LEN } });
const modeInfoSchema = (): MessageSchema => ({
  1: { wire: LEN, nested: () => ({ 1: { wire: VARINT } }) },
  2: { wire: LEN, nested: () => ({ 1: { wire: LEN }, 2: { wire: LEN, nested: modeInfoSchema } }) },
});

export const TX_RAW_SCHEMA: MessageSchema = { 1: { wire: LEN }, 2: { wire: LEN }, 3: { wire: LEN } };

export const TX_BODY_SCHEMA: MessageSchema = {
  1: { wire: LEN, nested: anySchema },
  2: { wire: LEN },
  3: { wire: VARINT },
  1023: { wire: LEN, nested: anySchema },
  2047: { wire: LEN, nested: anySchema },
};

export const AUTH_INFO_SCHEMA: MessageSchema = {
  1: {
    wire: LEN,
    nested: () => ({
      1: { wire: LEN, nested: anySchema },
      2: { wire: LEN, nested: modeInfoSchema },
      3: { wire: VARINT },
    }),
  },
  2: {
    wire: LEN,
    nested: () => ({
      1: { wire: LEN, nested: coinSchema },
      2: { wire: VARINT },
      3: { wire: LEN },
      4: { wire: LEN },
    }),
  },
  3: { wire: LEN, nested: () => ({ 1: { wire: LEN, nested: coinSchema }, 2: { wire: LEN } }) },
};
