// What every scenario receives. Kept as a typedef so scenarios stay plain functions.
/**
 * @typedef {object} BenchContext
 * @property {boolean} quick
 * @property {string} runId                   unique per run; prefixes every benchmark write
 * @property {string} servingPath
 * @property {string} clientKind
 * @property {(s: string) => void} log        progress, on stderr
 * @property {(full: number, quick: number) => number} seconds   a duration for the current mode
 * @property {import("./taskflow.mjs").Taskflow} taskflow
 * @property {import("./ledger.mjs").Ledger} ledger
 * @property {Record<string, any>} shared     figures one scenario measures and a later one uses (capacity…)
 *
 * @typedef {object} ScenarioResult
 * @property {string} id
 * @property {string} title
 * @property {{title: string, headers: string[], rows: (string|number)[][]}[]} tables
 * @property {import("../lib/stats.ts").Target[]} targets
 * @property {import("../lib/svg-chart.ts").Panel[]} charts   chart panels; a scenario that draws any exports charts(data), which builds them from `data`
 * @property {string[]} notes
 * @property {boolean} [failed]                integrity failure: the run exits non-zero
 * @property {string} [error]                  the scenario threw; the rest of the run went on
 * @property {unknown} data
 */
export {};
