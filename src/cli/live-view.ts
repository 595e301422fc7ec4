import { addUsage, isTerminal, type Run, type TaskNode } from '../domain/index.js';
import type { EngineEvent } from '../engine/index.js';
import { renderLiveFrame, type LiveState } from './live-frame.js';

/** Where the live view draws: a terminal's size and a way to write to it. */
export interface LiveTerminal {
  write(text: string): void;
  rows(): number;
  columns(): number;
}

/** Options of {@link LiveView}. */
export interface LiveViewOptions {
  terminal: LiveTerminal;
  run: Run;
  nodes: readonly TaskNode[];
  color: boolean;
  /** Most redraws per second. */
  fps?: number;
  now?: () => number;
}

const cursorUp = (lines: number) => (lines > 0 ? `\u001b[${lines}A` : '');
const clearDown = '\u001b[0J';

/**
 * The live view of a run on a terminal: a frame redrawn in place (cursor up, clear down) at most
 * `fps` times a second. Lines that must stay (warnings) are written above the frame; while an
 * approval prompt is open the frame is left as it was and not redrawn.
 */
export class LiveView {
  private readonly state: LiveState & { nodes: Map<string, TaskNode> };
  private readonly now: () => number;
  private readonly intervalMs: number;
  private height = 0;
  private paused = false;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private ticker: NodeJS.Timeout | null = null;
  private lastDraw = 0;

  constructor(private readonly options: LiveViewOptions) {
    this.now = options.now ?? Date.now;
    this.intervalMs = Math.round(1000 / (options.fps ?? 10));
    this.state = {
      runId: options.run.id,
      rootId: options.run.rootId,
      nodes: new Map(options.nodes.map((node) => [node.id, node])),
      usage: options.run.usage,
      calls: 0,
      startedAt: this.now(),
      finishedHere: 0,
    };
    // The clock in the header moves even when nothing else happens.
    this.ticker = setInterval(() => this.schedule(), 1000);
    this.ticker.unref();
    this.draw();
  }

  /** Takes an engine event into the picture and schedules a redraw. */
  update(event: EngineEvent): void {
    switch (event.type) {
      case 'node-create':
      case 'node-transition': {
        const before = this.state.nodes.get(event.node.id);
        if (isTerminal(event.node.status) && !(before && isTerminal(before.status))) this.state.finishedHere++;
        this.state.nodes.set(event.node.id, event.node);
        break;
      }
      case 'call-start':
        this.state.calls++;
        break;
      case 'call-end':
        this.state.calls = Math.max(0, this.state.calls - 1);
        if (event.usage) this.state.usage = addUsage(this.state.usage, event.usage);
        break;
      default:
        break;
    }
    this.schedule();
  }

  /** Writes a line that stays, above the frame. */
  log(line: string): void {
    if (this.stopped || this.paused) {
      this.options.terminal.write(`${line}\n`);
      return;
    }
    this.options.terminal.write(`${this.erase()}${line}\n`);
    this.draw();
  }

  /**
   * Stops redrawing while a prompt owns the terminal. The last frame stays on the screen as context
   * above the prompt; the next frame starts below whatever the prompt printed.
   */
  pause(): void {
    if (this.paused || this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.draw();
    this.paused = true;
    this.height = 0;
  }

  /** Draws again after a pause. */
  resume(): void {
    if (!this.paused || this.stopped) return;
    this.paused = false;
    this.draw();
  }

  /** Draws the last frame and leaves it on the screen; what is printed next goes below it. */
  stop(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    if (this.ticker) clearInterval(this.ticker);
    this.paused = false;
    this.draw();
    this.stopped = true;
    this.height = 0;
  }

  private schedule(): void {
    if (this.timer || this.paused || this.stopped) return;
    const wait = Math.max(0, this.lastDraw + this.intervalMs - this.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.draw();
    }, wait);
  }

  private draw(): void {
    if (this.paused || this.stopped) return;
    const { terminal } = this.options;
    const lines = renderLiveFrame(this.state, {
      rows: terminal.rows(),
      columns: terminal.columns(),
      now: this.now(),
      color: this.options.color,
    });
    terminal.write(`${this.erase()}${lines.join('\n')}\n`);
    this.height = lines.length;
    this.lastDraw = this.now();
  }

  /** Moves to the frame's first line and clears to the end of the screen. */
  private erase(): string {
    const text = this.height > 0 ? `\r${cursorUp(this.height)}${clearDown}` : '';
    this.height = 0;
    return text;
  }
}
