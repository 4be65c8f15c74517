// Generated from openapi/openapi.json by openapi-typescript (`npm run openapi`); do not edit.

export interface paths {
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness: the Worker runs */
        get: operations["getLiveness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readiness: D1 answers a trivial query */
        get: operations["getReadiness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tasks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List tasks (filters, sort, cursor pagination) */
        get: operations["listTasks"];
        put?: never;
        /** Create a task */
        post: operations["createTask"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tasks/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Counts by status and priority, and overdue tasks, computed in SQL */
        get: operations["getTaskStats"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tasks/batch": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Apply up to 100 create/update/delete operations atomically */
        post: operations["batchTasks"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tasks/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a task */
        get: operations["getTask"];
        put?: never;
        post?: never;
        /** Delete a task (If-Match honoured) */
        delete: operations["deleteTask"];
        options?: never;
        head?: never;
        /** Update a task (If-Match for optimistic concurrency) */
        patch: operations["updateTask"];
        trace?: never;
    };
    "/v1/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the tenant's users */
        get: operations["listUsers"];
        put?: never;
        /** Create a user (email unique per tenant) */
        post: operations["createUser"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/users/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a user */
        get: operations["getUser"];
        put?: never;
        post?: never;
        /** Delete a user; their tasks become unassigned */
        delete: operations["deleteUser"];
        options?: never;
        head?: never;
        /** Update a user */
        patch: operations["updateUser"];
        trace?: never;
    };
    "/admin/tenants": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Create a tenant and its first API key (shown once) */
        post: operations["createTenant"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/tenants/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A tenant with its effective quota */
        get: operations["getTenant"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/tenants/{id}/quota": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The tenant's effective quota */
        get: operations["getTenantQuota"];
        /** Replace the tenant's quota overrides; effective at once */
        put: operations["replaceTenantQuota"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/tenants/{id}/keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the tenant's API keys (prefixes only) */
        get: operations["listTenantKeys"];
        put?: never;
        /** Issue a new API key (shown once) */
        post: operations["issueTenantKey"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/tenants/{id}/keys/{keyId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke an API key (idempotent) */
        delete: operations["revokeTenantKey"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/tenants/{id}/admission": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Live admission state of the tenant's controller */
        get: operations["getTenantAdmission"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Prometheus text exposition of every metric
         * @description Text format 0.0.4. Flushes this isolate's telemetry first, so the scrape includes the requests it answered.
         */
        get: operations["getMetrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/performance": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Performance report: windows, percentiles, recommendations */
        get: operations["getPerformanceReport"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/alerts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Active alerts and those closed in the last 7 days */
        get: operations["listAlerts"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/dashboard-data": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The dashboard's series: one point per minute */
        get: operations["getDashboardData"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/governor": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The resource governor: D1 budget, contention, and each tenant's demand, forecast, weight and share */
        get: operations["getGovernor"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        Problem: {
            type: string;
            title: string;
            status: number;
            detail: string;
            errors?: {
                path: string;
                message: string;
            }[];
        };
        Health: {
            /** @enum {string} */
            status: "ok";
        };
        Readiness: {
            /** @enum {string} */
            status: "ready";
            checks: {
                d1: {
                    ok: boolean;
                    /** @description Round trip of `SELECT 1` */
                    ms: number;
                };
            };
        };
        TaskList: {
            data: components["schemas"]["Task"][];
            nextCursor: string | null;
        };
        Task: {
            id: string;
            title: string;
            description: string;
            /** @enum {string} */
            status: "pending" | "in_progress" | "completed";
            /** @enum {string} */
            priority: "low" | "medium" | "high";
            dueDate: string | null;
            assigneeId: string | null;
            createdAt: string;
            updatedAt: string;
            version: number;
        };
        TaskStats: {
            total: number;
            byStatus: {
                pending: number;
                in_progress: number;
                completed: number;
            };
            byPriority: {
                low: number;
                medium: number;
                high: number;
            };
            overdue: number;
            asOf: string;
        };
        TaskBatchResult: {
            results: {
                /** @enum {string} */
                op: "create" | "update" | "delete";
                id: string;
                task: components["schemas"]["Task"] & (Record<string, never> | null);
            }[];
        };
        TaskBatch: {
            operations: ({
                /** @enum {string} */
                op: "create";
                data: components["schemas"]["TaskCreate"];
            } | {
                /** @enum {string} */
                op: "update";
                id: string;
                /** @description Expected current version; the batch fails with 409 if it differs */
                version?: number;
                data: components["schemas"]["TaskUpdate"];
            } | {
                /** @enum {string} */
                op: "delete";
                id: string;
                /** @description Expected current version; the batch fails with 409 if it differs */
                version?: number;
            })[];
        };
        TaskCreate: {
            title: string;
            description?: string;
            /** @enum {string} */
            status?: "pending" | "in_progress" | "completed";
            /** @enum {string} */
            priority?: "low" | "medium" | "high";
            /**
             * Format: date-time
             * @example 2026-12-01T17:00:00Z
             */
            dueDate?: string | null;
            assigneeId?: string | null;
        };
        TaskUpdate: {
            title?: string;
            description?: string;
            /** @enum {string} */
            status?: "pending" | "in_progress" | "completed";
            /** @enum {string} */
            priority?: "low" | "medium" | "high";
            /**
             * Format: date-time
             * @example 2026-12-01T17:00:00Z
             */
            dueDate?: string | null;
            assigneeId?: string | null;
        };
        UserList: {
            data: components["schemas"]["User"][];
            nextCursor: string | null;
        };
        User: {
            id: string;
            email: string;
            name: string;
            createdAt: string;
            updatedAt: string;
        };
        UserCreate: {
            /** Format: email */
            email: string;
            name: string;
        };
        UserUpdate: {
            /** Format: email */
            email?: string;
            name?: string;
        };
        TenantCreated: components["schemas"]["Tenant"] & {
            /** @description Shown once; only its SHA-256 is stored */
            apiKey: string;
            apiKeyId: string;
        };
        Quota: {
            rateLimit: {
                requests: number;
                windowMs: number;
                burst: number;
            };
            maxConcurrency: number;
            minConcurrency: number;
            queueSize: number;
            timeoutMs: number;
            /** @enum {string} */
            maxPriority: "critical" | "high" | "normal" | "low";
            /** @enum {string} */
            limitAlgorithm?: "gradient2" | "aimd";
            weight?: number;
            routeCosts: {
                [key: string]: number;
            };
        };
        QuotaOverrides: {
            rateLimit?: {
                requests?: number;
                windowMs?: number;
                burst?: number;
            };
            maxConcurrency?: number;
            minConcurrency?: number;
            queueSize?: number;
            timeoutMs?: number;
            /** @enum {string} */
            maxPriority?: "critical" | "high" | "normal" | "low";
            /**
             * @description Adaptive concurrency algorithm: gradient2 (default) or aimd
             * @enum {string}
             */
            limitAlgorithm?: "gradient2" | "aimd";
            /** @description The tenant's weight in the resource governor's fair shares of D1 concurrency (default 1): weight 2 gets twice the share of weight 1 when both want more than they get */
            weight?: number;
            routeCosts?: {
                [key: string]: number;
            };
        };
        Tenant: {
            id: string;
            name: string;
            quota: components["schemas"]["Quota"];
            quotaOverrides: components["schemas"]["QuotaOverrides"];
            createdAt: string;
        };
        TenantCreate: {
            name: string;
            quota?: components["schemas"]["QuotaOverrides"];
        };
        ApiKey: {
            id: string;
            prefix: string;
            createdAt: string;
            revokedAt: string | null;
        };
        ApiKeyIssued: components["schemas"]["ApiKey"] & {
            apiKey: string;
        };
        AdmissionState: {
            limit: number;
            inflight: number;
            queued: {
                critical: number;
                high: number;
                normal: number;
                low: number;
            };
            tokens: number;
            /** @enum {string} */
            loadLevel: "normal" | "elevated" | "overloaded";
            decisions: {
                admitted: number;
                queued: number;
                rate_limited: number;
                queue_full: number;
                shed: number;
                deadline: number;
            };
            /** @description Budget held by isolate leases: how many, their unreported tokens, their slots (counted in inflight) */
            leases: {
                active: number;
                tokens: number;
                slots: number;
            };
            /** @description The D1 concurrency the resource governor gives the tenant (its cap: its fair share plus its part of the budget nobody wants now): `limit` stays at or under it; null until the governor has answered */
            share: number | null;
            /** @description How many controllers serve the tenant now: 1 is the root alone; past ADMISSION_CONTROLLER_TARGET_RPS, K shard controllers (details in `sharding`) */
            shards?: number;
        } & {
            [key: string]: unknown;
        };
        PerformanceReport: {
            generatedAt: number;
            sketch: {
                /** @enum {string} */
                algorithm: "DDSketch";
                relativeAccuracy: number;
            };
            objectives: {
                availabilityTarget: number;
                latencyTarget: number;
                latencyThresholdMs: number;
                p99ThresholdMs: number;
                shedRatioThreshold: number;
                burnRateWindows: {
                    name: string;
                    factor: number;
                    severity: string;
                }[];
            };
            windows: {
                "1m"?: components["schemas"]["TrafficStats"];
                "5m"?: components["schemas"]["TrafficStats"];
                "1h"?: components["schemas"]["TrafficStats"];
            };
            recommendations: {
                rule: string;
                /** @enum {string} */
                severity: "info" | "warning" | "critical";
                subject: string;
                message: string;
                evidence: {
                    [key: string]: number | string | null;
                };
            }[];
            activeAlerts: components["schemas"]["Alert"][];
        };
        TrafficStats: {
            /** @description Epoch milliseconds */
            from: number;
            /** @description Epoch milliseconds */
            to: number;
            seconds: number;
            requests: number;
            rps: number;
            rpm: number;
            outcomes: {
                success?: number;
                client_error?: number;
                server_error?: number;
                rate_limited?: number;
                queue_full?: number;
                shed?: number;
                deadline?: number;
            };
            latencyMs: components["schemas"]["QuantileSummary"];
            errorRate: number;
            errorRateByComponent: {
                api?: number;
                admission?: number;
                db?: number;
                cache?: number;
            };
            goodputRps: number;
            shedRatio: number;
            rateLimitedRatio: number;
            byPriority: {
                critical?: {
                    requests: number;
                    rps: number;
                    errorRate: number;
                    shedRatio: number;
                    rateLimitedRatio: number;
                    latencyMs: components["schemas"]["QuantileSummary"];
                };
                high?: {
                    requests: number;
                    rps: number;
                    errorRate: number;
                    shedRatio: number;
                    rateLimitedRatio: number;
                    latencyMs: components["schemas"]["QuantileSummary"];
                };
                normal?: {
                    requests: number;
                    rps: number;
                    errorRate: number;
                    shedRatio: number;
                    rateLimitedRatio: number;
                    latencyMs: components["schemas"]["QuantileSummary"];
                };
                low?: {
                    requests: number;
                    rps: number;
                    errorRate: number;
                    shedRatio: number;
                    rateLimitedRatio: number;
                    latencyMs: components["schemas"]["QuantileSummary"];
                };
                none?: {
                    requests: number;
                    rps: number;
                    errorRate: number;
                    shedRatio: number;
                    rateLimitedRatio: number;
                    latencyMs: components["schemas"]["QuantileSummary"];
                };
            };
            components: {
                queue?: components["schemas"]["QuantileSummary"];
                db?: components["schemas"]["QuantileSummary"];
                handler?: components["schemas"]["QuantileSummary"];
            };
            db: {
                queriesMs: components["schemas"]["QuantileSummary"];
                queriesPerSec: number;
                slow: number;
                errors: number;
                slowByRoute: {
                    [key: string]: number;
                };
                slowest: {
                    route: string;
                    sql: string;
                    ms: number;
                }[];
            };
            cache: {
                [key: string]: {
                    hits: number;
                    misses: number;
                    evictions: number;
                    hitRate: number | null;
                    evictionsPerSec: number;
                };
            };
            admission: {
                tenant: string;
                limit: number;
                inflight: number;
                queued: {
                    critical?: number;
                    high?: number;
                    normal?: number;
                    low?: number;
                };
                maxQueued: number;
                loadLevel: string;
                serviceRatePerSec: number | null;
                completionRatePerSec: number;
                decisions: {
                    critical?: {
                        [key: string]: number;
                    };
                    high?: {
                        [key: string]: number;
                    };
                    normal?: {
                        [key: string]: number;
                    };
                    low?: {
                        [key: string]: number;
                    };
                };
                queueWaitMs: {
                    critical?: components["schemas"]["QuantileSummary"];
                    high?: components["schemas"]["QuantileSummary"];
                    normal?: components["schemas"]["QuantileSummary"];
                    low?: components["schemas"]["QuantileSummary"];
                };
            }[];
            telemetry: {
                batches: number;
                isolates: number;
                flushFailures: number;
                flushDropped: number;
            };
        };
        /** @description Milliseconds, from a DDSketch with 1 % relative accuracy */
        QuantileSummary: {
            count: number;
            sum: number;
            min: number;
            max: number;
            mean: number;
            p50: number;
            p95: number;
            p99: number;
            p999: number;
        } | null;
        Alert: {
            id: string;
            key: string;
            rule: string;
            /** @enum {string} */
            severity: "page" | "ticket";
            summary: string;
            details: {
                [key: string]: number | string | null;
            };
            /** @description Epoch milliseconds */
            startedAt: number;
            /** @description Epoch milliseconds; null while the alert fires */
            endedAt: number | null;
            updatedAt: number;
        };
        Alerts: {
            active: components["schemas"]["Alert"][];
            /** @description Closed alerts of the last 7 days, newest first */
            recent: components["schemas"]["Alert"][];
        };
        DashboardData: {
            now: number;
            minutes: {
                start: number;
                requests: number;
                rps: number;
                p50: number | null;
                p95: number | null;
                p99: number | null;
                errorRate: {
                    critical?: number | null;
                    high?: number | null;
                    normal?: number | null;
                    low?: number | null;
                };
                shedRate: {
                    critical?: number | null;
                    high?: number | null;
                    normal?: number | null;
                    low?: number | null;
                };
            }[];
            tenants: {
                tenant: string;
                points: {
                    start: number;
                    limit: number | null;
                    inflight: number | null;
                    queued: number | null;
                }[];
            }[];
            alerts: components["schemas"]["Alert"][];
        };
        GovernorView: {
            /** @description Global D1 concurrency budget, between 1 and DB_MAX_CONNECTIONS */
            budget: number;
            /** @description DB_MAX_CONNECTIONS */
            maxBudget: number;
            contention: {
                /** @description Recent fleet D1 query latency over its no-load baseline (1 = no contention); null before enough queries */
                signal: number | null;
                /** @description Mean number of fleet queries in D1 at once (their summed latency per second of wall time); above the threshold they wait for one another */
                d1Concurrency: number | null;
                /** @description The budget shrinks while both the signal and the D1 concurrency are above this */
                threshold: number;
                latencyMs: number | null;
                baselineMs: number | null;
            };
            /** @description What the tenants want together (demand or forecast, plus one slot of headroom each) */
            totalDemand: number;
            tenants: components["schemas"]["GovernorTenant"][];
            at: number;
        };
        GovernorTenant: {
            tenant: string;
            /** @description Requests in flight and queued at the tenant's last report */
            demand: number;
            /** @description Holt's linear-trend forecast of the demand one report interval (1 s) ahead */
            forecast: number;
            /** @description The quota's weight (default 1) */
            weight: number;
            /** @description Weighted max-min fair share of the budget */
            share: number;
            /** @description What the tenant's controller was told: its share plus its weight's part of the budget nobody wants now (at least 1); its concurrency limit stays at or under it */
            cap: number;
            admittedPerSec: number;
            /** @description Requests per second the tenant wanted admitted: those admitted plus those its saturation shedder refused */
            wantedPerSec: number;
            /** @description The tenant's weighted max-min fair share of the rate the whole fleet admits, by what each tenant wants */
            fairRatePerSec: number;
            /** @description What the tenant's saturation shedder multiplies a request's chance of passing by, steering it toward its fair rate (over 1: served under it; 1/16 to 16) */
            passScale: number;
            /** @description D1 time the tenant's requests used per second (ms/s), less the time the answers waited for the Worker's own thread */
            dbMsPerSec: number;
            /** @description Epoch ms of the tenant's last report */
            reportedAt: number;
        };
    };
    responses: {
        /** @description Over the tenant's rate budget, or (reason `auth_failures`) too many failed API key lookups from this client; retry after `Retry-After` seconds */
        TooManyRequests: {
            headers: {
                "Retry-After": components["headers"]["RetryAfter"];
                RateLimit: components["headers"]["RateLimit"];
                "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description Overloaded (queue full, shed, or deadline unreachable), or the admission controller or the database did not answer (`reason`: `unavailable`, `database_unavailable`; a write that failed did not commit); retry after `Retry-After` seconds */
        Overloaded: {
            headers: {
                "Retry-After": components["headers"]["RetryAfter"];
                RateLimit: components["headers"]["RateLimit"];
                "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
    };
    parameters: {
        /** @description Request priority for admission control; capped at the tenant's `maxPriority`. Wins over `Priority` when both are sent. */
        XPriority: "critical" | "high" | "normal" | "low";
        /** @description RFC 9218 urgency: `u=0`–`u=1` critical, `u=2` high, `u=3`–`u=4` normal, `u=5`–`u=7` low; capped at the tenant's `maxPriority`. */
        Priority: string;
        /** @description The client's deadline in milliseconds, capped at the tenant's `timeoutMs`; a request that cannot be served in time is refused with 503. */
        XRequestTimeoutMs: number;
    };
    requestBodies: never;
    headers: {
        /** @description Seconds to wait before retrying (RFC 9110), rounded up so a client that obeys it is never early. */
        RetryAfter: number;
        /** @description The tenant's rate budget now (IETF httpapi ratelimit-headers draft): units remaining and seconds until the bucket is full, e.g. `"default";r=42;t=17`. Sent whenever the admission controller decided the request. */
        RateLimit: string;
        /** @description The tenant's rate policy (IETF httpapi ratelimit-headers draft): quota units per window of seconds, e.g. `"default";q=100;w=60`. */
        RateLimitPolicy: string;
        /** @description `isolate-lease` when the request was admitted with budget the serving isolate holds, without asking the tenant's controller (README: Isolate leases); absent when the controller decided. */
        AdmittedBy: "isolate-lease";
    };
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getLiveness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The Worker answers */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
        };
    };
    getReadiness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready, with the D1 round trip */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Readiness"];
                };
            };
            /** @description The database is not reachable */
            503: {
                headers: {
                    "Retry-After": components["headers"]["RetryAfter"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listTasks: {
        parameters: {
            query?: {
                status?: string;
                priority?: string;
                assigneeId?: string;
                dueAfter?: string;
                dueBefore?: string;
                /** @description Full-text search over title and description (word prefixes) */
                q?: string;
                sort?: "createdAt" | "-createdAt" | "updatedAt" | "-updatedAt" | "dueDate" | "-dueDate";
                limit?: number;
                cursor?: string;
            };
            header?: {
                /** @description An ETag this operation answered before (or a list of them, or *): 304 with no body while it is still current */
                "if-none-match"?: string;
                /** @description Request priority for admission control; capped at the tenant's `maxPriority`. Wins over `Priority` when both are sent. */
                "X-Priority"?: components["parameters"]["XPriority"];
                /** @description RFC 9218 urgency: `u=0`–`u=1` critical, `u=2` high, `u=3`–`u=4` normal, `u=5`–`u=7` low; capped at the tenant's `maxPriority`. */
                Priority?: components["parameters"]["Priority"];
                /** @description The client's deadline in milliseconds, capped at the tenant's `timeoutMs`; a request that cannot be served in time is refused with 503. */
                "X-Request-Timeout-Ms"?: components["parameters"]["XRequestTimeoutMs"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of tasks */
            200: {
                headers: {
                    /** @description Names this page of this query at the tenant's current data version; any write of the tenant's tasks or users changes it */
                    ETag?: string;
                    "X-Admitted-By": components["headers"]["AdmittedBy"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TaskList"];
                };
            };
            /** @description Not modified: the If-None-Match tag is still current (no body) */
            304: {
                headers: {
                    /** @description Names this page of this query at the tenant's current data version; any write of the tenant's tasks or users changes it */
                    ETag?: string;
                    /** @description Present when the answer would have been degraded (stats-snapshot, page-size) */
                    "X-Degraded"?: string;
                    /** @description Seconds since a stats snapshot served under load was last known current */
                    Age?: number;
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Invalid input: the offending fields are listed in `errors` */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No, malformed, unknown or revoked credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Overloaded"];
        };
    };
    createTask: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retry of this write safe: the first answer is stored for 24 h and repeated (with Idempotent-Replayed: true) to a retry with the same key, method, path and body */
                "idempotency-key"?: string;
                /** @description Request priority for admission control; capped at the tenant's `maxPriority`. Wins over `Priority` when both are sent. */
                "X-Priority"?: components["parameters"]["XPriority"];
                /** @description RFC 9218 urgency: `u=0`–`u=1` critical, `u=2` high, `u=3`–`u=4` normal, `u=5`–`u=7` low; capped at the tenant's `maxPriority`. */
                Priority?: components["parameters"]["Priority"];
                /** @description The client's deadline in milliseconds, capped at the tenant's `timeoutMs`; a request that cannot be served in time is refused with 503. */
                "X-Request-Timeout-Ms"?: components["parameters"]["XRequestTimeoutMs"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TaskCreate"];
            };
        };
        responses: {
            /** @description The created task */
            201: {
                headers: {
                    /** @description Present (true) when this is the stored answer to an earlier request with the same Idempotency-Key */
                    "Idempotent-Replayed"?: "true";
                    "X-Admitted-By": components["headers"]["AdmittedBy"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Task"];
                };
            };
            /** @description Invalid input: the offending fields are listed in `errors` */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No, malformed, unknown or revoked credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Body larger than 1 MiB */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A body that is not `application/json` */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description RFC 9457 problem */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Overloaded"];
        };
    };
    getTaskStats: {
        parameters: {
            query?: never;
            header?: {
                /** @description An ETag this operation answered before (or a list of them, or *): 304 with no body while it is still current */
                "if-none-match"?: string;
                /** @description Request priority for admission control; capped at the tenant's `maxPriority`. Wins over `Priority` when both are sent. */
                "X-Priority"?: components["parameters"]["XPriority"];
                /** @description RFC 9218 urgency: `u=0`–`u=1` critical, `u=2` high, `u=3`–`u=4` normal, `u=5`–`u=7` low; capped at the tenant's `maxPriority`. */
                Priority?: components["parameters"]["Priority"];
                /** @description The client's deadline in milliseconds, capped at the tenant's `timeoutMs`; a request that cannot be served in time is refused with 503. */
                "X-Request-Timeout-Ms"?: components["parameters"]["XRequestTimeoutMs"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Task statistics */
            200: {
                headers: {
                    /** @description Weak: names these figures at the tenant's current data version; a write, or a due date passing, changes it */
                    ETag?: string;
                    "X-Admitted-By": components["headers"]["AdmittedBy"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TaskStats"];
                };
            };
            /** @description Not modified: the If-None-Match tag is still current (no body) */
            304: {
                headers: {
                    /** @description Weak: names these figures at the tenant's current data version; a write, or a due date passing, changes it */
                    ETag?: string;
                    /** @description Present when the answer would have been degraded (stats-snapshot, page-size) */
                    "X-Degraded"?: string;
                    /** @description Seconds since a stats snapshot served under load was last known current */
                    Age?: number;
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No, malformed, unknown or revoked credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Overloaded"];
        };
    };
    batchTasks: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retry of this write safe: the first answer is stored for 24 h and repeated (with Idempotent-Replayed: true) to a retry with the same key, method, path and body */
                "idempotency-key"?: string;
                /** @description Request priority for admission control; capped at the tenant's `maxPriority`. Wins over `Priority` when both are sent. */
                "X-Priority"?: components["parameters"]["XPriority"];
                /** @description RFC 9218 urgency: `u=0`–`u=1` critical, `u=2` high, `u=3`–`u=4` normal, `u=5`–`u=7` low; capped at the tenant's `maxPriority`. */
                Priority?: components["parameters"]["Priority"];
                /** @description The client's deadline in milliseconds, capped at the tenant's `timeoutMs`; a request that cannot be served in time is refused with 503. */
                "X-Request-Timeout-Ms"?: components["parameters"]["XRequestTimeoutMs"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TaskBatch"];
            };
        };
        responses: {
            /** @description Every operation applied */
            200: {
                headers: {
                    /** @description Present (true) when this is the stored answer to an earlier request with the same Idempotency-Key */
                    "Idempotent-Replayed"?: "true";
                    "X-Admitted-By": components["headers"]["AdmittedBy"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TaskBatchResult"];
                };
            };
            /** @description Invalid input: the offending fields are listed in `errors` */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No, malformed, unknown or revoked credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Body larger than 1 MiB */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A body that is not `application/json` */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description RFC 9457 problem */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Overloaded"];
        };
    };
    getTask: {
        parameters: {
            query?: never;
            header?: {
                /** @description Request priority for admission control; capped at the tenant's `maxPriority`. Wins over `Priority` when both are sent. */
                "X-Priority"?: components["parameters"]["XPriority"];
                /** @description RFC 9218 urgency: `u=0`–`u=1` critical, `u=2` high, `u=3`–`u=4` normal, `u=5`–`u=7` low; capped at the tenant's `maxPriority`. */
                Priority?: components["parameters"]["Priority"];
                /** @description The client's deadline in milliseconds, capped at the tenant's `timeoutMs`; a request that cannot be served in time is refused with 503. */
                "X-Request-Timeout-Ms"?: components["parameters"]["XRequestTimeoutMs"];
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The task, with its version as ETag */
            200: {
                headers: {
                    "X-Admitted-By": components["headers"]["AdmittedBy"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Task"];
                };
            };
            /** @description No, malformed, unknown or revoked credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such resource (another tenant's ids are not found either) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Overloaded"];
        };
    };
    deleteTask: {
        parameters: {
            query?: never;
            header?: {
                /** @description Expected version as an ETag, e.g. "3" */
                "if-match"?: string;
                /** @description Makes a retry of this write safe: the first answer is stored for 24 h and repeated (with Idempotent-Replayed: true) to a retry with the same key, method, path and body */
                "idempotency-key"?: string;
                /** @description Request priority for admission control; capped at the tenant's `maxPriority`. Wins over `Priority` when both are sent. */
                "X-Priority"?: components["parameters"]["XPriority"];
                /** @description RFC 9218 urgency: `u=0`–`u=1` critical, `u=2` high, `u=3`–`u=4` normal, `u=5`–`u=7` low; capped at the tenant's `maxPriority`. */
                Priority?: components["parameters"]["Priority"];
                /** @description The client's deadline in milliseconds, capped at the tenant's `timeoutMs`; a request that cannot be served in time is refused with 503. */
                "X-Request-Timeout-Ms"?: components["parameters"]["XRequestTimeoutMs"];
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    /** @description Present (true) when this is the stored answer to an earlier request with the same Idempotency-Key */
                    "Idempotent-Replayed"?: "true";
                    "X-Admitted-By": components["headers"]["AdmittedBy"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No, malformed, unknown or revoked credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such resource (another tenant's ids are not found either) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `If-Match` names a version that is no longer current */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description RFC 9457 problem */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Overloaded"];
        };
    };
    updateTask: {
        parameters: {
            query?: never;
            header?: {
                /** @description Expected version as an ETag, e.g. "3" */
                "if-match"?: string;
                /** @description Makes a retry of this write safe: the first answer is stored for 24 h and repeated (with Idempotent-Replayed: true) to a retry with the same key, method, path and body */
                "idempotency-key"?: string;
                /** @description Request priority for admission control; capped at the tenant's `maxPriority`. Wins over `Priority` when both are sent. */
                "X-Priority"?: components["parameters"]["XPriority"];
                /** @description RFC 9218 urgency: `u=0`–`u=1` critical, `u=2` high, `u=3`–`u=4` normal, `u=5`–`u=7` low; capped at the tenant's `maxPriority`. */
                Priority?: components["parameters"]["Priority"];
                /** @description The client's deadline in milliseconds, capped at the tenant's `timeoutMs`; a request that cannot be served in time is refused with 503. */
                "X-Request-Timeout-Ms"?: components["parameters"]["XRequestTimeoutMs"];
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TaskUpdate"];
            };
        };
        responses: {
            /** @description The updated task */
            200: {
                headers: {
                    /** @description Present (true) when this is the stored answer to an earlier request with the same Idempotency-Key */
                    "Idempotent-Replayed"?: "true";
                    "X-Admitted-By": components["headers"]["AdmittedBy"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Task"];
                };
            };
            /** @description Invalid input: the offending fields are listed in `errors` */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No, malformed, unknown or revoked credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such resource (another tenant's ids are not found either) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `If-Match` names a version that is no longer current */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Body larger than 1 MiB */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A body that is not `application/json` */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description RFC 9457 problem */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Overloaded"];
        };
    };
    listUsers: {
        parameters: {
            query?: {
                limit?: number;
                cursor?: string;
            };
            header?: {
                /** @description An ETag this operation answered before (or a list of them, or *): 304 with no body while it is still current */
                "if-none-match"?: string;
                /** @description Request priority for admission control; capped at the tenant's `maxPriority`. Wins over `Priority` when both are sent. */
                "X-Priority"?: components["parameters"]["XPriority"];
                /** @description RFC 9218 urgency: `u=0`–`u=1` critical, `u=2` high, `u=3`–`u=4` normal, `u=5`–`u=7` low; capped at the tenant's `maxPriority`. */
                Priority?: components["parameters"]["Priority"];
                /** @description The client's deadline in milliseconds, capped at the tenant's `timeoutMs`; a request that cannot be served in time is refused with 503. */
                "X-Request-Timeout-Ms"?: components["parameters"]["XRequestTimeoutMs"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of users */
            200: {
                headers: {
                    /** @description The page's tag, from the tenant's data version (which every write bumps) and the query */
                    ETag?: string;
                    "X-Admitted-By": components["headers"]["AdmittedBy"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserList"];
                };
            };
            /** @description Not modified: the If-None-Match tag is still current (no body) */
            304: {
                headers: {
                    /** @description The page's tag, from the tenant's data version (which every write bumps) and the query */
                    ETag?: string;
                    /** @description Present when the answer would have been degraded (stats-snapshot, page-size) */
                    "X-Degraded"?: string;
                    /** @description Seconds since a stats snapshot served under load was last known current */
                    Age?: number;
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Invalid input: the offending fields are listed in `errors` */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No, malformed, unknown or revoked credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Overloaded"];
        };
    };
    createUser: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retry of this write safe: the first answer is stored for 24 h and repeated (with Idempotent-Replayed: true) to a retry with the same key, method, path and body */
                "idempotency-key"?: string;
                /** @description Request priority for admission control; capped at the tenant's `maxPriority`. Wins over `Priority` when both are sent. */
                "X-Priority"?: components["parameters"]["XPriority"];
                /** @description RFC 9218 urgency: `u=0`–`u=1` critical, `u=2` high, `u=3`–`u=4` normal, `u=5`–`u=7` low; capped at the tenant's `maxPriority`. */
                Priority?: components["parameters"]["Priority"];
                /** @description The client's deadline in milliseconds, capped at the tenant's `timeoutMs`; a request that cannot be served in time is refused with 503. */
                "X-Request-Timeout-Ms"?: components["parameters"]["XRequestTimeoutMs"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UserCreate"];
            };
        };
        responses: {
            /** @description The created user */
            201: {
                headers: {
                    /** @description Present (true) when this is the stored answer to an earlier request with the same Idempotency-Key */
                    "Idempotent-Replayed"?: "true";
                    "X-Admitted-By": components["headers"]["AdmittedBy"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["User"];
                };
            };
            /** @description Invalid input: the offending fields are listed in `errors` */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No, malformed, unknown or revoked credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Body larger than 1 MiB */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A body that is not `application/json` */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description RFC 9457 problem */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Overloaded"];
        };
    };
    getUser: {
        parameters: {
            query?: never;
            header?: {
                /** @description Request priority for admission control; capped at the tenant's `maxPriority`. Wins over `Priority` when both are sent. */
                "X-Priority"?: components["parameters"]["XPriority"];
                /** @description RFC 9218 urgency: `u=0`–`u=1` critical, `u=2` high, `u=3`–`u=4` normal, `u=5`–`u=7` low; capped at the tenant's `maxPriority`. */
                Priority?: components["parameters"]["Priority"];
                /** @description The client's deadline in milliseconds, capped at the tenant's `timeoutMs`; a request that cannot be served in time is refused with 503. */
                "X-Request-Timeout-Ms"?: components["parameters"]["XRequestTimeoutMs"];
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The user */
            200: {
                headers: {
                    "X-Admitted-By": components["headers"]["AdmittedBy"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["User"];
                };
            };
            /** @description No, malformed, unknown or revoked credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such resource (another tenant's ids are not found either) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Overloaded"];
        };
    };
    deleteUser: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retry of this write safe: the first answer is stored for 24 h and repeated (with Idempotent-Replayed: true) to a retry with the same key, method, path and body */
                "idempotency-key"?: string;
                /** @description Request priority for admission control; capped at the tenant's `maxPriority`. Wins over `Priority` when both are sent. */
                "X-Priority"?: components["parameters"]["XPriority"];
                /** @description RFC 9218 urgency: `u=0`–`u=1` critical, `u=2` high, `u=3`–`u=4` normal, `u=5`–`u=7` low; capped at the tenant's `maxPriority`. */
                Priority?: components["parameters"]["Priority"];
                /** @description The client's deadline in milliseconds, capped at the tenant's `timeoutMs`; a request that cannot be served in time is refused with 503. */
                "X-Request-Timeout-Ms"?: components["parameters"]["XRequestTimeoutMs"];
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    /** @description Present (true) when this is the stored answer to an earlier request with the same Idempotency-Key */
                    "Idempotent-Replayed"?: "true";
                    "X-Admitted-By": components["headers"]["AdmittedBy"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No, malformed, unknown or revoked credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such resource (another tenant's ids are not found either) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description RFC 9457 problem */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Overloaded"];
        };
    };
    updateUser: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retry of this write safe: the first answer is stored for 24 h and repeated (with Idempotent-Replayed: true) to a retry with the same key, method, path and body */
                "idempotency-key"?: string;
                /** @description Request priority for admission control; capped at the tenant's `maxPriority`. Wins over `Priority` when both are sent. */
                "X-Priority"?: components["parameters"]["XPriority"];
                /** @description RFC 9218 urgency: `u=0`–`u=1` critical, `u=2` high, `u=3`–`u=4` normal, `u=5`–`u=7` low; capped at the tenant's `maxPriority`. */
                Priority?: components["parameters"]["Priority"];
                /** @description The client's deadline in milliseconds, capped at the tenant's `timeoutMs`; a request that cannot be served in time is refused with 503. */
                "X-Request-Timeout-Ms"?: components["parameters"]["XRequestTimeoutMs"];
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UserUpdate"];
            };
        };
        responses: {
            /** @description The updated user */
            200: {
                headers: {
                    /** @description Present (true) when this is the stored answer to an earlier request with the same Idempotency-Key */
                    "Idempotent-Replayed"?: "true";
                    "X-Admitted-By": components["headers"]["AdmittedBy"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["User"];
                };
            };
            /** @description Invalid input: the offending fields are listed in `errors` */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No, malformed, unknown or revoked credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such resource (another tenant's ids are not found either) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Body larger than 1 MiB */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A body that is not `application/json` */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description RFC 9457 problem */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Overloaded"];
        };
    };
    createTenant: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TenantCreate"];
            };
        };
        responses: {
            /** @description The tenant, its effective quota and its API key */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TenantCreated"];
                };
            };
            /** @description Invalid input: the offending fields are listed in `errors` */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No, malformed, unknown or revoked credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not allowed: a tenant's API key on an operator route (which needs the `ADMIN_TOKEN`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Body larger than 1 MiB */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A body that is not `application/json` */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getTenant: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The tenant */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Tenant"];
                };
            };
            /** @description No, malformed, unknown or revoked credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not allowed: a tenant's API key on an operator route (which needs the `ADMIN_TOKEN`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such resource (another tenant's ids are not found either) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getTenantQuota: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Effective quota */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Quota"];
                };
            };
            /** @description No, malformed, unknown or revoked credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not allowed: a tenant's API key on an operator route (which needs the `ADMIN_TOKEN`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such resource (another tenant's ids are not found either) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    replaceTenantQuota: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["QuotaOverrides"];
            };
        };
        responses: {
            /** @description The tenant with its new quota */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Tenant"];
                };
            };
            /** @description Invalid input: the offending fields are listed in `errors` */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No, malformed, unknown or revoked credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not allowed: a tenant's API key on an operator route (which needs the `ADMIN_TOKEN`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such resource (another tenant's ids are not found either) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Body larger than 1 MiB */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A body that is not `application/json` */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listTenantKeys: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Keys */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        data: components["schemas"]["ApiKey"][];
                    };
                };
            };
            /** @description No, malformed, unknown or revoked credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not allowed: a tenant's API key on an operator route (which needs the `ADMIN_TOKEN`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such resource (another tenant's ids are not found either) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    issueTenantKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The new key */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKeyIssued"];
                };
            };
            /** @description No, malformed, unknown or revoked credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not allowed: a tenant's API key on an operator route (which needs the `ADMIN_TOKEN`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such resource (another tenant's ids are not found either) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    revokeTenantKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                keyId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Revoked */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No, malformed, unknown or revoked credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not allowed: a tenant's API key on an operator route (which needs the `ADMIN_TOKEN`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such resource (another tenant's ids are not found either) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getTenantAdmission: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Limit, inflight, queues, tokens, load level, decisions */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AdmissionState"];
                };
            };
            /** @description No, malformed, unknown or revoked credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not allowed: a tenant's API key on an operator route (which needs the `ADMIN_TOKEN`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such resource (another tenant's ids are not found either) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getMetrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The metrics */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
            /** @description No, malformed, unknown or revoked credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not allowed: a tenant's API key on an operator route (which needs the `ADMIN_TOKEN`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getPerformanceReport: {
        parameters: {
            query?: {
                /** @description Only this window; all three when absent */
                window?: "1m" | "5m" | "1h";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The report over 1m, 5m and 1h, or the one asked for */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PerformanceReport"];
                };
            };
            /** @description Invalid input: the offending fields are listed in `errors` */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No, malformed, unknown or revoked credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not allowed: a tenant's API key on an operator route (which needs the `ADMIN_TOKEN`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listAlerts: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Alerts with start and end */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Alerts"];
                };
            };
            /** @description No, malformed, unknown or revoked credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not allowed: a tenant's API key on an operator route (which needs the `ADMIN_TOKEN`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getDashboardData: {
        parameters: {
            query?: {
                /** @description One-minute points to return */
                minutes?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Per-minute points, tenant gauges and alerts */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DashboardData"];
                };
            };
            /** @description Invalid input: the offending fields are listed in `errors` */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No, malformed, unknown or revoked credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not allowed: a tenant's API key on an operator route (which needs the `ADMIN_TOKEN`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getGovernor: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The governor's current view */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GovernorView"];
                };
            };
            /** @description No, malformed, unknown or revoked credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not allowed: a tenant's API key on an operator route (which needs the `ADMIN_TOKEN`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
}
