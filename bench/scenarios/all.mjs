// The benchmark's scenarios in run order: `npm run bench` runs them, bench/tools/rechart.mjs
// redraws their charts from a saved run.
import * as ceiling from "./ceiling.mjs";
import * as overhead from "./overhead.mjs";
import * as overload from "./overload.mjs";
import * as noisy from "./noisy-neighbour.mjs";
import * as integrity from "./integrity.mjs";
import * as distance from "./distance.mjs";
import * as chaos from "./chaos.mjs";
import * as authFlood from "./auth-flood.mjs";
import * as fairness from "./weighted-fairness.mjs";
import * as conservation from "./work-conservation.mjs";
import * as readHeavy from "./read-heavy.mjs";
import * as hotTenant from "./hot-tenant.mjs";
import * as shardFailure from "./shard-failure.mjs";
import * as budgetAccuracy from "./budget-accuracy.mjs";

export const SCENARIOS = [ceiling, overhead, overload, noisy, integrity, distance, chaos, authFlood, fairness, conservation, readHeavy, hotTenant, shardFailure, budgetAccuracy];
