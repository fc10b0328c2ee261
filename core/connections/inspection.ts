import { DataModelInspector } from '../query/data-model.js';
import { EnergyQuery, type EnergyS3Target } from '../query/energy-query.js';
import { IndexBuilds, type IndexBuildSettings } from '../query/index-builds.js';
import { WarningsFeed } from '../query/warnings-feed.js';
import type { ConnectedRedis } from './connection-manager.js';

/** The connection every page reads from, with the readers that keep state per connection. */
export interface Inspection extends ConnectedRedis {
  /** Null when the connection may not SUBSCRIBE (the reason is in connection.limitations). */
  warnings: WarningsFeed | null;
  dataModel: DataModelInspector;
  energy: EnergyQuery;
  /** The unforeseen indexes of this Redis; their builds run while it is the active connection. */
  indexes: IndexBuilds;
}

export interface InspectionOptions {
  bucketSeconds: number;
  /** The archive's S3, for history older than Redis holds; only the workbench's own Redis has one. */
  s3: EnergyS3Target | null;
  index: IndexBuildSettings;
  log: (line: string) => void;
}

/** Takes over `connected`: closing the inspection closes it. */
export async function startInspection(connected: ConnectedRedis, { bucketSeconds, s3, index, log }: InspectionOptions): Promise<Inspection> {
  const limitations = [...connected.connection.limitations];
  let warnings: WarningsFeed | null = null;
  try {
    warnings = await WarningsFeed.start(connected.subscriber(), connected.keys.warningsChannel);
  } catch (error) {
    // An ACL user without @pubsub still gets every other page.
    limitations.push(`Warnings: ${(error as Error).message}`);
  }
  const indexes = new IndexBuilds({ redis: connected.client, keys: connected.keys, settings: index, buildRefusal: buildRefusal(connected), log });
  // A build a previous run left half-way goes on from its saved cursor.
  await indexes.resumeAll();
  return {
    ...connected,
    connection: { ...connected.connection, limitations },
    warnings,
    dataModel: new DataModelInspector(connected.client, connected.keys),
    energy: new EnergyQuery({ redis: connected.client, keys: connected.keys, bucketSeconds, s3 }),
    indexes,
  };
}

/** Why indexes cannot be built on this connection, or null. */
function buildRefusal({ connection }: ConnectedRedis): string | null {
  if (connection.readOnly) return `the connection ${connection.name} is read-only`;
  // A build's step is one script, and a script touches one slot: walking every master is the scale-out work's (issue 15).
  if (connection.kind === 'cluster') return `${connection.name} is a Redis Cluster, where index builds are not supported yet`;
  return null;
}

export async function stopInspection(inspection: Inspection): Promise<void> {
  await inspection.indexes.stop();
  await inspection.warnings?.stop();
  await inspection.close();
}
