import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { RECORDING_FILE_PATH, recordingParams } from '../api/replay.js';
import type { RecordReplayBackend } from './api-backend.js';
import { parsePart } from './route-registration.js';

/**
 * A recording's file, both ways: GET streams it (NDJSON, as a download), PUT streams an uploaded
 * one — a recording from elsewhere or an events export — into the recordings folder. Bodies are
 * files, not the JSON the route table's client parses, so these live outside the table; they sit
 * behind the same token.
 */
export async function registerRecordingFileRoutes(app: FastifyInstance, recordReplay: RecordReplayBackend): Promise<void> {
  app.get(RECORDING_FILE_PATH, async (request, reply) => {
    const { name } = parsePart(recordingParams, request.params, 'params');
    const { stream, bytes } = await recordReplay.recordingFile(name);
    return reply
      .type('application/x-ndjson; charset=utf-8')
      .header('content-length', bytes)
      .header('content-disposition', `attachment; filename="${name}.ndjson"`)
      .send(stream);
  });
  // In a scope of its own: there every body, whatever its content type, reaches the handler as the raw stream.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    scope.put(RECORDING_FILE_PATH, async (request, reply) => {
      const { name } = parsePart(recordingParams, request.params, 'params');
      return reply.code(201).send(await recordReplay.importRecording(name, request.body as Readable));
    });
  });
}
