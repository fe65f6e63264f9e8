/**
 * The redesign (Petr Mladek's v1 series of 15 Jan 2025) as a statechart over
 * the same world and operations as the current API. Its insmod guards use the
 * redesign's compatibility rule, and a write to `enabled` is rejected for an
 * enabled patch with a block_disable state right after the same-value check.
 * That check comes before the reversal branch, so it also keeps a patching
 * transition of such a patch from being reversed.
 */
import type { Chart } from '../chart/chart.ts';
import { livepatchChart } from '../chart/livepatch-chart.ts';

export const REDESIGN_CHART: Chart = livepatchChart({
  id: 'klp-redesign',
  extraEnabledChecks: [{ guard: 'isDisableBlocked', actions: ['refuseDisableBlocked'] }],
});
