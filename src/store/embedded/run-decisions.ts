import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { decisionSchema, StoreError, type Decision } from '../../domain/index.js';
import { JsonLinesFile, type JsonLinesFileOptions, type LineHandler } from './json-lines-file.js';

const decisionRecordSchema = z.object({ id: z.string(), nodeId: z.string(), decision: decisionSchema });

/** One line of `decisions.jsonl`; `id` tells a writer whether its own line came first. */
export type DecisionRecord = z.infer<typeof decisionRecordSchema>;

/**
 * The decisions people recorded on a run, from `decisions.jsonl`, which any process may append to
 * (`arbor approve` in a second terminal). Per node and approval round, the first line wins.
 */
export class RunDecisions {
  /** node id → round → the first decision recorded for it. */
  private readonly winners = new Map<string, Map<number, DecisionRecord>>();
  private readonly apply: LineHandler<DecisionRecord> = (value, position) => {
    const parsed = decisionRecordSchema.safeParse(value);
    if (!parsed.success)
      throw new StoreError(`${position.where}: not a valid decision: ${z.prettifyError(parsed.error)}`);
    const record = parsed.data;
    let rounds = this.winners.get(record.nodeId);
    if (!rounds) this.winners.set(record.nodeId, (rounds = new Map<number, DecisionRecord>()));
    const winner = rounds.get(record.decision.round);
    if (winner) return winner;
    rounds.set(record.decision.round, record);
    return record;
  };

  private constructor(private readonly file: JsonLinesFile) {}

  /** Opens (creating it if it can) and reads a run's decisions file. */
  static open(path: string, options: Omit<JsonLinesFileOptions, 'create'>): RunDecisions {
    const file = JsonLinesFile.open(path, { ...options, create: true });
    if (file === null) throw new StoreError(`cannot open ${path}`);
    const decisions = new RunDecisions(file);
    decisions.refresh();
    return decisions;
  }

  /** Reads what other processes appended since the last read. */
  refresh(): void {
    this.file.readNew(this.apply);
  }

  /** The decision that won for a node's approval round, as of the last refresh. */
  winner(nodeId: string, round: number): DecisionRecord | undefined {
    return this.winners.get(nodeId)?.get(round);
  }

  /** Every node with a recorded decision, and its winning decision per round. */
  decidedNodes(): IterableIterator<[string, ReadonlyMap<number, DecisionRecord>]> {
    return this.winners.entries();
  }

  /** Appends a decision; returns the winner of that round, which is this one unless another came first. */
  record(nodeId: string, decision: Decision): { won: boolean; winner: DecisionRecord } {
    const record: DecisionRecord = { id: randomUUID(), nodeId, decision };
    const winner = this.file.append(record, this.apply);
    return { won: winner.id === record.id, winner };
  }

  close(): void {
    this.file.close();
  }
}
