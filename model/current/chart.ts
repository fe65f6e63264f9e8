/** The current upstream livepatch API as a statechart: the shared shape with no extra checks. */
import type { Chart } from '../chart/chart.ts';
import { livepatchChart } from '../chart/livepatch-chart.ts';

export const CURRENT_CHART: Chart = livepatchChart({ id: 'klp-current', extraEnabledChecks: [] });
