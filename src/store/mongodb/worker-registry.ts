import type { Collection } from 'mongodb';
import { workerStatusSchema, StoreError, type WorkerStatus } from '../../domain/index.js';

/** Wraps one MongoDB call (retries of transient failures). */
type Call = <T>(what: string, operation: () => Promise<T>) => Promise<T>;

/** The `workers` collection: one heartbeat document per live worker (`arbor workers`). */
export class WorkerRegistry {
  constructor(
    private readonly workers: Collection<WorkerStatus>,
    private readonly call: Call,
  ) {}

  async heartbeat(worker: WorkerStatus): Promise<void> {
    const valid = parse(worker);
    await this.call(`recording the heartbeat of worker ${worker.id}`, () =>
      this.workers.replaceOne({ id: valid.id }, { ...valid }, { upsert: true }),
    );
  }

  async remove(workerId: string): Promise<void> {
    await this.call(`removing worker ${workerId}`, () => this.workers.deleteOne({ id: workerId }));
  }

  async list(withinMs: number): Promise<WorkerStatus[]> {
    const since = new Date(Date.now() - withinMs).toISOString();
    const documents = await this.call('listing workers', () =>
      this.workers.find({ heartbeatAt: { $gte: since } }, { projection: { _id: 0 } }).sort({ id: 1 }).toArray(),
    );
    return documents.map(parse);
  }
}

function parse(value: unknown): WorkerStatus {
  const parsed = workerStatusSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new StoreError(`not a valid worker heartbeat: ${parsed.error.message}`, { cause: parsed.error });
}
