/** Whether one target was reached, with the figure that decides it. */
export interface Verdict {
  target: string;
  figure: string;
  pass: boolean;
}

/** A verdict on `value` against `limit`: `at-most` passes when value ≤ limit, `at-least` when ≥. */
export function verdict(options: {
  target: string;
  value: number;
  limit: number;
  kind: 'at-most' | 'at-least';
  unit?: string;
  digits?: number;
}): Verdict {
  const { value, limit, kind } = options;
  const unit = options.unit ?? '';
  const shown = `${value.toFixed(options.digits ?? 2)}${unit}`;
  const sign = kind === 'at-most' ? '≤' : '≥';
  return {
    target: options.target,
    figure: `${shown} (target ${sign} ${limit}${unit})`,
    pass: kind === 'at-most' ? value <= limit : value >= limit,
  };
}

/** `PASS target: figure`, one line. */
export function formatVerdict(result: Verdict): string {
  return `${result.pass ? 'PASS' : 'MISS'}  ${result.target}: ${result.figure}`;
}
