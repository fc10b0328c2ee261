import { createSocket } from 'node:dgram';

/** A reading shaped like the source document's (values from its example), at `timestamp` (Unix seconds). */
export function meterReading(timestamp: number, variant = 0): Record<string, unknown> & { timestamp: number } {
  return {
    eReal: [-4, -11, 1, -5, variant, -3083],
    eRealNegative: [4, 11, 0, 5, 0, 3083],
    eRealPositive: [0, 0, 1, 0, variant, 0],
    eReactive: [-5, -5, -8, -7, -2, -4090],
    eReactiveNegative: [5, 5, 8, 7, 2, 4090],
    eReactivePositive: [0, 0, 0, 0, 0, 0],
    vRMSMin: [249, 249, 249, 249, 249, 249],
    vRMSMax: [250.2, 250.2, 250.2, 250.2, 250.2, 250.2],
    iRMSMin: [0.022, 0.022, 0.022, 0.022, 0.022, 0.087],
    iRMSMax: [0.023, 0.023, 0.023, 0.023, 0.024, 0.09],
    timestamp,
    duration: 300,
  };
}

/** `count` consecutive 5-minute readings starting at `start`. */
export function meterReadings(start: number, count: number): Array<ReturnType<typeof meterReading>> {
  return Array.from({ length: count }, (_, index) => meterReading(start + index * 300, index % 7));
}

/** Sends each datagram from one real UDP socket and resolves once all have left it. */
export async function sendDatagrams(udpUrl: string, datagrams: ReadonlyArray<string | Buffer>): Promise<void> {
  const { hostname, port } = new URL(udpUrl);
  const socket = createSocket('udp4');
  try {
    for (const datagram of datagrams) {
      await new Promise<void>((resolve, reject) => socket.send(datagram, Number(port), hostname, (error) => (error ? reject(error) : resolve())));
    }
  } finally {
    socket.close();
  }
}
