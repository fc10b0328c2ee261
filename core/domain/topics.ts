/** The source documents' MQTT topics. */

/** The source document's topic: thermostats publish here and the rule listens here. */
export const THERMOSTAT_TOPIC = 'temp_readings';

/** The AWS article's meter topic, `meters/<deviceId>/energy`, as a filter. */
export const METER_TOPIC_FILTER = 'meters/+/energy';

/** The topic a meter publishes its readings to. */
export function meterTopic(deviceId: string): string {
  return `meters/${deviceId}/energy`;
}
