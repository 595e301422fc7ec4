// Figures the performance test reads (window.arborLiveStats): how long the first tree took, and
// how many stream events the page applied and when.

export const liveStats = {
  firstRenderMs: null,
  eventsApplied: 0,
  firstEventAt: null,
  lastEventAt: null,
  applied(count) {
    const now = performance.now();
    this.firstEventAt ??= now;
    this.lastEventAt = now;
    this.eventsApplied += count;
  },
  reset() {
    this.eventsApplied = 0;
    this.firstEventAt = null;
    this.lastEventAt = null;
  },
};

window.arborLiveStats = liveStats;
