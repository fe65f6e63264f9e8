/** The models klpcheck can run, by name. */
import { currentModel } from './current/index.ts';
import { redesignModel } from './redesign/index.ts';
import type { Model, ModelName } from './trace.ts';

export const MODELS: Partial<Record<ModelName, Model>> = {
  current: currentModel,
  redesign: redesignModel,
};
