import type { ActiveConnection } from '../../core/api/connections.js';
import type { ClimateCounters, RecentEvents, WarningMessage } from '../../core/api/events.js';
import type { ClimateName } from '../../core/domain/climate.js';
import type { EmulatorStatus, StackStatus } from '../../core/api/status.js';
import type { LiveFrame } from '../../core/api/live.js';
import type { MeterEmulatorStatus } from '../../core/api/energy.js';

export const CLIMATE_NAMES: readonly ClimateName[] = ['hot', 'warm', 'cool', 'cold'];

/** Newest warnings kept on the Warnings page. */
export const WARNINGS_CAP = 500;
/** Climate rate points kept for the rates chart: one a second, three minutes. */
export const CLIMATE_HISTORY_CAP = 180;
/** Rates are taken over at least this long, so four frames a second do not make them jitter. */
export const CLIMATE_RATE_WINDOW_MS = 1000;

/** Per-second climate rates derived from two successive counter snapshots. */
export interface ClimateRatePoint {
  at: number;
  rates: Record<ClimateName, number>;
}

export interface WarningEntry extends WarningMessage {
  /** A UI-local key: requestIds repeat if a device republishes. */
  key: number;
}

export interface LiveSnapshot {
  /** null until the first answer or socket event; then whether the live socket is open. */
  connected: boolean | null;
  status: StackStatus | null;
  /** Why the last status request failed, if it did. */
  statusError: string | null;
  events: RecentEvents | null;
  climate: ClimateCounters | null;
  /** The sample the next rate point is measured from. */
  climateBase: ClimateCounters | null;
  climateHistory: ClimateRatePoint[];
  /** Newest first, at most WARNINGS_CAP. */
  warnings: WarningEntry[];
  warningsDropped: number;
  warningsPaused: boolean;
  /** Warnings that arrived while paused and were not added. */
  warningsSkipped: number;
  lastFrameAt: number | null;
  /** How often the active connection has changed since start: pages remount on it, so each fetches afresh. */
  connectionSwitches: number;
}

const INITIAL: LiveSnapshot = {
  connected: null,
  status: null,
  statusError: null,
  events: null,
  climate: null,
  climateBase: null,
  climateHistory: [],
  warnings: [],
  warningsDropped: 0,
  warningsPaused: false,
  warningsSkipped: 0,
  lastFrameAt: null,
  connectionSwitches: 0,
};

/**
 * Everything live the pages show, outside React so frames are applied once and every page reads
 * the same bounded state (useSyncExternalStore). Each change makes a new snapshot object.
 */
