/** The few browser facilities the console uses (clipboard, files), each with its failure made visible. */

/** Copies text; falls back to a selected textarea where the async clipboard is refused (no permission). */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    // execCommand is deprecated but is the only copy path without clipboard permission.
    const isCopied = document.execCommand('copy');
    area.remove();
    return isCopied;
  }
}

/** Reads a picked file as base64 for `run.attest` (main enforces the size limit). */
export async function readFileBase64(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}
