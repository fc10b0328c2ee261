import mqtt, { type MqttClient } from 'mqtt';
import type { InternalCredentials } from '../broker/internal-identity.js';
import { THERMOSTAT_TOPIC } from '../domain/topics.js';
import type { EmulatorStatus } from '../api/status.js';
import { readingsDue, tickIntervalMs } from './publish-schedule.js';
import { thermostatGenerator } from './thermostat-generator.js';

/** How long stop() waits for the broker to acknowledge in-flight readings before disconnecting. */
const ACK_WAIT_MS = 10_000;

export interface ThermostatEmulatorOptions {
  brokerUrl: string;
  /** The broker's in-process identity; null for a broker that takes anonymous clients. */
  credentials?: InternalCredentials | null;
  rate: number;
  devices: number;
  qos: 0 | 1;
  /** Share of readings forced hot (the heat-wave preset); null for the document's uniform spread. */
  hotShare?: number | null;
  clientId?: string;
  /** Unacknowledged publishes allowed before the emulator waits for the broker instead of queueing more. */
  maxInFlight?: number;
}


/**
 * The source document's temp-sensor.js: random thermostat readings on `temp_readings`, through a
 * real MQTT client (mqtt.js) so the broker sees exactly what a device would send.
 */
export class ThermostatEmulator {
  private client: MqttClient | null = null;
  private timer: NodeJS.Timeout | null = null;
  private windowStart = 0;
  private sentInWindow = 0;
  private published = 0;
  private acknowledged = 0;
  private throttledTicks = 0;
  private options: Required<ThermostatEmulatorOptions>;
  private nextReading: ReturnType<typeof thermostatGenerator>;

  constructor(options: ThermostatEmulatorOptions) {
    this.options = {
      hotShare: null,
      credentials: null,
      clientId: `sensor-workbench-thermostats-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
      maxInFlight: 5000,
      ...options,
    };
    this.nextReading = thermostatGenerator(this.options);
  }

  status(): EmulatorStatus {
    const { rate, devices, qos, hotShare } = this.options;
    return {
      hotShare,
      running: this.timer !== null,
      rate,
      devices,
      qos,
      published: this.published,
      acknowledged: this.acknowledged,
      throttledTicks: this.throttledTicks,
    };
  }

  async start(): Promise<void> {
    if (this.timer) return;
    this.client ??= await mqtt.connectAsync(this.options.brokerUrl, {
      clientId: this.options.clientId,
      reconnectPeriod: 1000,
      ...this.options.credentials,
    });
    this.restartTimer();
  }

  /** Change rate, device count or hot share while running; the schedule restarts from now. */
  reconfigure(changes: Partial<Pick<ThermostatEmulatorOptions, 'rate' | 'devices' | 'hotShare'>>): void {
    this.options = { ...this.options, ...changes };
    this.nextReading = thermostatGenerator(this.options);
    if (this.timer) this.restartTimer();
  }

  /**
   * Stops publishing, lets the broker acknowledge what is in flight, then disconnects. Waiting
   * first matters: mqtt.js drains in-flight messages very slowly once end() has been called
   * (20,000 of them took 20 s).
   */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const client = this.client;
    this.client = null;
    if (!client) return;
    const deadline = performance.now() + ACK_WAIT_MS;
    while (this.acknowledged < this.published && client.connected && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await client.endAsync();
  }

  private restartTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.windowStart = performance.now();
    this.sentInWindow = 0;
    this.timer = setInterval(() => this.tick(), tickIntervalMs(this.options.rate));
  }

  private tick(): void {
    const client = this.client;
    if (!client?.connected) return;
    const { rate, qos, maxInFlight } = this.options;
    const due = readingsDue(rate, performance.now() - this.windowStart, this.sentInWindow);
    const room = maxInFlight - (this.published - this.acknowledged);
    const count = Math.min(due, Math.max(0, room));
    if (count < due) this.throttledTicks += 1;
    const onSent = () => {
      this.acknowledged += 1;
    };
    for (let i = 0; i < count; i++) {
      client.publish(THERMOSTAT_TOPIC, JSON.stringify(this.nextReading()), { qos }, onSent);
    }
    this.published += count;
    // Readings the broker could not take are not owed later: the emulator models devices, which do not catch up.
    this.sentInWindow += due;
  }
}
