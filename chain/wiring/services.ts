import { DEFAULT_FL_SERVICE_JSON } from "../../modules/fl/service/config.ts";
import { FlAggregatorService } from "../../modules/fl/service/service.ts";
import { flUploadCheck } from "../../modules/fl/service/upload-check.ts";
import type { NodeExtensions } from "../node/services.ts";
import type { JsonObject } from "../types/json.ts";

/**
 * The node services wiring (as app.ts is the app's): the one place in chain/ that names the
 * modules' services and upload checks.
 */
export function nodeExtensions(): NodeExtensions {
  return {
    // The FL committee member's aggregator: idle unless this node validates (modules/fl/service).
    services: [() => new FlAggregatorService()],
    // `PUT /blobs?task=<id>`: the bytes must be a model of that task (size, finite float32s).
    uploadChecks: [(ctx) => flUploadCheck(ctx)],
  };
}

/** The services' sections of a new node's config.json (`cifer node init`). */
export function serviceConfigDefaults(): JsonObject {
  return { fl: { ...DEFAULT_FL_SERVICE_JSON } };
}
