import { contextBridge, ipcRenderer } from 'electron';

/** The only shell jobs the page may ask for; everything else goes through the HTTP API. */
contextBridge.exposeInMainWorld('workbenchShell', {
  openDataFolder: () => ipcRenderer.invoke('shell:open-data-folder'),
});
