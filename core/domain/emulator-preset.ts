/** Named emulator settings. */

/** POST /api/emulator with a preset name applies the preset's rate, devices and hot share. */
export type EmulatorPreset = 'document' | 'heat-wave' | 'burst';
