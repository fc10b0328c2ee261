import type { EmulatorPreset } from '../domain/emulator-preset.js';
import { DOCUMENT_BURST, DOCUMENT_INTERVAL_MS } from './publish-schedule.js';

export interface PresetSettings {
  rate: number;
  devices: number;
  hotShare: number | null;
}

/** One-click emulator settings: the source document's cadence, a heat wave, and a load burst. */
export const EMULATOR_PRESETS: Record<EmulatorPreset, PresetSettings> = {
  document: { rate: (DOCUMENT_BURST * 1000) / DOCUMENT_INTERVAL_MS, devices: 5000, hotShare: null },
  'heat-wave': { rate: 50, devices: 5000, hotShare: 0.8 },
  burst: { rate: 20_000, devices: 5000, hotShare: null },
};
