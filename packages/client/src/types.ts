import type { paths } from './generated/openapi.js';

type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;

/** A sweep spec as POST /v1/sweeps takes it. */
export type SweepSpec = Json<paths['/v1/sweeps']['post']['requestBody']>;
export type SweepCreated = Json<paths['/v1/sweeps']['post']['responses'][201]>;
export type SweepPage = Json<paths['/v1/sweeps']['get']['responses'][200]>;
export type SweepSummary = SweepPage['items'][number];
export type SweepDetail = Json<paths['/v1/sweeps/{id}']['get']['responses'][200]>;
/** What POST /v1/sweeps/:id/extend adds: seeds and entries to a grid, samples (`trials`) to a search. */
export type SweepExtension = Json<paths['/v1/sweeps/{id}/extend']['post']['requestBody']>;
export type SweepStatus = SweepSummary['status'];
export type Leaderboard = Json<paths['/v1/sweeps/{id}/trials']['get']['responses'][200]>;
export type TrialSummary = Leaderboard['items'][number];
/** GET /v1/sweeps/:id/configs: trials that differ only by seed as one row, ranked by mean. */
export type ConfigBoard = Json<paths['/v1/sweeps/{id}/configs']['get']['responses'][200]>;
export type ConfigSummary = ConfigBoard['items'][number];
/** GET /v1/sweeps/:id/benchmark: a tune-then-evaluate sweep's answer per optimizer. */
export type Benchmark = Json<paths['/v1/sweeps/{id}/benchmark']['get']['responses'][200]>;
/** GET /v1/benchmarks: performance profiles across the protocol sweeps of several workloads. */
export type PerformanceProfiles = Json<paths['/v1/benchmarks']['get']['responses'][200]>;
export type Catalog = Json<paths['/v1/catalog']['get']['responses'][200]>;
export type PreviewRequest = Json<paths['/v1/schedules/preview']['post']['requestBody']>;
export type Preview = Json<paths['/v1/schedules/preview']['post']['responses'][200]>;
export type ErrorBody = Json<paths['/v1/sweeps']['post']['responses'][400]>;
