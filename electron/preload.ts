import { contextBridge, ipcRenderer } from 'electron';

export interface FilePickOptions {
  title?: string;
  /** e.g. [{ name: 'Certificates', extensions: ['pem', 'crt'] }] */
  filters?: Array<{ name: string; extensions: string[] }>;
}

/** The only shell jobs the page may ask for; everything else goes through the HTTP API. */
contextBridge.exposeInMainWorld('workbenchShell', {
  openDataFolder: (): Promise<string> => ipcRenderer.invoke('shell:open-data-folder'),
  /** Resolves with the chosen file's path, or null when the dialog was cancelled. */
  pickFile: (options: FilePickOptions = {}): Promise<string | null> => ipcRenderer.invoke('shell:pick-file', options),
});
