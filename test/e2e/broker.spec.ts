import { expect, test } from '@playwright/test';
import mqtt from 'mqtt';
import { openDashboard, openPage, serve, shoot, uniqueDeviceId } from './e2e-helpers.js';

test('the Broker page lists an outside mqtt.js client, and a test message published in the UI appears in the topic tree', async ({ page }) => {
  const id = uniqueDeviceId('broker');
  // Not a topic ingest reads, and not retained: nothing of it outlives the spec but the broker's in-memory view.
  const topic = `e2e/broker/${id}/hello`;
  const device = await mqtt.connectAsync(serve().mqtt, { clientId: id, reconnectPeriod: 0, connectTimeout: 5000 });
  try {
    await device.publishAsync(`e2e/broker/${id}/device`, 'from mqtt.js', { qos: 1 });
    await openDashboard(page);
    await openPage(page, 'Broker');

    const clientRow = page.getByTestId('broker-client-row').filter({ hasText: id });
    await expect(clientRow).toContainText('anonymous');
    await expect(clientRow).toContainText('127.0.0.1');
    await expect(clientRow.locator('td').last()).toHaveText('1');

    const form = page.getByTestId('publish-form');
    await form.getByLabel('Topic').fill(topic);
    await form.getByLabel('Payload').fill(`{"hello":"${id}"}`);
    await form.getByLabel('QoS').selectOption('1');
    await form.getByRole('button', { name: 'Publish' }).click();
    await expect(form.getByTestId('publish-outcome')).toContainText(`to ${topic} at QoS 1`);

    const tree = page.getByRole('table', { name: 'Topic tree' });
    const row = tree.locator(`tr[data-topic="${topic}"]`);
    await expect(row).toContainText(`{"hello":"${id}"}`);
    await expect(row.locator('td').first()).toHaveText('1');
    await expect(tree.locator(`tr[data-topic="e2e/broker/${id}/device"]`)).toContainText('from mqtt.js');
    await shoot(page, 'broker');

    await tree.getByRole('button', { name: `Collapse e2e/broker/${id}` }).click();
    await expect(row).toHaveCount(0);
    await expect(tree.locator(`tr[data-topic="e2e/broker/${id}"]`).locator('td').first()).toHaveText('2');
  } finally {
    await device.endAsync();
  }
});
