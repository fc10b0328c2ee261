/** One reading as the source document's temp-sensor.js publishes it. */
export interface ThermostatMessage {
  deviceId: number;
  temperature: number;
  deviceIP: string;
  humidity: number;
}

export type RandomSource = () => number;

export interface ThermostatGeneratorOptions {
  /** Device ids are 1..devices (the document: 5000). */
  devices: number;
  /** Share of readings forced above 85 (hot); null keeps the document's uniform 1..110. */
  hotShare?: number | null;
  random?: RandomSource;
}

const randomInt = (random: RandomSource, min: number, max: number) => min + Math.floor(random() * (max - min + 1));

export function thermostatGenerator({ devices, hotShare = null, random = Math.random }: ThermostatGeneratorOptions) {
  return (): ThermostatMessage => {
    const forcedHot = hotShare !== null && random() < hotShare;
    return {
      deviceId: randomInt(random, 1, devices),
      temperature: forcedHot ? randomInt(random, 86, 110) : randomInt(random, 1, 110),
      deviceIP: `${randomInt(random, 1, 254)}.${randomInt(random, 0, 255)}.${randomInt(random, 0, 255)}.${randomInt(random, 1, 254)}`,
      humidity: randomInt(random, 1, 100),
    };
  };
}
