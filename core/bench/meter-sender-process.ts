import { createSocket } from 'node:dgram';
import { readingsDue } from '../emulator/publish-schedule.js';
import { runLoadJob, type LoadControl } from './load-process.js';

/**
 * A benchmark meter fleet in its own process: datagrams of one or more readings, in the source
 * document's structure, at a fixed offered rate of readings. UDP has no backpressure, so the bench offers a rate
 * and counts what arrived rather than pushing "as fast as possible".
 */
export interface MeterSenderJob {
  udpUrl: string;
  /** Readings per second from this process. */
  rate: number;
  durationMs: number;
  /** Meter ids this process cycles through: D704206<first+i>. */
  firstMeter: number;
  meters: number;
  /** Unix seconds of the first reading; each full cycle over the meters moves on by readingsPerDatagram × 300 s. */
  startTimestamp: number;
  /** Consecutive 5-minute readings of one meter per datagram (the document's array form). */
  readingsPerDatagram: number;
}

export interface MeterSenderProgress {
  /** Readings sent. */
  sent: number;
  sendErrors: number;
}

export interface MeterSenderResult extends MeterSenderProgress {
  cpuSeconds: number;
}

const TICK_MS = 5;
/** The source document's example reading without its timestamp. */
const READING_BODY =
  '"eReal":[-4,-11,1,-5,0,-3083],"eRealNegative":[4,11,0,5,1,3083],"eRealPositive":[0,0,1,0,1,0],' +
  '"eReactive":[-5,-5,-8,-7,-2,-4090],"eReactiveNegative":[5,5,8,7,2,4090],"eReactivePositive":[0,0,0,0,0,0],' +
  '"vRMSMin":[249,249,249,249,249,249],"vRMSMax":[250.2,250.2,250.2,250.2,250.2,250.2],' +
  '"iRMSMin":[0.022,0.022,0.022,0.022,0.022,0.087],"iRMSMax":[0.023,0.023,0.023,0.023,0.024,0.09]';

export function benchMeterId(index: number): string {
  return `D704206${String(index).padStart(6, '0')}`;
}

async function send(job: MeterSenderJob, control: LoadControl<MeterSenderProgress>): Promise<MeterSenderResult> {
  const { hostname, port } = new URL(job.udpUrl);
  const socket = createSocket({ type: 'udp4', sendBufferSize: 4 * 1024 * 1024 });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  socket.connect(Number(port), hostname);
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  const prefixes = Array.from({ length: job.meters }, (_, i) => `{"deviceId":"${benchMeterId(job.firstMeter + i)}","readings":[`);
  const perDatagram = job.readingsPerDatagram;
  const datagram = (meter: number, firstTimestamp: number) => {
    let readings = '';
    for (let i = 0; i < perDatagram; i++) readings += `${i ? ',' : ''}{${READING_BODY},"timestamp":${firstTimestamp + i * 300},"duration":300}`;
    return `${prefixes[meter]}${readings}]}`;
  };
  let sent = 0;
  let sendErrors = 0;
  const onSent = (error: Error | null) => {
    if (error) sendErrors += 1;
  };
  // A connected UDP socket hears ICMP "port unreachable" as an error event: the receiver went away, which a sender counts rather than dies of.
  socket.on('error', () => (sendErrors += 1));
  control.answerReports(() => ({ sent, sendErrors }));
  await control.readyForGo();
  const cpuAtStart = process.cpuUsage();
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      if (now >= started + job.durationMs) return resolve();
      const due = Math.floor(readingsDue(job.rate, now - started, sent) / perDatagram);
      for (let i = 0; i < due; i++) {
        const datagrams = sent / perDatagram;
        const meter = datagrams % job.meters;
        socket.send(datagram(meter, job.startTimestamp + Math.floor(datagrams / job.meters) * perDatagram * 300), onSent);
        sent += perDatagram;
      }
      setTimeout(tick, TICK_MS);
    };
    tick();
  });
  const cpu = process.cpuUsage(cpuAtStart);
  await new Promise<void>((resolve) => socket.close(resolve));
  return { sent, sendErrors, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

runLoadJob('meter sender', send);
