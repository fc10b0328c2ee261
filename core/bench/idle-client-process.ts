import type { Socket } from 'node:net';
import { answerRequests } from './bench-child.js';
import { connectRaw } from './raw-mqtt-connection.js';

/**
 * A fleet of idle MQTT clients in its own process, so their memory and CPU are not the broker's:
 * each connects (CONNECT, CONNACK), then only keeps its connection alive with PINGREQ, as an idle
 * device does. Raw sockets, not mqtt.js: thousands of mqtt.js clients would cost more than the broker.
 */
export type IdleClientRequest = { type: 'connect'; job: IdleFleetJob } | { type: 'report' };

export interface IdleFleetJob {
  /** mqtt:// or mqtts://. */
  url: string;
  ca?: string;
  connections: number;
  keepaliveSeconds: number;
  /** Client ids are the prefix and a number, unique across fleets. */
  clientIdPrefix: string;
}

export interface IdleFleetConnected {
  connected: number;
  failed: number;
  firstError: string | null;
  /** This process's CPU while connecting: whether the fleet, rather than the broker, set the pace. */
  cpuSeconds: number;
}

export interface IdleFleetReport {
  /** Connections the broker closed after CONNACK: should be none. */
  dropped: number;
  pingsSent: number;
  pingResponses: number;
}

/**
 * Connects in flight at once: a fleet coming online together, but within the listen backlog (511
 * by default), past which the kernel drops SYNs and connects stall for a second's retransmit.
 */
const CONNECTS_IN_FLIGHT = 100;
const PINGREQ = Buffer.from([0xc0, 0x00]);

const sockets: Socket[] = [];
const report: IdleFleetReport = { dropped: 0, pingsSent: 0, pingResponses: 0 };

async function connectFleet(job: IdleFleetJob): Promise<IdleFleetConnected> {
  const cpuAtStart = process.cpuUsage();
  // From the start: connecting a fleet can take longer than the broker waits (1.5 keepalives) for a first ping.
  pingOnSchedule(job.keepaliveSeconds);
  let next = 0;
  let failed = 0;
  let firstError: string | null = null;
  const connectOne = async (index: number) => {
    try {
      const socket = await connectRaw({ url: job.url, ca: job.ca, clientId: `${job.clientIdPrefix}${index}`, keepaliveSeconds: job.keepaliveSeconds }, (packet) => {
        if (packet.cmd === 'pingresp') report.pingResponses += 1;
      });
      sockets.push(socket);
      socket.once('close', () => (report.dropped += 1));
    } catch (error) {
      failed += 1;
      firstError ??= (error as Error).message;
    }
  };
  const lane = async () => {
    while (next < job.connections) await connectOne(next++);
  };
  await Promise.all(Array.from({ length: Math.min(CONNECTS_IN_FLIGHT, job.connections) }, lane));
  const cpu = process.cpuUsage(cpuAtStart);
  return { connected: sockets.length, failed, firstError, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

/**
 * Each client pings once per keepalive period, at its own second of the period (by the order it
 * connected in), so the broker sees the steady trickle of a fleet that came online over time
 * rather than all pings at once; a client connected mid-period pings within one period.
 */
function pingOnSchedule(keepaliveSeconds: number): void {
  if (keepaliveSeconds === 0) return;
  let second = 0;
  setInterval(() => {
    second += 1;
    for (let index = second % keepaliveSeconds; index < sockets.length; index += keepaliveSeconds) {
      const socket = sockets[index]!;
      if (socket.destroyed) continue;
      socket.write(PINGREQ);
      report.pingsSent += 1;
    }
  }, 1000);
}

answerRequests<IdleClientRequest>('idle clients', async (request) => (request.type === 'connect' ? connectFleet(request.job) : { ...report }));
