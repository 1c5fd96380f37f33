import { DEFAULT_FL_SERVICE_JSON } from "../../modules/fl/service/config.ts";
import { FlAggregatorService } from "../../modules/fl/service/service.ts";
import { flUploadCheck } from "../../modules/fl/service/upload-check.ts";
import { DEFAULT_MARKET_SERVICE_JSON } from "../../modules/market/service/config.ts";
import { MarketEscrowService } from "../../modules/market/service/service.ts";
import type { NodeExtensions } from "../node/services.ts";
import type { JsonObject } from "../types/json.ts";

/**
 * The node services wiring (as app.ts is the app's): the one place in chain/ that names the
 * modules' services and upload checks.
 */
export function nodeExtensions(): NodeExtensions {
  return {
    services: [
      // The FL committee member's aggregator: idle unless this node validates (modules/fl/service).
      () => new FlAggregatorService(),
      // The escrow committee member's evaluator: idle unless this node validates (modules/market/service).
      () => new MarketEscrowService(),
    ],
    // `PUT /blobs?task=<id>`: the bytes must be a model of that task (size, finite float32s).
    uploadChecks: [(ctx) => flUploadCheck(ctx)],
  };
}

/** The services' sections of a new node's config.json (`cifer node init`). */
export function serviceConfigDefaults(): JsonObject {
  return { fl: { ...DEFAULT_FL_SERVICE_JSON }, market: { ...DEFAULT_MARKET_SERVICE_JSON } };
}
