/** What each handler does with a message, in the data model's own terms. */
export function HandlerGuide({ hashKeyPattern }: { hashKeyPattern: string }) {
  return (
    <section className="panel" aria-labelledby="handler-guide-title">
      <h2 id="handler-guide-title">Handlers</h2>
      <dl className="definition-list">
        <dt>Thermostat reading</dt>
        <dd>
          The source document’s rule: validate the JSON reading, stamp and classify it, then <code>ZADD SensorData</code>, the device hash, the climate counter and,
          for hot readings, <code>PUBLISH Warnings</code>. Bad payloads go to the dead letters (Rejected page).
        </dd>
        <dt>Meter readings</dt>
        <dd>
          A JSON array of meter readings on <code>meters/&lt;deviceId&gt;/energy</code> into that meter’s energy bucket list. Any other topic is rejected as{' '}
          <code>unknown-topic</code>: the meter id comes from the topic.
        </dd>
        <dt>Store JSON as hash</dt>
        <dd>
          A JSON object’s fields into the hash <code>{hashKeyPattern}</code>, newer values over older; numbers and booleans as text, nested values as JSON. For
          devices the data model does not know yet.
        </dd>
        <dt>Ignore</dt>
        <dd>Dropped on purpose, and counted; rules below never see the message. Put it above a broader rule to keep part of it out.</dd>
      </dl>
    </section>
  );
}
