import { ObjectId } from 'mongodb';
import type { ModelCall } from '../../domain/index.js';
import { parseModelCall } from '../read-documents.js';
import { GroupCommit } from './group-commit.js';
import { insertNew, sharedRunId } from './insert-new.js';
import type { MongoCollections } from './mongo-collections.js';
import type { StoreCall } from './retry-transient.js';

/**
 * The `calls` collection: every model call's prompt and answer, for `arbor show`. Inserts go out in
 * group commits that wait up to 50 ms for company, since nobody waits on a stored call (the engine
 * records them in the background).
 */
export class CallLog {
  readonly #inserts: GroupCommit<ModelCall & { _id: ObjectId }>;

  constructor(
    private readonly calls: MongoCollections['calls'],
    private readonly call: StoreCall,
  ) {
    this.#inserts = new GroupCommit<ModelCall & { _id: ObjectId }>({
      write: async (documents) => {
        await call(`recording ${documents.length} model calls`, () => insertNew(calls, documents), {
          runId: sharedRunId(documents),
        });
      },
      lingerMs: 50,
      // Calls carry whole prompts: a few MB at most wait in memory.
      maxBacklog: 1_000,
    });
  }

  async record(call: ModelCall): Promise<void> {
    const valid = parseModelCall(call, `model call of node ${call.nodeId} in run ${call.runId}`);
    // Our own `_id`, so that an insert retried after a lost answer cannot store the call twice.
    await this.#inserts.write([{ ...valid, _id: new ObjectId() }]);
  }

  async list(runId: string, nodeId?: string): Promise<ModelCall[]> {
    const filter = nodeId === undefined ? { runId } : { runId, nodeId };
    const documents = await this.call(
      `listing the model calls of run ${runId}`,
      () => this.calls.find(filter).sort({ startedAt: 1, _id: 1 }).project<ModelCall>({ _id: 0 }).toArray(),
      { runId, nodeId },
    );
    return documents.map((document) => parseModelCall(document, `calls/${runId}/${document.nodeId}`));
  }

  /** Null while few inserts wait; otherwise resolves once they have caught up (see GroupCommit.room). */
  room(): Promise<void> | null {
    return this.#inserts.room();
  }

  /** Resolves once the inserts queued so far are stored (or failed). */
  settled(): Promise<void> {
    return this.#inserts.settled();
  }
}
