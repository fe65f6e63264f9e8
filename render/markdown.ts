/** Small Markdown helpers shared by the sections of the summary report. */
import type { ModelName } from '../model/trace.ts';
import { DESIGN_LABELS } from './compare.ts';

/** Escapes the characters that would break a Markdown table cell. */
export function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function code(text: string): string {
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

export function modelLabel(model: ModelName): string {
  return model === 'current' || model === 'redesign' ? DESIGN_LABELS[model] : model;
}