export class LiveStore {
  private snapshot: LiveSnapshot = INITIAL;
  private readonly listeners = new Set<() => void>();
  private nextWarningKey = 1;
  private eventsVersion = 0;
  private statusVersion = 0;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): LiveSnapshot => this.snapshot;

  applyFrame(frame: LiveFrame): void {
    let next: LiveSnapshot = { ...this.snapshot, lastFrameAt: frame.at, connected: true };
    if (frame.status) {
      next = withStatus(next, frame.status);
      this.statusVersion += 1;
    }
    if (frame.events) {
      next.events = frame.events;
      this.eventsVersion += 1;
    }
    if (frame.climate) next = withClimate(next, frame.climate);
    if (frame.warnings?.length || frame.warningsDropped) next = this.withWarnings(next, frame.warnings ?? [], frame.warningsDropped ?? 0);
    this.set(next);
  }

  setConnected(connected: boolean): void {
    if (this.snapshot.connected === connected) return;
    this.set({ ...this.snapshot, connected });
  }

  /** A token for setStatus/setStatusError: see seedEvents. */
  statusMark(): number {
    return this.statusVersion;
  }

  /** Status fetched by request; a live frame since `mark` is newer and wins. */
  setStatus(status: StackStatus, mark = this.statusVersion): void {
    if (mark !== this.statusVersion) return;
    this.set(withStatus(this.snapshot, status));
  }

  /**
   * The connection just activated, at once: pages remount on it without waiting for the next
   * status. Status requests sent before it would name the old one, so they are dropped.
   */
  setConnection(connection: ActiveConnection): void {
    const { status } = this.snapshot;
    if (!status) return;
    this.statusVersion += 1;
    this.set(withStatus(this.snapshot, { ...status, connection, readOnly: connection.readOnly }));
  }

  /** A failed status request; a live frame since `mark` proves the API answers, so it is dropped. */
  setStatusError(message: string, mark = this.statusVersion): void {
    if (mark !== this.statusVersion) return;
    this.set({ ...this.snapshot, statusError: message });
  }

  setEmulator(emulator: EmulatorStatus | null): void {
    const { status } = this.snapshot;
    if (!status || !emulator) return;
    this.set({ ...this.snapshot, status: { ...status, emulator } });
  }

  setMeterEmulator(meterEmulator: MeterEmulatorStatus | null): void {
    const { status } = this.snapshot;
    if (!status || !meterEmulator) return;
    this.set({ ...this.snapshot, status: { ...status, meterEmulator } });
  }

  /** A token for seedEvents: answers requested before a live frame are older than it. */
  eventsMark(): number {
    return this.eventsVersion;
  }

  /** Events fetched by request; ignored when a live frame has brought newer ones since `mark`. */
  seedEvents(events: RecentEvents, mark: number): void {
    if (mark !== this.eventsVersion) return;
    this.set({ ...this.snapshot, events });
  }

  setClimate(climate: ClimateCounters): void {
    this.set(withClimate(this.snapshot, climate));
  }

  setWarningsPaused(paused: boolean): void {
    this.set({ ...this.snapshot, warningsPaused: paused, warningsSkipped: paused ? this.snapshot.warningsSkipped : 0 });
  }

  clearWarnings(): void {
    this.set({ ...this.snapshot, warnings: [], warningsDropped: 0, warningsSkipped: 0 });
  }

  private withWarnings(snapshot: LiveSnapshot, incoming: WarningMessage[], dropped: number): LiveSnapshot {
    if (snapshot.warningsPaused) {
      return { ...snapshot, warningsSkipped: snapshot.warningsSkipped + incoming.length + dropped };
    }
    // Frames carry oldest first; the list shows newest first. Only the newest WARNINGS_CAP matter.
    const fresh = incoming.slice(-WARNINGS_CAP).map((warning) => ({ ...warning, key: this.nextWarningKey++ }));
    fresh.reverse();
    const warnings = fresh.length >= WARNINGS_CAP ? fresh : fresh.concat(snapshot.warnings.slice(0, WARNINGS_CAP - fresh.length));
    return { ...snapshot, warnings, warningsDropped: snapshot.warningsDropped + dropped };
  }

  private set(next: LiveSnapshot): void {
    this.snapshot = next;
    for (const listener of this.listeners) listener();
  }
}

/** A new status; when it names another connection, what the previous one streamed is dropped. */
function withStatus(snapshot: LiveSnapshot, status: StackStatus): LiveSnapshot {
  const previous = snapshot.status?.connection.id;
  if (previous === undefined || previous === status.connection.id) return { ...snapshot, status, statusError: null };
  return {
    ...snapshot,
    status,
    statusError: null,
    events: null,
    climate: null,
    climateBase: null,
    climateHistory: [],
    warnings: [],
    warningsDropped: 0,
    warningsSkipped: 0,
    connectionSwitches: snapshot.connectionSwitches + 1,
  };
}

function withClimate(snapshot: LiveSnapshot, climate: ClimateCounters): LiveSnapshot {
  if (snapshot.climate && climate.at < snapshot.climate.at) return snapshot;
  const base = snapshot.climateBase;
  if (!base || CLIMATE_NAMES.some((name) => climate.counters[name] < base.counters[name])) {
    // First sample, or the counters went back (FLUSHALL, another Redis): start the rates afresh.
    return { ...snapshot, climate, climateBase: climate, climateHistory: base ? [] : snapshot.climateHistory };
  }
  if (climate.at - base.at < CLIMATE_RATE_WINDOW_MS) return { ...snapshot, climate };
  const seconds = (climate.at - base.at) / 1000;
  const rates = Object.fromEntries(
    CLIMATE_NAMES.map((name) => [name, (climate.counters[name] - base.counters[name]) / seconds]),
  ) as Record<ClimateName, number>;
  let climateHistory = snapshot.climateHistory.concat({ at: climate.at, rates });
  if (climateHistory.length > CLIMATE_HISTORY_CAP) climateHistory = climateHistory.slice(-CLIMATE_HISTORY_CAP);
  return { ...snapshot, climate, climateBase: climate, climateHistory };
}
