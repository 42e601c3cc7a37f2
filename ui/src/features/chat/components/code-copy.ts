/**
 * A "Copy" button on each fenced code block of a rendered message. The buttons are made with DOM
 * calls inside the markdown's container (React does not own those nodes); they copy the block's
 * text, never HTML.
 */
const COPIED_MS = 1500;

async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // fall through to the older way (a LAN page over plain http has no clipboard API)
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}

export function addCopyButtons(root: HTMLElement): void {
  for (const pre of Array.from(root.querySelectorAll<HTMLPreElement>('pre'))) {
    if (pre.parentElement?.classList.contains('code-block')) continue;
    const code = pre.querySelector('code');
    const wrap = document.createElement('div');
    wrap.className = 'code-block';
    pre.replaceWith(wrap);
    wrap.appendChild(pre);
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'code-copy small';
    button.textContent = 'Copy';
    button.setAttribute('aria-label', 'Copy code');
    let timer: ReturnType<typeof setTimeout> | undefined;
    button.addEventListener('click', () => {
      void copyText((code ?? pre).textContent ?? '').then((ok) => {
        button.textContent = ok ? 'Copied' : 'Copy failed';
        clearTimeout(timer);
        timer = setTimeout(() => {
          button.textContent = 'Copy';
        }, COPIED_MS);
      });
    });
    wrap.appendChild(button);
  }
}
