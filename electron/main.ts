import { join } from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, Menu, safeStorage, shell } from 'electron';
import type { FilePickOptions } from './preload.js';
import { loadConfig } from '../core/config/load.js';
import { Stack } from '../core/app/stack.js';
import { secretBoxFromEnvironment, type SecretBox } from '../core/connections/secret-box.js';

const log = (line: string) => process.stderr.write(`${line}\n`);
let stack: Stack | null = null;

async function openWindow(running: Stack): Promise<void> {
  const apiUrl = new URL(running.addresses().http!);
  const window = new BrowserWindow({
    width: 1280,
    height: 820,
    title: 'Sensor Workbench',
    webPreferences: {
      preload: join(import.meta.dirname, '../preload/preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    },
  });
  // The window only ever shows the workbench UI: no pop-ups, no navigation elsewhere.
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  window.webContents.on('will-navigate', (event, url) => {
    if (new URL(url).origin !== apiUrl.origin) event.preventDefault();
  });
  const rendererDevUrl = process.env.ELECTRON_RENDERER_URL;
  // The token travels in the URL fragment, which is never sent over the network or logged by the server.
  const page = rendererDevUrl ? new URL(rendererDevUrl) : new URL('/', apiUrl.origin);
  page.hash = new URLSearchParams({ api: apiUrl.origin, token: running.token }).toString();
  await window.loadURL(page.toString());
}

function buildMenu(running: Stack): void {
  Menu.setApplicationMenu(
    Menu.buildFromTemplate([
      {
        label: 'File',
        submenu: [
          { label: 'Open Data Folder', click: () => void shell.openPath(running.config.dataDir) },
          { type: 'separator' },
          { role: 'quit' },
        ],
      },
      { role: 'viewMenu' },
      { role: 'windowMenu' },
    ]),
  );
}

async function main(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  await app.whenReady();
  // The same flags as `npm run serve`, after the app path (`electron . --mqtt-port 1884`).
  const argv = process.argv.slice(app.isPackaged ? 1 : 2);
  const { config } = loadConfig({ argv, env: { SW_DATA_DIR: app.getPath('userData'), ...process.env } });
  if (!config.roles.includes('ui')) throw new Error(`the desktop app shows the pages, and role ${config.roles.join(',')} has none: use npm run serve for it`);
  stack = await Stack.start(config, { log, rendererDir: join(import.meta.dirname, '../renderer'), secretBox: keychainSecretBox() });
  buildMenu(stack);
  const dataDir = config.dataDir;
  ipcMain.handle('shell:open-data-folder', () => shell.openPath(dataDir));
  ipcMain.handle('shell:pick-file', async (_event, options: FilePickOptions) => {
    const picked = await dialog.showOpenDialog({ title: options.title, filters: options.filters, properties: ['openFile'] });
    return picked.canceled ? null : (picked.filePaths[0] ?? null);
  });
  await openWindow(stack);
  app.on('second-instance', () => BrowserWindow.getAllWindows()[0]?.focus());
}

app.on('window-all-closed', () => app.quit());
app.on('will-quit', (event) => {
  if (!stack) return;
  event.preventDefault();
  const stopping = stack;
  stack = null;
  void stopping.stop().finally(() => app.exit(0));
});

main().catch((error: Error) => {
  log(`Sensor Workbench could not start: ${error.message}`);
  app.exit(1);
});

const SAFE_STORAGE_FORMAT = 'safestorage';

/**
 * Saved connections' secrets sealed by the OS keychain. Linux without a keyring only offers
 * "basic_text" (obfuscation with a fixed key), which is no protection: SW_SECRET_KEY is used then.
 */
function keychainSecretBox(): SecretBox {
  const plainOnLinux = process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text';
  if (!safeStorage.isEncryptionAvailable() || plainOnLinux) return secretBoxFromEnvironment();
  return {
    available: true,
    detail: 'encrypted by the operating system keychain (Electron safeStorage)',
    seal: (plain) => `${SAFE_STORAGE_FORMAT}:${safeStorage.encryptString(plain).toString('base64')}`,
    open: (sealed) => {
      const [format, data] = sealed.split(':');
      if (format !== SAFE_STORAGE_FORMAT || data === undefined) throw new Error('a stored secret was not sealed by this desktop app\'s keychain');
      return safeStorage.decryptString(Buffer.from(data, 'base64'));
    },
  };
}
