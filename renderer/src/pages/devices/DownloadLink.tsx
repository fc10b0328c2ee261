import { useEffect, useState } from 'react';

/** A link that saves `text` as `fileName`: the browser's own download, nothing written by the workbench. */
export function DownloadLink({ fileName, text }: { fileName: string; text: string }) {
  const [href, setHref] = useState<string | undefined>(undefined);
  useEffect(() => {
    const url = URL.createObjectURL(new Blob([text], { type: 'application/x-pem-file' }));
    setHref(url);
    // The object URL holds the private key in memory until it is revoked.
    return () => URL.revokeObjectURL(url);
  }, [text]);
  return (
    <a className="button" href={href} download={fileName} data-testid="download-link">
      Download {fileName}
    </a>
  );
}
