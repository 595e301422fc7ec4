import {
  getNode,
  getRun,
  listRuns,
  pendingApprovals,
  runStats,
  runTreeJson,
  runStatsSchema,
} from '../api/index.js';
import { countByStatus, isOpenRun, type Run } from '../domain/index.js';
import type { Store } from '../store/index.js';
import { artifactFile } from './artifact-file.js';
import { RequestError } from './request-error.js';
import { refuseUnknownAfter, settledEvents } from './run-event-log.js';
import {
  artifactParamsSchema,
  cancelBodySchema,
  createRunBodySchema,
  decisionBodySchema,
  eventsQuerySchema,
  listRunsQuerySchema,
  nodeParamsSchema,
  responseSchemas,
  resumeBodySchema,
  runParamsSchema,
} from './service-schemas.js';
import type { ServiceRuns } from './service-runs.js';
import { defineRoute, type RouteResponse, type ServiceRoute } from './service-route.js';

const problem = (description: string): RouteResponse => ({ description, schema: responseSchemas.problem });
const notFound = problem('no such run (or node)');
const badRequest = problem('the request is not valid; `field` names the part at fault');

/** The `/v1` routes over runs, their trees, approvals and events. */
export function runRoutes(store: Store, runs: ServiceRuns): ServiceRoute[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/v1/runs',
      summary: 'start a run (it starts at once in the server, or is left to workers with "detach")',
      body: createRunBodySchema,
      responses: {
        201: { description: 'the run is stored (and started)', schema: responseSchemas.created },
        400: badRequest,
        413: problem('the body is too large'),
      },
      handler: async ({ body, reply }) => {
        const { plan, prompt, ...rest } = body;
        // A plan comes as text (YAML or JSON) or as an object; never as a path on the server. The
        // body's schema holds one of prompt and plan.
        const text = typeof plan === 'string' ? plan : plan && JSON.stringify(plan, null, 2);
        const run = await runs.create(
          text === undefined
            ? { ...rest, prompt: prompt ?? '' }
            : { ...rest, plan: { text, source: 'plan' }, ...(prompt === undefined ? {} : { prompt }) },
        );
        void reply.header('location', `/v1/runs/${run.id}`);
        return { runId: run.id };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/runs',
      summary: 'runs, newest first',
      query: listRunsQuerySchema,
      responses: { 200: { description: 'a page of runs', schema: responseSchemas.runList }, 400: badRequest },
      handler: async ({ query }) => {
        // The cursor is the last run of the previous page: the next page starts after it, in the
        // list's order, whatever its status is now. One more run than the page tells if there are more.
        const after = query.cursor === undefined ? undefined : await store.getRun(query.cursor);
        if (after === null)
          throw new RequestError(`cursor "${query.cursor}" is not a run of this list`, {
            status: 400,
            title: 'invalid-field',
            field: 'query.cursor',
            hint: 'pass the nextCursor of the previous page, or leave it out for the first page',
          });
        const listed = await listRuns(store, {
          ...(query.status === undefined ? {} : { status: query.status }),
          ...(after ? { after } : {}),
          limit: query.limit + 1,
        });
        const page = listed.slice(0, query.limit);
        const more = listed.length > query.limit;
        return {
          runs: await Promise.all(page.map((run) => summary(store, runs, run.id, run))),
          nextCursor: more ? page[page.length - 1]!.id : null,
        };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/runs/:run',
      summary: 'a run, with its nodes counted per status (usage and cost are on the run)',
      params: runParamsSchema,
      responses: { 200: { description: 'the run', schema: responseSchemas.runSummary }, 404: notFound },
      handler: ({ params }) => summary(store, runs, params.run),
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/runs/:run/tree',
      summary: 'the whole tree (the document of `arbor tree --json`)',
      params: runParamsSchema,
      responses: { 200: { description: 'the tree', schema: responseSchemas.tree }, 404: notFound },
      handler: async ({ params, reply }) => {
        // A run this process drives, or drove to its end: its engine's run and nodes, no read of
        // every node (on MongoDB such a read waits behind the runs' queued writes: a p99 of 270 ms
        // under the service bench).
        const { run, nodes } = await runs.state(params.run);
        // Already JSON (see runTreeJson): sent as it is.
        void reply.type('application/json; charset=utf-8');
        return runTreeJson(run, nodes ?? (await store.listNodes(params.run)));
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/runs/:run/nodes/:node',
      summary: 'one node with its events and model calls (the document of `arbor show --json`)',
      params: nodeParamsSchema,
      responses: { 200: { description: 'the node', schema: responseSchemas.node }, 404: notFound },
      handler: ({ params }) => getNode(store, params.run, params.node),
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/approvals',
      summary: "every node waiting for a person, across the open runs, oldest request first, with its run's prompt",
      responses: { 200: { description: 'the nodes that wait', schema: responseSchemas.allApprovals } },
      handler: async () => {
        const open = (await store.listRuns()).filter(isOpenRun);
        const approvals = await Promise.all(
          open.map(async (run) => {
            // A run this process drives: its engine's nodes; another: read only if any node waits.
            const known = await runs.state(run.id, run);
            if (!known.nodes && !(await store.countNodes(run.id)).awaiting_approval) return [];
            const nodes = known.nodes ?? (await store.listNodes(run.id));
            return pendingApprovals(nodes).map((approval) => ({ ...approval, prompt: run.prompt }));
          }),
        );
        return { approvals: approvals.flat().sort((a, b) => a.requestedAt.localeCompare(b.requestedAt)) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/runs/:run/approvals',
      summary: 'nodes waiting for a person, with what the CLI prompt shows',
      params: runParamsSchema,
      responses: { 200: { description: 'the nodes that wait', schema: responseSchemas.approvals }, 404: notFound },
      handler: async ({ params }) => {
        const { nodes } = await runs.state(params.run);
        return { approvals: pendingApprovals(nodes ?? (await store.listNodes(params.run))) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/runs/:run/nodes/:node/decision',
      summary: 'decide a node that waits (the decisions of `arbor approve`)',
      params: nodeParamsSchema,
      body: decisionBodySchema,
      responses: {
        200: { description: 'the decision is recorded', schema: responseSchemas.decided },
        400: badRequest,
        404: notFound,
        409: problem('the node does not wait for this decision'),
      },
      handler: async ({ params, body }) => {
        const decided = await runs.decide(params.run, params.node, body);
        return { runId: params.run, nodeId: params.node, ...decided };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/runs/:run/cancel',
      summary: 'cancel a run (resume continues it)',
      params: runParamsSchema,
      body: cancelBodySchema,
      responses: { 200: { description: 'what the cancel did', schema: responseSchemas.cancelled }, 404: notFound },
      handler: async ({ params, body }) => ({ runId: params.run, ...(await runs.cancel(params.run, body)) }),
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/runs/:run/resume',
      summary: 'continue a run in the server from its stored state (as `arbor resume`); `fromNode` does a settled node again',
      params: runParamsSchema,
      body: resumeBodySchema,
      responses: {
        200: { description: 'the run is driven again', schema: responseSchemas.resumed },
        404: notFound,
        409: problem('the run is completed (without fromNode), already driven, or fromNode is not settled'),
      },
      handler: async ({ params, body }) => {
        const run = await runs.resume(params.run, body);
        return { runId: run.id, status: run.status };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/runs/:run/artifacts/*',
      summary: "an artifact a node wrote, from the run's output folder (as text/plain; only paths a node result lists)",
      params: artifactParamsSchema,
      responses: {
        200: { description: 'the file' },
        400: badRequest,
        404: problem('no such run, or no node wrote that artifact, or the file is gone'),
      },
      handler: async ({ params, reply }) => {
        const run = await getRun(store, params.run);
        const bytes = await artifactFile(run, await store.listNodes(run.id), params['*']);
        // Plain text, never sniffed: an artifact cannot run script in the dashboard's origin.
        void reply.type('text/plain; charset=utf-8').header('x-content-type-options', 'nosniff');
        return bytes;
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/runs/:run/stats',
      summary: 'where time and money went (the document of `arbor stats --json`)',
      params: runParamsSchema,
      responses: { 200: { description: 'the run\'s analytics', schema: runStatsSchema }, 404: notFound },
      handler: ({ params }) => runStats(store, params.run),
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/runs/:run/events',
      summary: 'stored events in order, after `after` (a seq); `last` is the seq to ask after next',
      params: runParamsSchema,
      query: eventsQuerySchema,
      responses: { 200: { description: 'a page of events', schema: responseSchemas.events }, 400: badRequest, 404: notFound },
      handler: async ({ params, query }) => {
        // A run this process drives exists; its latest events come from the store's memory of it.
        if (!runs.drives(params.run)) await getRun(store, params.run);
        const { events } = await settledEvents(store, params.run, { after: query.after, limit: query.limit });
        if (events.length === 0) await refuseUnknownAfter(store, params.run, query.after);
        return { events, last: events.length === 0 ? query.after : events[events.length - 1]!.seq };
      },
    }),
  ];
}

/**
 * A run with its nodes counted per status; for a run this process drives, its engine's run and
 * nodes (on MongoDB a count is an aggregation over the run's nodes), else the `stored` run (read
 * when not given: 404 for an unknown one).
 */
async function summary(store: Store, runs: ServiceRuns, runId: string, stored?: Run) {
  const { run, nodes } = await runs.state(runId, stored);
  return { run, counts: nodes ? countByStatus(nodes) : await store.countNodes(run.id) };
}
