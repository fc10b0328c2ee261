import type { ExportView } from '../api/export.js';
import type { Routes } from '../api/routes.js';
import type { ApiBackend } from './api-backend.js';
import type { HandlersOf } from './route-registration.js';

type ExportRouteName = 'exportEvents' | 'exportDevices' | 'exportMeterEnergy' | 'exportMeterReadings' | 'exportRejected' | 'exportBrokerTopics' | 'exportKeys' | 'exportRefusals';

/** The streaming export routes: each one call of the backend, whose answer route-registration sends as a file. */
export function exportHandlers(backend: ApiBackend): HandlersOf<Pick<Routes, ExportRouteName>> {
  const start =
    <V extends ExportView>(view: V) =>
    ({ query }: { query: Parameters<ApiBackend['exports']['start']>[1] }) =>
      backend.exports.start(view, query as never);
  return {
    exportEvents: start('events'),
    exportDevices: start('devices'),
    exportMeterEnergy: start('meter-energy'),
    exportMeterReadings: start('meter-readings'),
    exportRejected: start('rejected'),
    exportBrokerTopics: start('broker-topics'),
    exportKeys: start('keys'),
    exportRefusals: start('refusals'),
  };
}
