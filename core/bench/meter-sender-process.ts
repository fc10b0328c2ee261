import { createSocket } from 'node:dgram';
import { readingsDue } from '../emulator/publish-schedule.js';

/**
 * A benchmark meter fleet in its own process: one datagram per reading, as the source document's
 * meters send them, at a fixed offered rate. UDP has no backpressure, so the bench offers a rate
 * and counts what arrived rather than pushing "as fast as possible".
 */
export interface MeterSenderJob {
  udpUrl: string;
  /** Datagrams per second from this process. */
  rate: number;
  durationMs: number;
  /** Meter ids this process cycles through: D704206<first+i>. */
  firstMeter: number;
  meters: number;
  /** Unix seconds of the first reading; each full cycle over the meters moves 300 s on. */
  startTimestamp: number;
}

export interface MeterSenderResult {
  sent: number;
  sendErrors: number;
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

async function send(job: MeterSenderJob): Promise<MeterSenderResult> {
  const { hostname, port } = new URL(job.udpUrl);
  const socket = createSocket({ type: 'udp4', sendBufferSize: 4 * 1024 * 1024 });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  socket.connect(Number(port), hostname);
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  const prefixes = Array.from({ length: job.meters }, (_, i) => `{"deviceId":"${benchMeterId(job.firstMeter + i)}","readings":[{${READING_BODY},"timestamp":`);
  let sent = 0;
  let sendErrors = 0;
  const onSent = (error: Error | null) => {
    if (error) sendErrors += 1;
  };
  const cpuAtStart = process.cpuUsage();
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      if (now >= started + job.durationMs) return resolve();
      const due = readingsDue(job.rate, now - started, sent);
      for (let i = 0; i < due; i++) {
        const meter = sent % job.meters;
        const timestamp = job.startTimestamp + Math.floor(sent / job.meters) * 300;
        socket.send(`${prefixes[meter]}${timestamp},"duration":300}]}`, onSent);
        sent += 1;
      }
      setTimeout(tick, TICK_MS);
    };
    tick();
  });
  const cpu = process.cpuUsage(cpuAtStart);
  await new Promise<void>((resolve) => socket.close(resolve));
  return { sent, sendErrors, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

process.once('message', (job: MeterSenderJob) => {
  send(job).then(
    (result) => process.send!(result, () => process.exit(0)),
    (error: Error) => {
      process.stderr.write(`meter sender failed: ${error.message}\n`);
      process.exit(1);
    },
  );
});
