/** Named emulator settings. */

/** POST /api/emulator with a preset name applies the preset's rate, devices and hot share. */
export const EMULATOR_PRESET_NAMES = ['document', 'heat-wave', 'burst'] as const;
export type EmulatorPreset = (typeof EMULATOR_PRESET_NAMES)[number];
